"""Briefing packs as issued, and which agencies a listed case is relevant to.

A :class:`BriefingPack` is one copy of one version of a pack, for one person: its content is stored
as issued (with a SHA-256 of the bytes) so that what a recipient downloaded can be shown later, and
its ``reference`` is printed in every footer so that a leaked copy can be traced to the person.
:class:`PackRelevance` is the coordinator's mark that an agency needs a case in its pack, used when
the area gives packs only the cases relevant to each agency (``pack_scope: relevant``).
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import JSON, ForeignKey, LargeBinary, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from marac.db import Base, UUIDPrimaryKey


class BriefingPack(UUIDPrimaryKey, Base):
    """One issued copy of a briefing pack.  ``number`` counts the versions issued to this person for
    this conference; the current copy has neither ``superseded_at`` nor ``withdrawn_at``."""

    __tablename__ = "briefing_pack"
    # Also the index for "this person's copies of this conference".
    __table_args__ = (UniqueConstraint("conference_id", "recipient_user_id", "number"),)

    conference_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("conference.id", ondelete="CASCADE"))
    area_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("area.id", ondelete="CASCADE"), index=True)
    recipient_user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("app_user.id", ondelete="CASCADE"), index=True
    )
    agency_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("agency.id", ondelete="SET NULL"), default=None
    )
    number: Mapped[int]
    agenda_version: Mapped[int]
    # Printed in the footer ("prepared for NAME, AGENCY — ref ABC123"); unique across all packs.
    reference: Mapped[str] = mapped_column(String(20), unique=True)
    # The cases the copy holds, as id strings: a download re-checks them against must-not-receive lists.
    case_ids: Mapped[list[str]] = mapped_column(JSON, default=list)
    # SHA-256 of what the copy shows, leaving out when it was made and its reference: unchanged → no new copy.
    fingerprint: Mapped[str] = mapped_column(String(64))
    content: Mapped[bytes] = mapped_column(LargeBinary)
    content_hash: Mapped[str] = mapped_column(String(64))
    size: Mapped[int]
    generated_at: Mapped[datetime]
    # Set when the recipient was told by email (a new agenda version, or their first copy).
    announced_at: Mapped[datetime | None] = mapped_column(default=None)
    notification_key: Mapped[str | None] = mapped_column(String(200), default=None)
    superseded_at: Mapped[datetime | None] = mapped_column(default=None)
    # The recipient may no longer have it: no longer a representative, or the conference was cancelled.
    withdrawn_at: Mapped[datetime | None] = mapped_column(default=None)


class PackRelevance(Base):
    """The coordinator marked a listed case as relevant to an agency: it goes into that agency's packs."""

    __tablename__ = "pack_relevance"

    agenda_item_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("agenda_item.id", ondelete="CASCADE"), primary_key=True
    )
    agency_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("agency.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    marked_by: Mapped[uuid.UUID | None] = mapped_column(default=None)
    marked_at: Mapped[datetime]
