"""JSON API for instruments, referrals, cases, match suggestions and must-not-receive lists.

Thin: parse → one service call → schema out.  No identifying data travels in URLs or query strings.
"""

from __future__ import annotations

import uuid

from litestar import Controller, delete, get, post
from litestar.params import Parameter
from litestar.status_codes import HTTP_200_OK
from sqlalchemy.ext.asyncio import AsyncSession

from marac.access.guards import Actor
from marac.cases import intake, referrals, schemas, services, suggestions, views
from marac.cases.instruments import get_instrument
from marac.cases.models import ExcludedRecipient, MatchStatus, ReferralStatus
from marac.clock import Clock
from marac.runtime import Runtime


def _excluded_out(entry: ExcludedRecipient) -> schemas.ExcludedRecipient:
    return schemas.ExcludedRecipient(
        case_id=entry.case_id,
        user_id=entry.user_id,
        reason=entry.reason,
        added_by=entry.added_by,
        added_at=entry.added_at,
    )


class InstrumentController(Controller):
    path = "/instruments"
    tags = ["instruments"]

    @get("/", operation_id="listInstruments")
    async def list_instruments(self) -> list[schemas.Instrument]:
        """Every risk instrument with its questions, answer types and bands, for building forms."""
        return views.instruments()

    @get("/{instrument_id:str}", operation_id="getInstrument")
    async def get_instrument(
        self, instrument_id: str, version: str | None = Parameter(default=None, max_length=20)
    ) -> schemas.Instrument:
        """One instrument (its latest version unless ``version`` is given)."""
        return views.instrument(get_instrument(instrument_id, version))


class ReferralController(Controller):
    path = "/"
    tags = ["referrals"]

    @post("/areas/{area_id:uuid}/referrals", operation_id="submitReferral")
    async def submit(
        self,
        db: AsyncSession,
        clock: Clock,
        actor: Actor,
        runtime: Runtime,
        area_id: uuid.UUID,
        data: schemas.ReferralCreate,
    ) -> schemas.Referral:
        """Refer a case; eligibility is decided on submission and explained in ``reasons``."""
        protector = runtime.protector
        referral = await intake.submit_referral(db, clock, actor, protector, area_id, data)
        return await referrals.referral_view(db, actor, protector, referral)

    @get("/areas/{area_id:uuid}/referrals", operation_id="listReferrals")
    async def list_referrals(
        self,
        db: AsyncSession,
        clock: Clock,
        actor: Actor,
        area_id: uuid.UUID,
        status: ReferralStatus | None = None,
        include_linked: bool = False,
    ) -> list[schemas.ReferralSummary]:
        """Referrals the caller may see: all of the area for coordinators and chairs, else their agency's."""
        return await referrals.list_referrals(
            db, clock, actor, area_id, status=status, include_linked=include_linked
        )

    @get("/referrals/{referral_id:uuid}", operation_id="getReferral")
    async def get_referral(
        self, db: AsyncSession, clock: Clock, actor: Actor, runtime: Runtime, referral_id: uuid.UUID
    ) -> schemas.Referral:
        return await referrals.get_referral(db, clock, actor, runtime.protector, referral_id)

    @post("/referrals/{referral_id:uuid}/accept", operation_id="acceptReferral", status_code=HTTP_200_OK)
    async def accept(
        self,
        db: AsyncSession,
        clock: Clock,
        actor: Actor,
        runtime: Runtime,
        referral_id: uuid.UUID,
        data: schemas.ReferralDecision,
    ) -> schemas.Referral:
        referral = await referrals.accept_referral(db, clock, actor, referral_id, data.version)
        return await referrals.referral_view(db, actor, runtime.protector, referral)

    @post("/referrals/{referral_id:uuid}/return", operation_id="returnReferral", status_code=HTTP_200_OK)
    async def return_(
        self,
        db: AsyncSession,
        clock: Clock,
        actor: Actor,
        runtime: Runtime,
        referral_id: uuid.UUID,
        data: schemas.ReferralReturn,
    ) -> schemas.Referral:
        referral = await referrals.return_referral(db, clock, actor, referral_id, data.version, data.reason)
        return await referrals.referral_view(db, actor, runtime.protector, referral)

    @post("/referrals/{referral_id:uuid}/withdraw", operation_id="withdrawReferral", status_code=HTTP_200_OK)
    async def withdraw(
        self,
        db: AsyncSession,
        clock: Clock,
        actor: Actor,
        runtime: Runtime,
        referral_id: uuid.UUID,
        data: schemas.ReferralWithdraw,
    ) -> schemas.Referral:
        referral = await referrals.withdraw_referral(db, clock, actor, referral_id, data.version, data.reason)
        return await referrals.referral_view(db, actor, runtime.protector, referral)

    @post("/referrals/{referral_id:uuid}/heard", operation_id="recordHearing", status_code=HTTP_200_OK)
    async def heard(
        self,
        db: AsyncSession,
        clock: Clock,
        actor: Actor,
        runtime: Runtime,
        referral_id: uuid.UUID,
        data: schemas.ReferralHeard,
    ) -> schemas.Referral:
        """Record that the case was heard (conferences do this; also for entering earlier hearings)."""
        referral = await referrals.record_hearing(db, clock, actor, referral_id, data.version, data.heard_on)
        return await referrals.referral_view(db, actor, runtime.protector, referral)


