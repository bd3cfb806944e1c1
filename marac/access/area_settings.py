"""Per-area settings: the defaults of DESIGN §2, each overridable by an area's administrator."""

from __future__ import annotations

from typing import Annotated, Any, Literal

import msgspec

PositiveDays = Annotated[int, msgspec.Meta(ge=0, le=60)]

DEFAULT_CONFIDENTIALITY_STATEMENT = (
    "Information shared at this conference is confidential. It is shared only to protect people at risk of "
    "serious harm, may be used only for that purpose, and must not be passed on without the agreement of the "
    "agency that provided it."
)


class AreaSettings(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """Everything an area may tune; unknown keys are refused so a typo never silently does nothing."""

    # Referral criteria
    dash_high_threshold: Annotated[int, msgspec.Meta(ge=1, le=24)] = 14
    dash_medium_threshold: Annotated[int, msgspec.Meta(ge=0, le=24)] = 10
    escalation_incidents: Annotated[int, msgspec.Meta(ge=1, le=50)] = 3
    escalation_window_months: Annotated[int, msgspec.Meta(ge=1, le=36)] = 12
    repeat_window_months: Annotated[int, msgspec.Meta(ge=1, le=36)] = 12
    # Conferences
    referral_cutoff_working_days: PositiveDays = 8
    publication_working_days: PositiveDays = 8
    pack_working_days: PositiveDays = 2
    minutes_per_case: Annotated[int, msgspec.Meta(ge=5, le=60)] = 12
    holiday_policy: Literal["move", "flag"] = "move"
    pack_scope: Literal["all", "relevant"] = "all"
    invitation_window_days: Annotated[int, msgspec.Meta(ge=1, le=365)] = 60
    meeting_reminder: bool = True
    # Actions
    reminder_days_before: list[Annotated[int, msgspec.Meta(ge=1, le=60)]] = msgspec.field(
        default_factory=lambda: [7, 1]
    )
    escalation_days_overdue: Annotated[int, msgspec.Meta(ge=1, le=365)] = 14
    status_request_working_days: PositiveDays = 5
    # Local hour at which action reminders, daily digests and status requests go out.
    action_reminder_hour: Annotated[int, msgspec.Meta(ge=0, le=23)] = 8
    overdue_reminder_interval_days: Annotated[int, msgspec.Meta(ge=1, le=60)] = 7
    # Documents and messages
    protective_marking: Annotated[str, msgspec.Meta(min_length=1, max_length=60)] = "OFFICIAL-SENSITIVE"
    confidentiality_statement: Annotated[str, msgspec.Meta(min_length=1, max_length=4000)] = (
        DEFAULT_CONFIDENTIALITY_STATEMENT
    )
    coordinator_mailbox: Annotated[str, msgspec.Meta(max_length=254)] | None = None
    template_dir: Annotated[str, msgspec.Meta(max_length=500)] | None = None
    # Data return: adult (16+) female population, for cases per 10,000
    female_population_16_plus: Annotated[int, msgspec.Meta(ge=0)] | None = None


def load_area_settings(raw: dict[str, Any] | None) -> AreaSettings:
    """Stored JSON → settings, defaults filling anything not set."""
    return msgspec.convert(raw or {}, AreaSettings)


def dump_area_settings(value: AreaSettings) -> dict[str, Any]:
    result: dict[str, Any] = msgspec.to_builtins(value)
    return result
