"""Referral intake: validate, score, match the victim to a case, decide eligibility, record it all.

One call, one transaction (the caller's): the referral, any new case and people, police incidents, match
suggestions and the audit entries are written together or not at all.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from datetime import date, datetime
from typing import Any, cast
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from marac import audit
from marac.access.area_settings import AreaSettings, load_area_settings
from marac.access.guards import MANAGERS, Actor, require_role
from marac.access.models import Agency, Area, Role
from marac.cases import schemas
from marac.cases.eligibility import Criterion, Eligibility, EligibilityRules
from marac.cases.instruments import AssessmentResult, DashChecklist, Instrument, get_instrument
from marac.cases.instruments.base import raise_if_problems
from marac.cases.matching import ReferralCheck, check_referral, known_incidents, match_parties
from marac.cases.models import (
    Case,
    CaseParty,
    MatchSuggestion,
    PartyRole,
    Person,
    PoliceIncident,
    Referral,
    ReferralPerpetrator,
)
from marac.cases.people import Protector, age_on, name_problems, new_person, refresh_person, youngest_age
from marac.cases.references import next_case_reference, next_referral_reference
from marac.clock import Clock
from marac.errors import FieldProblem, InvalidInput, NotFound, PermissionDenied

# Stored in place of the judgement excerpt: the referrer's narrative may name people and is kept encrypted.
JUDGEMENT_REASON = "professional judgement (written reasons given)"


def local_today(clock: Clock, timezone: str) -> date:
    """Today's date where the area is: referral dates are calendar dates in the area's timezone."""
    return clock.now().astimezone(ZoneInfo(timezone)).date()


def eligibility_rules(settings: AreaSettings) -> EligibilityRules:
    return EligibilityRules(
        escalation_incidents=settings.escalation_incidents,
        escalation_window_months=settings.escalation_window_months,
        repeat_window_months=settings.repeat_window_months,
    )


def instrument_for_area(instrument_id: str, version: str | None, settings: AreaSettings) -> Instrument:
    """The instrument as this area uses it (a DASH-style checklist with the area's band boundaries)."""
    try:
        instrument = get_instrument(instrument_id, version)
    except NotFound:
        raise InvalidInput.for_field("instrument_id", f"there is no instrument {instrument_id}") from None
    if isinstance(instrument, DashChecklist):
        thresholds = {"high": settings.dash_high_threshold, "medium": settings.dash_medium_threshold}
        instrument = instrument.with_thresholds(thresholds)
    if not instrument.ready:
        raise InvalidInput.for_field("instrument_id", " ".join(instrument.notes()) or "not ready for use")
    return instrument


def assess_answers(
    data: schemas.ReferralCreate, settings: AreaSettings
) -> tuple[Instrument | None, AssessmentResult | None]:
    """Score the answers with the chosen instrument; bad answers raise naming ``answers.<question>``."""
    if data.instrument_id is None:
        if data.answers or data.assessor_rating:
            raise InvalidInput.for_field("instrument_id", "say which instrument the answers belong to")
        return None, None
    instrument = instrument_for_area(data.instrument_id, data.instrument_version, settings)
    # Values that are not text are reported by the instrument against their question.
    answers = cast(Mapping[str, str], data.answers)
    return instrument, instrument.score(answers, data.assessor_rating)


def input_problems(data: schemas.ReferralCreate, referred_on: date, today: date) -> list[FieldProblem]:
    """Everything wrong with the referral that needs no database, named by field."""
    problems = name_problems(data.victim, "victim")
    for group in ("perpetrators", "children"):
        for n, person in enumerate(getattr(data, group)):
            problems += name_problems(person, f"{group}.{n}")
    if referred_on > today:
        problems.append(FieldProblem("referred_on", "cannot be in the future"))
    if data.incident_on is not None and data.incident_on > today:
        problems.append(FieldProblem("incident_on", "cannot be in the future"))
    problems += [
        FieldProblem(f"police_incidents.{n}.occurred_on", "cannot be in the future")
        for n, incident in enumerate(data.police_incidents)
        if incident.occurred_on > today
    ]
    people = [("victim", data.victim)]
    people += [(f"perpetrators.{n}", p) for n, p in enumerate(data.perpetrators)]
    people += [(f"children.{n}", p) for n, p in enumerate(data.children)]
    problems += [
        FieldProblem(f"{where}.birth_date", "cannot be after the referral date")
        for where, person in people
        if person.birth_date is not None and person.birth_date > referred_on
    ]
    if data.professional_judgement and not (data.judgement_reasons or "").strip():
        problems.append(
            FieldProblem("judgement_reasons", "professional judgement needs the referrer's written reasons")
        )
    return problems


def risk_rank(instrument: Instrument | None, result: AssessmentResult | None, judgement: bool) -> int:
    """Orders cases within an agenda section: level (high 2, middle bands 1, lowest 0) then score."""
    level, score = 0, 0
    if result is not None and instrument is not None:
        names = [band.name for band in instrument.bands]
        position = names.index(result.band) if result.band in names else 0
        level = 2 if result.high_risk else (1 if position > 0 else 0)
        score = result.score or 0
    if judgement:
        level = 2
    return level * 100 + min(max(score, 0), 99)


def stored_reasons(eligibility: Eligibility, result: AssessmentResult | None) -> list[str]:
    """The reasons as kept with the referral: readable, and never holding the referrer's narrative."""
    if not eligibility.eligible:
        detail = f": {result.explanation} ({result.band})" if result is not None else ""
        return [f"no referral criterion is met{detail}"]
    reasons = []
    for criterion, reason in zip(eligibility.criteria, eligibility.reasons, strict=True):
        reasons.append(JUDGEMENT_REASON if criterion is Criterion.PROFESSIONAL_JUDGEMENT else reason)
    return reasons


async def referring_agency(
    session: AsyncSession, actor: Actor, area_id: uuid.UUID, requested: uuid.UUID | None
) -> uuid.UUID:
    """The agency the referral comes from: the referrer's own; a coordinator may name another."""
    agency_id = requested or actor.agency_id
    if agency_id is None:
        raise InvalidInput.for_field("referring_agency_id", "say which agency of the area is referring")
    if agency_id != actor.agency_id and not actor.has_role(area_id, *MANAGERS):
        raise PermissionDenied("A referrer refers for their own agency only")
    agency = await session.get(Agency, agency_id)
    if agency is None or agency.area_id != area_id or not agency.active:
        if agency_id == actor.agency_id and requested is None:
            raise PermissionDenied("Your agency is not an active agency of this area")
        raise InvalidInput.for_field("referring_agency_id", "no such active agency in this area")
    return agency_id


async def submit_referral(
    session: AsyncSession,
    clock: Clock,
    actor: Actor,
    protector: Protector,
    area_id: uuid.UUID,
    data: schemas.ReferralCreate,
) -> Referral:
    """Record a referral from any agency of the area, with its eligibility and the case it belongs to.

    Below-threshold referrals are recorded too (shown as not eligible); professional judgement without
    written reasons, invalid answers and impossible dates are refused naming the field.
    """
    require_role(actor, area_id, Role.REFERRER, *MANAGERS, doing="submit a referral")
    area = await session.get(Area, area_id)
    if area is None:
        raise NotFound("area", area_id)
    agency_id = await referring_agency(session, actor, area_id, data.referring_agency_id)
    settings = load_area_settings(area.settings)
    today = local_today(clock, area.timezone)
    referred_on = data.referred_on or today
    raise_if_problems(input_problems(data, referred_on, today), "the referral cannot be recorded as it is")
    instrument, result = assess_answers(data, settings)

    check = await check_referral(
        session,
        protector,
        area_id,
        victim=data.victim,
        perpetrators=data.perpetrators,
        incidents=[(i.occurred_on, i.reference.strip()) for i in data.police_incidents],
        referred_on=referred_on,
        incident_on=data.incident_on,
        result=result,
        professional_judgement=data.professional_judgement,
        judgement_reasons=data.judgement_reasons,
        rules=eligibility_rules(settings),
    )
    now = clock.now()
    case = await _case_for(session, clock, actor, protector, area, data, check, now)
    perpetrators = await _add_parties(
        session, protector, case, data.perpetrators, PartyRole.PERPETRATOR, now, check.perpetrators
    )
    await _add_parties(session, protector, case, data.children, PartyRole.CHILD, now)
    case.children_in_household = max(
        case.children_in_household, data.children_in_household or 0, len(data.children)
    )
    await _add_incidents(session, case, data.police_incidents, now)

    eligibility = check.eligibility
    referral = Referral(
        area_id=area_id,
        case_id=case.id,
        reference=await next_referral_reference(session, area_id, today),
        referring_agency_id=agency_id,
        referrer_id=actor.user_id,
        referred_on=referred_on,
        incident_on=data.incident_on,
        submitted_at=now,
        instrument_id=instrument.id if instrument else None,
        instrument_version=instrument.version if instrument else None,
        answers=dict(data.answers) if instrument else {},
        assessor_rating=data.assessor_rating or None,
        result=result.as_dict() if result else None,
        risk_rank=risk_rank(instrument, result, data.professional_judgement),
        professional_judgement=data.professional_judgement,
        judgement_reasons_enc=protector.seal(data.judgement_reasons, "referral.judgement_reasons"),
        eligible=eligibility.eligible,
        criteria=[c.value for c in eligibility.criteria],
        reasons=stored_reasons(eligibility, result),
        is_repeat=eligibility.is_repeat,
        last_referral_on=eligibility.last_referral,
        linked_to_id=check.waiting_id,
        victim_aware=data.victim_aware,
        consent=data.consent,
        safe_contact_enc=protector.seal(data.safe_contact, "referral.safe_contact"),
        police_reference=(data.police_reference or "").strip() or None,
        urgent=data.urgent,
        has_children=case.children_in_household > 0,
        victim_age=age_on(data.victim.birth_date, referred_on),
        youngest_perpetrator_age=youngest_age(data.perpetrators, referred_on),
    )
    session.add(referral)
    await session.flush()
    session.add_all(ReferralPerpetrator(referral_id=referral.id, person_id=p.id) for p in perpetrators)
    for match in check.near_matches:
        session.add(
            MatchSuggestion(
                referral_id=referral.id, candidate_case_id=match.case.id, similarity=match.similarity
            )
        )
    await session.flush()
    await _record_submission(session, clock, actor, referral, check)
    return referral


async def _case_for(
    session: AsyncSession,
    clock: Clock,
    actor: Actor,
    protector: Protector,
    area: Area,
    data: schemas.ReferralCreate,
    check: ReferralCheck,
    now: datetime,
) -> Case:
    """The victim's existing case (details refreshed), or a new case with a new victim record."""
    if check.case is not None:
        case = check.case
        victim = await session.get(Person, case.victim_id)
        assert victim is not None  # the foreign key guarantees it
        changed = refresh_person(protector, victim, data.victim)
        if changed:
            await audit.record(
                session,
                actor,
                clock,
                "case.update",
                "case",
                case.id,
                area_id=area.id,
                detail={"victim_fields": changed},
            )
        return case
    victim = new_person(protector, area.id, data.victim, now)
    session.add(victim)
    await session.flush()
    case = Case(
        area_id=area.id,
        reference=await next_case_reference(session, area.id),
        victim_id=victim.id,
        created_at=now,
    )
    session.add(case)
    await session.flush()
    await audit.record(session, actor, clock, "case.create", "case", case.id, area_id=area.id)
    return case


async def _add_parties(
    session: AsyncSession,
    protector: Protector,
    case: Case,
    people: Sequence[schemas.PersonCreate],
    role: PartyRole,
    now: datetime,
    matched: Sequence[Person | None] | None = None,
) -> list[Person]:
    """The case's records of these people: matched ones refreshed, the others added to the case."""
    if matched is None or len(matched) != len(people):
        matched = await match_parties(session, protector, case.id, people, role)
    records: list[Person] = []
    for data, person in zip(people, matched, strict=True):
        if person is None:
            person = new_person(protector, case.area_id, data, now)
            session.add(person)
            await session.flush()
            session.add(CaseParty(case_id=case.id, person_id=person.id, role=role))
        else:
            refresh_person(protector, person, data)
        if person not in records:
            records.append(person)
    return records


async def _add_incidents(
    session: AsyncSession, case: Case, incidents: Sequence[schemas.PoliceIncidentCreate], now: datetime
) -> None:
    known = await known_incidents(session, case.id)
    for incident in incidents:
        key = (incident.occurred_on, incident.reference.strip())
        if key not in known:
            known.add(key)
            session.add(
                PoliceIncident(case_id=case.id, occurred_on=key[0], reference=key[1], recorded_at=now)
            )


async def _record_submission(
    session: AsyncSession, clock: Clock, actor: Actor, referral: Referral, check: ReferralCheck
) -> None:
    detail: dict[str, Any] = {
        "case_id": referral.case_id,
        "eligible": referral.eligible,
        "criteria": referral.criteria,
        "linked_to_id": referral.linked_to_id,
        "agency_id": referral.referring_agency_id,
    }
    await audit.record(
        session,
        actor,
        clock,
        "referral.submit",
        "referral",
        referral.id,
        area_id=referral.area_id,
        detail=detail,
    )
    for match in check.near_matches:
        await audit.record(
            session,
            actor,
            clock,
            "match.suggest",
            "referral",
            referral.id,
            area_id=referral.area_id,
            detail={"candidate_case_id": match.case.id, "similarity": match.similarity},
        )
