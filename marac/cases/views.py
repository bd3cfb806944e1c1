"""Turning stored referrals and suggestions into the API's shapes (decrypting only what is asked for)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from marac.cases import schemas
from marac.cases.instruments import AssessmentResult, list_instruments
from marac.cases.instruments import Instrument as InstrumentPlugin
from marac.cases.models import MatchSuggestion, Referral
from marac.cases.people import Protector


def instrument(plugin: InstrumentPlugin) -> schemas.Instrument:
    """An instrument's questions, bands and rules, for building a form."""
    d = plugin.describe().as_dict()
    return schemas.Instrument(
        id=d["id"],
        version=d["version"],
        title=d["title"],
        questions=[schemas.InstrumentQuestion(**q) for q in d["questions"]],
        bands=[schemas.InstrumentBand(**b) for b in d["bands"]],
        judgement_may_raise=d["judgement_may_raise"],
        assessor_rating=schemas.AssessorRatingRule(**d["assessor_rating"]),
        ready=d["ready"],
        notes=d["notes"],
    )


def instruments() -> list[schemas.Instrument]:
    return [instrument(plugin) for plugin in list_instruments()]


def _summary_fields(referral: Referral, case_reference: str, linked_count: int) -> dict[str, Any]:
    return {
        "id": referral.id,
        "reference": referral.reference,
        "area_id": referral.area_id,
        "case_id": referral.case_id,
        "case_reference": case_reference,
        "status": referral.status,
        "referring_agency_id": referral.referring_agency_id,
        "referred_on": referral.referred_on,
        "submitted_at": referral.submitted_at,
        "eligible": referral.eligible,
        "criteria": list(referral.criteria),
        "is_repeat": referral.is_repeat,
        "urgent": referral.urgent,
        "has_children": referral.has_children,
        "risk_rank": referral.risk_rank,
        "linked_to_id": referral.linked_to_id,
        "linked_count": linked_count,
        "heard_on": referral.heard_on,
        "version": referral.version,
    }


def referral_summary(
    referral: Referral, case_reference: str, linked_count: int = 0
) -> schemas.ReferralSummary:
    """A list row: references, dates and flags; nothing that identifies anyone."""
    return schemas.ReferralSummary(**_summary_fields(referral, case_reference, linked_count))


def suggestion(
    row: MatchSuggestion, referral: Referral, case_reference: str, candidate_reference: str
) -> schemas.MatchSuggestion:
    return schemas.MatchSuggestion(
        id=row.id,
        referral_id=referral.id,
        referral_reference=referral.reference,
        case_id=referral.case_id,
        case_reference=case_reference,
        candidate_case_id=row.candidate_case_id,
        candidate_case_reference=candidate_reference,
        similarity=row.similarity,
        status=row.status,
        decided_at=row.decided_at,
    )


def referral_detail(
    referral: Referral,
    case_reference: str,
    protector: Protector,
    linked: Sequence[Referral],
    suggestions: Sequence[schemas.MatchSuggestion],
) -> schemas.Referral:
    """The whole referral, decrypted: only for someone allowed to see it, with the read audited."""
    result = AssessmentResult.from_dict(referral.result) if referral.result else None
    assessment = (
        schemas.Assessment(
            instrument_id=result.instrument_id,
            version=result.version,
            score=result.score,
            band=result.band,
            high_risk=result.high_risk,
            explanation=result.explanation,
            raised_by_judgement=result.raised_by_judgement,
        )
        if result
        else None
    )
    return schemas.Referral(
        **_summary_fields(referral, case_reference, len(linked)),
        referrer_id=referral.referrer_id,
        incident_on=referral.incident_on,
        instrument_id=referral.instrument_id,
        instrument_version=referral.instrument_version,
        answers=dict(referral.answers),
        assessor_rating=referral.assessor_rating,
        assessment=assessment,
        professional_judgement=referral.professional_judgement,
        judgement_reasons=protector.open(referral.judgement_reasons_enc, "referral.judgement_reasons"),
        reasons=list(referral.reasons),
        summary="; ".join(referral.reasons),
        last_referral_on=referral.last_referral_on,
        victim_aware=referral.victim_aware,
        consent=referral.consent,
        safe_contact=protector.open(referral.safe_contact_enc, "referral.safe_contact"),
        police_reference=referral.police_reference,
        victim_age=referral.victim_age,
        youngest_perpetrator_age=referral.youngest_perpetrator_age,
        decided_at=referral.decided_at,
        decided_by=referral.decided_by,
        decision_reason=referral.decision_reason,
        linked=[
            schemas.LinkedReferral(id=r.id, reference=r.reference, status=r.status, referred_on=r.referred_on)
            for r in linked
        ],
        match_suggestions=list(suggestions),
    )
