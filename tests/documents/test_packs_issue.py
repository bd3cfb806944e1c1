"""Briefing packs issued from the database: one copy per person, need-to-know, versions and emails.

Every copy is opened with python-docx and read as its recipient would read it.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from marac.access.auth import actor_for
from marac.access.models import Role, User
from marac.agenda import schemas
from marac.agenda.agenda_items import defer_item
from marac.agenda.conferences import cancel_conference
from marac.agenda.documents_models import BriefingPack
from marac.agenda.models import ResearchState, SeriesRepresentative
from marac.agenda.packs_jobs import issue_briefing_packs
from marac.agenda.packs_relevance import mark_relevant
from marac.audit import AuditEvent
from marac.clock import FixedClock
from marac.notify.invitations import reconcile_invitations
from marac.notify.models import Notification, Response
from marac.notify.services import Answer, respond
from marac.runtime import Runtime
from tests.documents.pack_builders import (
    SYSTEM,
    PackWorld,
    build_pack_world,
    item_of,
    note_research,
    set_pack_scope,
)
from tests.documents.reading import assert_marked_and_addressed, body_text, headers_and_footers, open_docx
from tests.documents.reading import paragraphs as part_paragraphs
from tests.factories import make_user

RECIPIENTS = ["chair", "care.rep", "housing.rep", "police.rep", "police.rep2"]
AGENCY_OF = {
    "chair": "North Children's Services",
    "care.rep": "North Children's Services",
    "housing.rep": "North Housing",
    "police.rep": "North Police",
    "police.rep2": "North Police",
}


@pytest.fixture
async def world(runtime: Runtime) -> PackWorld:  # the tests here need no other world
    return await build_pack_world(runtime)


async def packs_of(runtime: Runtime, world: PackWorld, *, current: bool = True) -> dict[str, BriefingPack]:
    """Each person's copy (the current one, or the latest whatever its state), by user key."""
    by_user = {user.id: key for key, user in world.users.items()}
    async with runtime.transaction() as session:
        query = select(BriefingPack).where(BriefingPack.conference_id == world.conference.id)
        if current:
            query = query.where(BriefingPack.superseded_at.is_(None), BriefingPack.withdrawn_at.is_(None))
        rows = await session.scalars(query.order_by(BriefingPack.number))
        return {by_user[row.recipient_user_id]: row for row in rows}


async def sweep_at_pack_time(
    runtime: Runtime, clock: FixedClock, world: PackWorld
) -> dict[str, BriefingPack]:
    clock.set(world.conference.packs_at)
    await issue_briefing_packs(runtime)
    return await packs_of(runtime, world)


def whole_text(content: bytes) -> str:
    document = open_docx(content)
    parts = [
        body_text(document),
        *("\n".join(part_paragraphs(p._element)) for _, p in headers_and_footers(document)),
    ]
    return "\n".join(parts)


def case_pages(content: bytes, world: PackWorld) -> set[str]:
    """The letters of the cases that have a page ("Case MC-00001 — …") in the copy."""
    text = body_text(open_docx(content))
    return {letter for letter, reference in world.references.items() if f"Case {reference} — " in text}


async def test_each_person_gets_a_marked_copy_addressed_to_them_without_cases_kept_from_them(
    runtime: Runtime, clock: FixedClock, world: PackWorld
) -> None:
    packs = await sweep_at_pack_time(runtime, clock, world)

    assert sorted(packs) == sorted(RECIPIENTS)
    for key, pack in packs.items():
        document = open_docx(pack.content)
        name = world.users[key].name
        assert_marked_and_addressed(
            document, "OFFICIAL-SENSITIVE", f"Prepared for {name}, {AGENCY_OF[key]} — ref {pack.reference}"
        )
        expected = {"B", "C", "D"} if key == "police.rep2" else {"A", "B", "C", "D"}
        assert case_pages(pack.content, world) == expected, key
        assert len(pack.case_ids) == len(expected)
    # police.rep2 is on case A's must-not-receive list: A is nowhere in their copy, not even the agenda.
    assert world.references["A"] not in whole_text(packs["police.rep2"].content)
    assert world.references["A"] in whole_text(packs["police.rep"].content)
    assert len({pack.reference for pack in packs.values()}) == len(packs)
    # The audit log says which copy reference went to whom, so a leaked copy leads to its recipient.
    async with runtime.transaction() as session:
        [issue] = list(await session.scalars(select(AuditEvent).where(AuditEvent.action == "pack.issue")))
    assert {copy["reference"]: copy["recipient_user_id"] for copy in issue.detail["copies"]} == {
        pack.reference: str(pack.recipient_user_id) for pack in packs.values()
    }


