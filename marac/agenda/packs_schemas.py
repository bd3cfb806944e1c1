"""Response shapes of the briefing-pack and meeting-document API (msgspec).

They carry ids, references, versions and hashes — never case details: those are only in the
documents, which are downloaded one authenticated request at a time.
"""

from __future__ import annotations

import uuid
from datetime import datetime

import msgspec


class BriefingPack(msgspec.Struct, kw_only=True):
    """One issued copy of a briefing pack."""

    id: uuid.UUID
    conference_id: uuid.UUID
    recipient_user_id: uuid.UUID
    recipient_name: str
    agency_id: uuid.UUID | None
    agency_name: str | None
    version: int
    agenda_version: int
    reference: str
    case_count: int
    size: int
    sha256: str
    generated_at: datetime
    announced_at: datetime | None
    superseded_at: datetime | None
    withdrawn_at: datetime | None
    current: bool
    download_path: str


class PackIssue(msgspec.Struct, kw_only=True):
    """What issuing a conference's packs did."""

    conference_id: uuid.UUID
    agenda_version: int
    issued: int
    announced: int
    unchanged: int
    withdrawn: int


class PackRelevance(msgspec.Struct, kw_only=True):
    """A listed case marked relevant to an agency (its packs include it under ``pack_scope: relevant``)."""

    agenda_item_id: uuid.UUID
    case_reference: str
    agency_id: uuid.UUID
    agency_name: str
    marked_by: uuid.UUID | None
    marked_at: datetime
