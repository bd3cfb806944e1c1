"""Demo step: two months of referrals from five agencies, decided by the coordinator.

Thirty referrals of obviously fictional people go through the real services: four earlier referrals
entered from the previous system (accepted and heard, so that later ones can be repeats), then
twenty-six over two months from the police, children's social care, the hospital, housing and the IDVA
service — repeats, a referral more than twelve months after the last (new, not a repeat), professional
judgement, potential escalation, a below-threshold referral that is returned, a second referral for a
victim already waiting (linked), and two near matches (one confirmed, one left for the coordinator).
"""

from __future__ import annotations

import random
import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

from marac.access.auth import actor_for
from marac.access.guards import Actor
from marac.cases import intake, referrals, schemas, services, suggestions
from marac.cases.instruments.dash import QUESTIONS
from marac.cases.models import MatchStatus, ReferralStatus
from marac.cases.people import Protector

if TYPE_CHECKING:
    from marac.demo import DemoContext


def _pairs(names: str) -> list[tuple[str, str]]:
    """Split "Alice Fictional, Bella Madeup" into (forename, surname) pairs."""
    return [(first, last) for first, last in (name.split() for name in names.split(", "))]


# Fictional on purpose, and plainly so.
VICTIMS = _pairs(
    "Alice Fictional, Bella Madeup, Cora Placeholder, Dina Notreal, Edie Samplewood, Fran Testington, "
    "Gwen Pretendley, Hana Inventova, Iris Exampleton, Jess Dummyworth, Kira Fabricata, Lena Mockridge, "
    "Maya Imaginary, Nora Storybook, Olga Fauxley, Pia Demoford, Rosa Sketchley, Sian Draftwell, "
    "Tara Prototype, Adam Hypothetical, Vera Trialson, Wren Specimen"
)
PERPETRATORS = _pairs(
    "Barry Unreal, Clive Fictitious, Derek Nonesuch, Eddie Pseudonym, Frank Madeupson, Gary Noname, "
    "Harry Fakeley, Ian Notaperson, Jack Nobody, Keith Phantom, Liam Imagined, Mark Hoaxley"
)
ETHNICITIES: tuple[schemas.Ethnicity, ...] = (
    "white_british",
    "asian",
    "black",
    "white_other",
    "mixed",
    "other",
)
AGENCY_USERS = {
    "police": "police.referrer",
    "csc": "csc.referrer",
    "hospital": "hospital.rep",
    "housing": "housing.rep",
    "idva": "idva.rep",
}


@dataclass(frozen=True)
class Scenario:
    day: int  # days after the demo's start (negative: entered on day 0 as an earlier referral)
    agency: str
    victim: int
    perpetrator: int
    yes: int
    heard_after: int | None = None  # earlier referrals: heard this many days after referral
    judgement: str | None = None
    incidents: tuple[int, ...] = ()  # days before the referral
    children: int = 0
    urgent: bool = False
    victim_name: tuple[str, str] | None = None  # a spelling variant, for near matches
    note: str = ""
    extra: dict[str, Any] = field(default_factory=dict)


SCENARIOS = [
    # Earlier referrals from the previous system, so that repeats can be recognised.
    Scenario(-200, "police", 0, 0, 16, heard_after=20),
    Scenario(-120, "csc", 1, 1, 15, heard_after=21, children=2),
    Scenario(-400, "idva", 2, 2, 14, heard_after=18),
    Scenario(-60, "hospital", 3, 3, 18, heard_after=15),
    # Two months of new referrals.
    Scenario(2, "police", 4, 4, 17, urgent=True),
    Scenario(3, "idva", 5, 5, 15),
    Scenario(5, "police", 0, 0, 6, note="repeat"),
    Scenario(6, "csc", 6, 6, 14, children=3),
    Scenario(
        8, "hospital", 7, 7, 10, judgement="Injuries inconsistent with the account given; very frightened"
    ),
    Scenario(10, "housing", 8, 8, 16),
    Scenario(12, "idva", 2, 2, 15, note="more than twelve months after the last referral: new"),
    Scenario(13, "police", 6, 6, 8, note="linked to the waiting referral"),
    Scenario(15, "housing", 9, 9, 9, note="below threshold: returned"),
    Scenario(18, "police", 10, 10, 9, incidents=(300, 120, 20), note="potential escalation"),
    Scenario(20, "csc", 1, 1, 11, children=2, note="repeat"),
    Scenario(22, "hospital", 11, 11, 19),
    Scenario(24, "police", 12, 0, 14),
    Scenario(26, "idva", 13, 1, 7, judgement="Perpetrator released this week; she believes he will kill her"),
    Scenario(28, "csc", 14, 2, 15, children=1),
    Scenario(31, "police", 15, 3, 20),
    Scenario(33, "police", 3, 3, 12, note="repeat"),
    Scenario(35, "housing", 16, 4, 14),
    Scenario(36, "idva", 5, 5, 15, victim_name=("Franne", "Testington"), note="near match: confirmed"),
    Scenario(39, "hospital", 17, 5, 16),
    Scenario(
        41, "csc", 18, 6, 12, children=2, judgement="Children witnessed strangulation; threats to take them"
    ),
    Scenario(44, "police", 19, 7, 14, extra={"gender": "male"}),
    Scenario(47, "idva", 20, 8, 17),
    Scenario(50, "police", 7, 9, 14, victim_name=("Hanna", "Inventova"), note="near match: left pending"),
    Scenario(54, "housing", 21, 10, 15, extra={"disability": True}),
    Scenario(57, "csc", 12, 11, 16, children=2),
]


