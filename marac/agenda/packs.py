"""Briefing packs: what each person's copy holds, decided from one conference's facts.

One pack is made per recipient *person*, not per agency, because the must-not-receive list of a case
names people: a worker excluded from a case gets a copy without it while a colleague's copy has it.
Who receives a copy, and the facts of every listed case, are loaded once per conference
(:mod:`marac.agenda.packs_sources`) into a :class:`ConferencePacks`; this module decides, without the
database, which cases each copy holds (:func:`cases_for`) and builds its document context
(:func:`pack_context`).

Need-to-know, per copy:

* a case on whose must-not-receive list the recipient is named is left out everywhere: the case
  details, the agenda summary and the incomplete actions of the previous meeting;
* with the area setting ``pack_scope: all`` a copy holds every case discussed at the conference;
* with ``pack_scope: relevant`` it holds the cases relevant to the recipient's agency: those the
  coordinator marked relevant to it, those it referred, and those on which it owns an open action;
* the conference's chair and the area's coordinators and chairs run the meeting: they get every case
  (their own exclusions still apply).

Cases listed for notification only (twelve months since the last MARAC) appear in the agenda summary
but are not discussed, so they have no case pages.
"""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any, Literal

from marac.agenda.agenda_document import agenda_sections
from marac.agenda.documents import (
    AreaInfo,
    Attendee,
    ConferenceInfo,
    PackCase,
    PackDoc,
    Recipient,
)

PackScope = Literal["all", "relevant"]
# The agenda sections whose cases are discussed, and how a pack names them.
DISCUSSED_SECTIONS: dict[str, str] = {"children": "Children in household", "adults": "Adult only"}
_NO_TIME = datetime(2000, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class PackRecipient:
    """A person who gets a copy: a standing representative, a deputy they named, or the chair."""

    user_id: uuid.UUID
    name: str
    email: str
    agency_id: uuid.UUID | None
    agency: str  # as printed on the copy; the area's name for someone without an agency
    role: str  # "Chair", "Representative", "Deputy"
    sees_every_case: bool = False  # runs the meeting (see the module docstring)


@dataclass(frozen=True)
class ListedCase:
    """A case discussed at the conference, with who may and may not have it."""

    item_id: uuid.UUID
    case_id: uuid.UUID
    referring_agency_id: uuid.UUID
    relevant_to: frozenset[uuid.UUID]  # agencies marked relevant, plus owners of open actions
    detail: PackCase


@dataclass(frozen=True)
class ConferencePacks:
    """Everything the packs of one conference are made from, loaded once."""

    conference_id: uuid.UUID
    area_id: uuid.UUID
    local_date: date
    agenda_version: int
    series_name: str  # names the meeting in the announcements
    scope: PackScope
    area: AreaInfo
    conference: ConferenceInfo
    marking: str
    template_dir: Path | None
    attendees: tuple[Attendee, ...]
    snapshot: dict[str, Any]  # the published agenda version
    cases: tuple[ListedCase, ...]
    recipients: tuple[PackRecipient, ...]
    # Every case the agenda mentions (discussed, notification only, previous actions) → excluded users.
    exclusions: dict[uuid.UUID, frozenset[uuid.UUID]]

    def hidden_from(self, user_id: uuid.UUID) -> frozenset[uuid.UUID]:
        """The cases this person must not receive anything about."""
        return frozenset(case_id for case_id, users in self.exclusions.items() if user_id in users)


def cases_for(packs: ConferencePacks, recipient: PackRecipient) -> tuple[ListedCase, ...]:
    """The cases this recipient's copy holds, in agenda order (see the module docstring)."""
    hidden = packs.hidden_from(recipient.user_id)
    chosen = []
    for case in packs.cases:
        if case.case_id in hidden:
            continue
        if packs.scope == "relevant" and not recipient.sees_every_case:
            agency = recipient.agency_id
            if agency is None or (agency != case.referring_agency_id and agency not in case.relevant_to):
                continue
        chosen.append(case)
    return tuple(chosen)


def _without(snapshot: dict[str, Any], hidden: frozenset[uuid.UUID]) -> dict[str, Any]:
    """The agenda snapshot without the lines and actions of ``hidden`` cases."""
    if not hidden:
        return snapshot
    names = {str(case_id) for case_id in hidden}
    sections = [
        {**section, "items": [line for line in section["items"] if line["case_id"] not in names]}
        for section in snapshot["sections"]
    ]
    actions = [action for action in snapshot.get("previous_actions", []) if action["case_id"] not in names]
    return {**snapshot, "sections": sections, "previous_actions": actions}


def pack_context(
    packs: ConferencePacks, recipient: PackRecipient, *, reference: str, generated_at: datetime
) -> PackDoc:
    """The document context of one recipient's copy."""
    hidden = packs.hidden_from(recipient.user_id)
    return PackDoc(
        area=packs.area,
        conference=packs.conference,
        recipient=Recipient(name=recipient.name, agency=recipient.agency, reference=reference),
        agenda_version=packs.agenda_version,
        attendees=packs.attendees,
        sections=agenda_sections(_without(packs.snapshot, hidden)),
        cases=tuple(case.detail for case in cases_for(packs, recipient)),
        generated_at=generated_at,
        marking=packs.marking,
    )


def fingerprint(context: PackDoc) -> str:
    """SHA-256 of what a copy shows, leaving out its reference and when it was made.

    Two contexts with the same fingerprint print the same pack, so no new copy is needed.  The
    contexts are frozen dataclasses of plain values, whose ``repr`` is stable.
    """
    stable = replace(context, recipient=replace(context.recipient, reference=""), generated_at=_NO_TIME)
    return hashlib.sha256(repr(stable).encode("utf-8")).hexdigest()


def slug(text: str) -> str:
    """``Children's Social Care`` → ``childrens-social-care``: for file names."""
    kept = "".join(c.lower() if c.isalnum() else " " for c in text.replace("'", "").replace("\u2019", ""))
    return "-".join(kept.split())[:40] or "marac"


def pack_filename(local_date: date, recipient_agency: str, reference: str, extension: str = "docx") -> str:
    """``marac-pack-2026-12-08-north-shire-police-ABC123.docx``: the date, agency and reference only."""
    return f"marac-pack-{local_date.isoformat()}-{slug(recipient_agency)}-{reference}.{extension}"
