"""No email or calendar output carries a victim's, perpetrator's or child's name, birth date or address.

The cases are stored as the cases service stores them (encrypted, with blind indexes); the conference
they are listed for goes through invitation, update, cancellation, a deputy, a reminder and feeds with
the action deadlines of those cases.  Everything that leaves the service is then searched, raw and
decoded, for every identifying value in every usual spelling.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator, Sequence
from datetime import UTC, date, datetime
from email import message_from_bytes, policy
from pathlib import Path

import pytest

from marac.access.auth import actor_for
from marac.access.models import Role, User
from marac.agenda.models import AgendaItem
from marac.cases import schemas as case_schemas
from marac.cases.models import CaseParty, PartyRole, Referral
from marac.cases.people import Protector, new_person
from marac.clock import FixedClock
from marac.notify import feeds, services
from marac.notify.delivery import deliver_due
from marac.notify.feeds import FeedDeadline
from marac.notify.invitations import reconcile_invitations
from marac.notify.models import Response
from marac.notify.reminders import send_meeting_reminders
from marac.notify.transports import FileTransport
from marac.runtime import Runtime
from tests.factories import World, make_user

from .conference_helpers import make_conference, make_series, move, set_mailbox
from .outbox_helpers import make_case

Person = case_schemas.PersonCreate
CASES = [
    (
        "MC-0201",
        Person(
            forename="Rosalind",
            surname="Featherstonehaugh",
            birth_date=date(1989, 4, 17),
            address="14 Quillbury Terrace, Northtown NT4 7QX",
        ),
        [
            Person(
                forename="Desmond",
                surname="Achterberg",
                birth_date=date(1985, 11, 2),
                address="Flat 3, 77 Wolsey Road, Northtown NT1 2ZZ",
            )
        ],
        [Person(forename="Tamsin", surname="Featherstonehaugh", birth_date=date(2016, 6, 30))],
    ),
    (
        "MC-0202",
        Person(
            forename="Åsa",
            surname="Öberg-Lindqvist",
            birth_date=date(1994, 1, 9),
            address="2 Mossgiel Lane, Southby SB9 4HN",
        ),
        [Person(forename="Bartholomew", surname="Quennell", birth_date=date(1990, 8, 23))],
        [],
    ),
]


def spellings(person: Person) -> Iterator[str]:
    yield from (person.forename, person.surname, f"{person.forename} {person.surname}")
    if person.birth_date is not None:
        born = person.birth_date
        yield from (born.isoformat(), f"{born:%d/%m/%Y}", f"{born.day} {born:%B %Y}", f"{born:%Y%m%d}")
    if person.address:
        yield person.address
        yield from (part.strip() for part in person.address.split(","))
        yield person.address.rsplit(" ", 2)[-2] + " " + person.address.rsplit(" ", 1)[-1]  # postcode


FORBIDDEN = sorted(
    {s.casefold() for _, victim, perps, kids in CASES for p in (victim, *perps, *kids) for s in spellings(p)}
)


def texts(raw: bytes) -> Iterator[str]:
    """The raw message and every part of it decoded (quoted-printable, base64, calendars)."""
    yield raw.decode("utf-8", "replace")
    message = message_from_bytes(raw, policy=policy.default)
    for name, value in message.items():
        yield f"{name}: {value}"
    for part in message.walk():
        payload = part.get_payload(decode=True)
        if isinstance(payload, bytes):
            yield payload.decode("utf-8", "replace")


async def store_parties(
    runtime: Runtime, world: World, case_id: uuid.UUID, people: Sequence[Person], role: PartyRole
) -> None:
    protector = Protector.from_settings(runtime.settings.security)
    async with runtime.transaction() as session:
        for person in people:
            row = new_person(protector, world.area.id, person, runtime.clock.now())
            session.add(row)
            await session.flush()
            session.add(CaseParty(case_id=case_id, person_id=row.id, role=role))


async def list_case(
    runtime: Runtime, world: World, conference_id: uuid.UUID, case_id: uuid.UUID, n: int
) -> None:
    now = runtime.clock.now()
    async with runtime.transaction() as session:
        referral = Referral(
            area_id=world.area.id,
            case_id=case_id,
            reference=f"R-2026-{n:04d}",
            referring_agency_id=world.police.id,
            referred_on=now.date(),
            submitted_at=now,
        )
        session.add(referral)
        await session.flush()
        session.add(
            AgendaItem(
                conference_id=conference_id,
                referral_id=referral.id,
                case_id=case_id,
                section="children",
                position=n,
                starts_at=now,
                ends_at=now,
                created_at=now,
            )
        )


async def test_nothing_identifying_leaves_the_service(
    runtime: Runtime, clock: FixedClock, world: World, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    await set_mailbox(runtime, world.area)
    police, _ = await make_user(
        runtime, world.area, "police.rep@north.example", [Role.REPRESENTATIVE], world.police
    )
    deputy, _ = await make_user(runtime, world.area, "dc.deputy@north.example", [Role.REFERRER], world.police)
    care = world.users["representative"]
    series = await make_series(runtime, world.area, [police, care], chair=world.users["chair"])
    conference = await make_conference(runtime, series, datetime(2027, 3, 23, 10, 0))
    owned: list[FeedDeadline] = []
    for n, (reference, victim, perpetrators, children) in enumerate(CASES, start=1):
        case = await make_case(runtime, world.area, reference, victim)
        await store_parties(runtime, world, case.id, perpetrators, PartyRole.PERPETRATOR)
        await store_parties(runtime, world, case.id, children, PartyRole.CHILD)
        await list_case(runtime, world, conference.id, case.id, n)
        owned.append(FeedDeadline(uuid.uuid4(), f"A-{n:04d}", case.id, reference, date(2027, 4, n)))

    async def deadlines(session: object, agency_id: uuid.UUID, since: date) -> list[FeedDeadline]:
        return owned

    monkeypatch.setattr(feeds, "agency_deadlines", deadlines)
    transport = FileTransport(tmp_path / "mail")

    async def sweep() -> None:
        async with runtime.transaction() as session:
            await reconcile_invitations(session, clock, settings=runtime.settings)
            await send_meeting_reminders(session, clock, settings=runtime.settings)
        await deliver_due(runtime.sessions, clock, runtime.settings, transport)

    clock.set(datetime(2027, 2, 1, 9, 0, tzinfo=UTC))
    await sweep()  # invitations
    async with runtime.transaction() as session:
        person = await session.get(User, police.id)
        assert person is not None
        await services.respond(
            session,
            clock,
            actor_for(person),
            conference.id,
            services.Answer(Response.DELEGATED, deputy.id),
            settings=runtime.settings,
        )
    await move(runtime, conference, datetime(2027, 3, 30, 10, 0))  # updates
    clock.set(datetime(2027, 3, 25, 9, 0, tzinfo=UTC))
    await sweep()  # reminders
    outputs = [path.read_bytes() for path in (tmp_path / "mail").glob("*.eml")]
    for user in (police, deputy, care, world.users["chair"], world.users["coordinator"]):
        async with runtime.transaction() as session:
            person = await session.get(User, user.id)
            assert person is not None
            link = await feeds.issue_feed_token(session, clock, actor_for(person), runtime.settings)
            fetched = await feeds.fetch_feed(
                session, clock, runtime.settings, link.url.rsplit("/", 1)[1][:-4]
            )
        assert fetched.body is not None
        outputs.append(fetched.body)

    assert len(outputs) >= 15  # invitations, a deputy's, updates, reminders, five feeds
    everything = "\n".join(text for raw in outputs for text in texts(raw)).casefold()
    assert "mc-0201" in everything  # the search does reach case data: references are allowed...
    leaked = [value for value in FORBIDDEN if value in everything]
    assert leaked == []  # ...names, birth dates and addresses are not