def _birth_date(index: int, *, base: int = 1972) -> date:
    return date(base + (index * 7) % 26, 1 + (index * 5) % 12, 1 + (index * 11) % 28)


def _answers(rng: random.Random, yes: int) -> dict[str, str | int | float | bool | None]:
    ids = [q.id for q in QUESTIONS]
    chosen = set(rng.sample(ids, yes))
    return {qid: "yes" if qid in chosen else rng.choice(("no", "no", "no", "dont_know")) for qid in ids}


def _body(
    scenario: Scenario, today: date, rng: random.Random, agency_id: uuid.UUID | None
) -> schemas.ReferralCreate:
    forename, surname = scenario.victim_name or VICTIMS[scenario.victim]
    extra = {"gender": "female", **scenario.extra}
    victim = schemas.PersonCreate(
        forename=forename,
        surname=surname,
        birth_date=_birth_date(scenario.victim),
        address=f"{10 + scenario.victim} Imaginary Road, Demo Town",
        gender=extra["gender"],
        ethnicity=ETHNICITIES[scenario.victim % len(ETHNICITIES)],
        disability=extra.get("disability", False),
        lgbt=scenario.victim % 9 == 4,
    )
    p_forename, p_surname = PERPETRATORS[scenario.perpetrator]
    perpetrator = schemas.PersonCreate(
        forename=p_forename,
        surname=p_surname,
        birth_date=_birth_date(scenario.perpetrator, base=1968),
        gender="male",
    )
    children = [
        schemas.PersonCreate(forename=f"Child{n + 1}", surname=surname, birth_date=date(2012 + 3 * n, 6, 1))
        for n in range(scenario.children)
    ]
    referred_on = today + timedelta(days=min(scenario.day, 0))
    return schemas.ReferralCreate(
        victim=victim,
        perpetrators=[perpetrator],
        children=children,
        police_incidents=[
            schemas.PoliceIncidentCreate(occurred_on=referred_on - timedelta(days=d), reference=f"DEMO-{d}")
            for d in scenario.incidents
        ],
        instrument_id="dash",
        answers=_answers(rng, scenario.yes),
        professional_judgement=scenario.judgement is not None,
        judgement_reasons=scenario.judgement,
        victim_aware=True,
        consent=scenario.victim % 4 != 0,
        safe_contact="Mobile only, weekday mornings" if scenario.victim % 2 else None,
        police_reference=f"DEMO/{scenario.victim:03d}" if scenario.agency == "police" else None,
        urgent=scenario.urgent,
        referred_on=referred_on,
        referring_agency_id=agency_id,
    )