class CaseController(Controller):
    path = "/"
    tags = ["cases"]

    @get("/areas/{area_id:uuid}/cases", operation_id="listCases")
    async def list_cases(
        self, db: AsyncSession, clock: Clock, actor: Actor, area_id: uuid.UUID
    ) -> list[schemas.CaseSummary]:
        return await services.list_cases(db, clock, actor, area_id)

    @get("/cases/{case_id:uuid}", operation_id="getCase")
    async def get_case(
        self, db: AsyncSession, clock: Clock, actor: Actor, runtime: Runtime, case_id: uuid.UUID
    ) -> schemas.Case:
        """The case with names, birth dates and addresses, for those with a need to know (audited)."""
        return await services.get_case(db, clock, actor, runtime.protector, case_id)

    @get("/cases/{case_id:uuid}/excluded-recipients", operation_id="listExcludedRecipients")
    async def list_excluded(
        self, db: AsyncSession, clock: Clock, actor: Actor, case_id: uuid.UUID
    ) -> list[schemas.ExcludedRecipient]:
        return [_excluded_out(e) for e in await services.list_excluded(db, clock, actor, case_id)]

    @post("/cases/{case_id:uuid}/excluded-recipients", operation_id="addExcludedRecipient")
    async def add_excluded(
        self,
        db: AsyncSession,
        clock: Clock,
        actor: Actor,
        case_id: uuid.UUID,
        data: schemas.ExcludedRecipientCreate,
    ) -> schemas.ExcludedRecipient:
        """Name a user who must not receive anything about this case."""
        return _excluded_out(await services.exclude_user(db, clock, actor, case_id, data))

    @delete(
        "/cases/{case_id:uuid}/excluded-recipients/{user_id:uuid}", operation_id="removeExcludedRecipient"
    )
    async def remove_excluded(
        self, db: AsyncSession, clock: Clock, actor: Actor, case_id: uuid.UUID, user_id: uuid.UUID
    ) -> None:
        await services.include_user(db, clock, actor, case_id, user_id)


class MatchSuggestionController(Controller):
    path = "/"
    tags = ["match suggestions"]

    @get("/areas/{area_id:uuid}/match-suggestions", operation_id="listMatchSuggestions")
    async def list_suggestions(
        self,
        db: AsyncSession,
        clock: Clock,
        actor: Actor,
        area_id: uuid.UUID,
        status: MatchStatus | None = MatchStatus.PENDING,
    ) -> list[schemas.MatchSuggestion]:
        return await suggestions.list_suggestions(db, clock, actor, area_id, status)

    @post(
        "/match-suggestions/{suggestion_id:uuid}/confirm",
        operation_id="confirmMatch",
        status_code=HTTP_200_OK,
    )
    async def confirm(
        self, db: AsyncSession, clock: Clock, actor: Actor, runtime: Runtime, suggestion_id: uuid.UUID
    ) -> schemas.MatchSuggestion:
        """Same person: the referral's case is merged into the suggested case and assessed again."""
        await suggestions.confirm_match(db, clock, actor, runtime.protector, suggestion_id)
        return await suggestions.suggestion_view(db, suggestion_id)

    @post(
        "/match-suggestions/{suggestion_id:uuid}/reject", operation_id="rejectMatch", status_code=HTTP_200_OK
    )
    async def reject(
        self, db: AsyncSession, clock: Clock, actor: Actor, suggestion_id: uuid.UUID
    ) -> schemas.MatchSuggestion:
        await suggestions.reject_match(db, clock, actor, suggestion_id)
        return await suggestions.suggestion_view(db, suggestion_id)


ROUTE_HANDLERS = [InstrumentController, ReferralController, CaseController, MatchSuggestionController]