async def test_a_copy_shows_the_case_facts_research_notes_and_open_actions(
    runtime: Runtime, clock: FixedClock, world: PackWorld
) -> None:
    await note_research(runtime, world, "A", "care", ResearchState.SHARED, "Known to the school nurse.")

    packs = await sweep_at_pack_time(runtime, clock, world)

    text = body_text(open_docx(packs["care.rep"].content))
    assert "Civic Centre, Room 4" in text
    assert "Tuesday 8 December 2026" in text
    assert "DASH-style risk checklist v1: 16 of 24 yes" in text
    assert "Visible high risk, Repeat" in text  # case B's criteria
    assert "Known to the school nurse." in text
    assert "Visit the school about safe collection" in text  # the open action on A
    assert "20 December 2026" in text
    for key in RECIPIENTS:  # the cover lists who attends
        assert world.users[key].name in text


async def test_under_relevant_scope_an_agency_gets_what_it_referred_owns_or_was_marked_for(
    runtime: Runtime, clock: FixedClock, world: PackWorld
) -> None:
    await set_pack_scope(runtime, world.area, "relevant")
    item = await item_of(runtime, world.conference, world.cases["C"])
    async with runtime.transaction() as session:
        await mark_relevant(session, runtime.clock, SYSTEM, item.id, world.agencies["housing"].id)

    packs = await sweep_at_pack_time(runtime, clock, world)

    seen = {key: case_pages(pack.content, world) for key, pack in packs.items()}
    assert seen == {
        "chair": {"A", "B", "C", "D"},  # runs the meeting
        "care.rep": {"A", "B"},  # referred B; owns the open action on A
        "housing.rep": {"C", "D"},  # marked relevant to C; referred D
        "police.rep": {"A", "C"},  # referred both
        "police.rep2": {"C"},  # as police.rep, less A which is kept from them
    }
    assert world.references["A"] not in whole_text(packs["police.rep2"].content)


async def test_a_deputy_named_for_the_meeting_gets_a_copy_of_their_agencys_cases(
    runtime: Runtime, clock: FixedClock, world: PackWorld
) -> None:
    await set_pack_scope(runtime, world.area, "relevant")
    deputy, _ = await make_user(
        runtime, world.area, "housing.deputy@example.org", [Role.REPRESENTATIVE], world.agencies["housing"]
    )
    world.users["housing.deputy"] = deputy
    async with runtime.transaction() as session:
        await reconcile_invitations(session, clock, settings=runtime.settings)
    async with runtime.transaction() as session:
        housing = await session.get(User, world.users["housing.rep"].id)
        assert housing is not None
        answer = Answer(Response.DELEGATED, deputy.id)
        await respond(
            session, clock, actor_for(housing), world.conference.id, answer, settings=runtime.settings
        )

    packs = await sweep_at_pack_time(runtime, clock, world)

    assert sorted(packs) == sorted([*RECIPIENTS, "housing.deputy"])
    copy = packs["housing.deputy"]
    assert case_pages(copy.content, world) == {"D"}  # what North Housing referred
    text = whole_text(copy.content)
    assert f"Prepared for {deputy.name}, North Housing — ref {copy.reference}" in text
    assert "Deputy" in text  # the cover lists who attends, and as what


async def test_nothing_is_issued_before_the_pack_moment_or_once_the_meeting_has_started(
    runtime: Runtime, clock: FixedClock, world: PackWorld
) -> None:
    clock.set(world.conference.packs_at - timedelta(minutes=1))
    assert await issue_briefing_packs(runtime) == []
    clock.set(world.conference.starts_at)
    assert await issue_briefing_packs(runtime) == []
    assert await packs_of(runtime, world) == {}