async def play(ctx: DemoContext) -> None:
    """Submit and decide the demo referrals; hand their ids on in ``ctx.shared["referrals"]``."""
    rng = random.Random(20261123)
    protector = ctx.runtime.protector
    coordinator = actor_for(ctx.users["coordinator"])
    referrers = {key: actor_for(ctx.users[local]) for key, local in AGENCY_USERS.items()}
    start = ctx.clock.now()
    created: list[uuid.UUID] = []
    to_confirm: set[uuid.UUID] = set()
    by_agency: Counter[str] = Counter()
    last_review = 0

    for scenario in SCENARIOS:
        if scenario.day > 0:
            ctx.clock.set(start + timedelta(days=scenario.day, hours=rng.randint(1, 7)))
        today = intake.local_today(ctx.clock, ctx.area.timezone)
        referrer = referrers[scenario.agency]
        actor, agency_id = referrer, None
        if scenario.heard_after is not None:  # entered by the coordinator from the previous system
            actor, agency_id = coordinator, referrer.agency_id
        async with ctx.runtime.transaction() as session:
            referral = await intake.submit_referral(
                session, ctx.clock, actor, protector, ctx.area.id, _body(scenario, today, rng, agency_id)
            )
            if scenario.heard_after is not None:
                await referrals.accept_referral(
                    session, ctx.clock, coordinator, referral.id, referral.version
                )
                heard_on = referral.referred_on + timedelta(days=scenario.heard_after)
                await referrals.record_hearing(
                    session, ctx.clock, coordinator, referral.id, referral.version, heard_on
                )
        created.append(referral.id)
        if scenario.note == "near match: confirmed":
            to_confirm.add(referral.id)
        by_agency[scenario.agency] += 1
        if scenario.day - last_review >= 7:
            await _review(ctx, coordinator, protector, to_confirm)
            last_review = scenario.day

    ctx.clock.set(start + timedelta(days=60))
    await _review(ctx, coordinator, protector, to_confirm)
    await _exclude_a_relative(ctx, coordinator, created)
    ctx.shared["referrals"] = created
    await _summarise(ctx, coordinator, created, by_agency)


async def _review(
    ctx: DemoContext, coordinator: Actor, protector: Protector, to_confirm: set[uuid.UUID]
) -> None:
    """The coordinator's weekly pass: near matches, then accept the eligible and return the rest.

    Linked referrals join the waiting referral of their case, so they are accepted with it.
    """
    async with ctx.runtime.transaction() as session:
        for suggestion in await suggestions.list_suggestions(session, ctx.clock, coordinator, ctx.area.id):
            if suggestion.referral_id in to_confirm:
                await suggestions.confirm_match(session, ctx.clock, coordinator, protector, suggestion.id)
        waiting = await referrals.list_referrals(
            session, ctx.clock, coordinator, ctx.area.id, status=ReferralStatus.SUBMITTED, include_linked=True
        )
        for item in waiting:
            if item.eligible or item.linked_to_id is not None:
                await referrals.accept_referral(session, ctx.clock, coordinator, item.id, item.version)
            else:
                reason = (
                    "Below the threshold and no other criterion applies; resubmit with reasons if high risk"
                )
                await referrals.return_referral(
                    session, ctx.clock, coordinator, item.id, item.version, reason
                )


async def _exclude_a_relative(ctx: DemoContext, coordinator: Actor, created: list[uuid.UUID]) -> None:
    """A housing officer turns out to be related to a party of a case: nothing about it may reach them."""
    async with ctx.runtime.transaction() as session:
        referral = await referrals.get_referral(
            session,
            ctx.clock,
            coordinator,
            ctx.runtime.protector,
            created[6],
        )
        await services.exclude_user(
            session,
            ctx.clock,
            coordinator,
            referral.case_id,
            schemas.ExcludedRecipientCreate(
                user_id=ctx.users["housing.rep"].id, reason="relative of a party"
            ),
        )
    ctx.shared["excluded"] = [(referral.case_id, ctx.users["housing.rep"].id)]


async def _summarise(
    ctx: DemoContext, coordinator: Actor, created: list[uuid.UUID], by_agency: Counter[str]
) -> None:
    async with ctx.runtime.transaction() as session:
        rows = await referrals.list_referrals(
            session, ctx.clock, coordinator, ctx.area.id, include_linked=True
        )
        pending = await suggestions.list_suggestions(
            session, ctx.clock, coordinator, ctx.area.id, MatchStatus.PENDING
        )
    status = Counter(row.status.value for row in rows)
    repeats = sum(row.is_repeat for row in rows)
    judgement = sum("professional_judgement" in row.criteria for row in rows)
    linked = sum(row.linked_to_id is not None for row in rows)
    ctx.notes.append(
        f"cases: {len(created)} referrals from {len(by_agency)} agencies over two months — "
        f"{status['accepted']} accepted ({repeats} repeats, {judgement} on professional judgement, "
        f"{linked} linked), {status['returned']} returned below threshold, "
        f"{len(pending)} near match waiting for the coordinator"
    )