async def test_emails_link_to_the_portal_and_carry_no_case_and_no_document(
    runtime: Runtime, clock: FixedClock, world: PackWorld
) -> None:
    packs = await sweep_at_pack_time(runtime, clock, world)

    async with runtime.transaction() as session:
        mails = list(await session.scalars(select(Notification).where(Notification.kind == "briefing_pack")))
    assert sorted(m.recipient_address for m in mails) == sorted(world.users[k].email for k in RECIPIENTS)
    for mail in mails:
        content = f"{mail.subject}\n{mail.text_body}\n{mail.html_body}"
        assert mail.subject.startswith("OFFICIAL-SENSITIVE")
        assert f"/conferences/{world.conference.id}/packs" in mail.text_body
        assert mail.calendar is None
        for reference in world.references.values():
            assert reference not in content
    by_address = {mail.recipient_address: mail for mail in mails}
    for key, pack in packs.items():
        assert f"Copy reference: {pack.reference}" in by_address[world.users[key].email].text_body


async def test_a_new_agenda_version_remakes_every_copy_and_each_is_announced_again(
    runtime: Runtime, clock: FixedClock, world: PackWorld
) -> None:
    first = await sweep_at_pack_time(runtime, clock, world)
    item = await item_of(runtime, world.conference, world.cases["D"])
    async with runtime.transaction() as session:
        await defer_item(session, clock, SYSTEM, item.id, schemas.AgendaItemDefer(version=item.version))

    await issue_briefing_packs(runtime)

    second = await packs_of(runtime, world)
    for key in RECIPIENTS:
        assert (second[key].number, second[key].agenda_version) == (2, 2)
        assert second[key].reference != first[key].reference
        assert "D" not in case_pages(second[key].content, world)
        assert second[key].announced_at is not None
    async with runtime.transaction() as session:
        old = await session.get(BriefingPack, first["police.rep"].id)
        assert old is not None
        assert old.superseded_at is not None
        mails = list(await session.scalars(select(Notification).where(Notification.kind == "briefing_pack")))
    assert len(mails) == 2 * len(RECIPIENTS)
    assert sum("Updated briefing pack" in m.subject for m in mails) == len(RECIPIENTS)


async def test_a_late_research_note_remakes_copies_quietly_and_an_unchanged_agenda_remakes_nothing(
    runtime: Runtime, clock: FixedClock, world: PackWorld
) -> None:
    first = await sweep_at_pack_time(runtime, clock, world)
    assert [run.unchanged for run in await issue_briefing_packs(runtime)] == [len(RECIPIENTS)]

    await note_research(runtime, world, "A", "housing", ResearchState.INFORMATION_HELD, "Rent arrears.")
    await issue_briefing_packs(runtime)

    second = await packs_of(runtime, world)
    assert second["police.rep"].number == 2
    assert second["police.rep"].announced_at is None
    assert "Rent arrears." in body_text(open_docx(second["police.rep"].content))
    # police.rep2 cannot see case A, so the note on it changes nothing in their copy.
    assert second["police.rep2"].id == first["police.rep2"].id
    async with runtime.transaction() as session:
        count = len(
            list(await session.scalars(select(Notification.id).where(Notification.kind == "briefing_pack")))
        )
    assert count == len(RECIPIENTS)


async def test_copies_are_withdrawn_from_people_no_longer_representing_and_when_cancelled(
    runtime: Runtime, clock: FixedClock, world: PackWorld
) -> None:
    await sweep_at_pack_time(runtime, clock, world)
    async with runtime.transaction() as session:
        row = await session.get(SeriesRepresentative, (world.series_id, world.users["housing.rep"].id))
        assert row is not None
        await session.delete(row)

    [run] = await issue_briefing_packs(runtime)

    assert run.withdrawn == 1
    assert "housing.rep" not in await packs_of(runtime, world)
    async with runtime.transaction() as session:
        await cancel_conference(
            session,
            clock,
            SYSTEM,
            world.conference.id,
            schemas.ConferenceCancel(version=world.conference.version, reason="Venue closed"),
        )
    await issue_briefing_packs(runtime)
    assert await packs_of(runtime, world) == {}
