"""Risk instruments as plug-ins.

Each instrument is a module holding its questions and a scoring function; this package keeps a registry
keyed by instrument id and version, because every stored assessment names both and must stay readable
after a newer version is added.

    result = get_instrument("dash").score({"q1": "yes", ...})
"""

from __future__ import annotations

from marac.cases.instruments.base import (
    ABSENT,
    DONT_KNOW,
    NO,
    POSSIBLY,
    PRESENT,
    YES,
    AnswerType,
    AssessmentResult,
    AssessorRating,
    Band,
    Instrument,
    InstrumentDescription,
    Question,
)
from marac.cases.instruments.bsafer import BSaferJudgement
from marac.cases.instruments.danger import DangerAssessment
from marac.cases.instruments.dash import DashChecklist
from marac.cases.instruments.freda import FredaAssessment
from marac.cases.instruments.lethality import LethalityScreen
from marac.errors import Conflict, NotFound

__all__ = [
    "ABSENT",
    "DONT_KNOW",
    "NO",
    "POSSIBLY",
    "PRESENT",
    "YES",
    "AnswerType",
    "AssessmentResult",
    "AssessorRating",
    "BSaferJudgement",
    "Band",
    "DangerAssessment",
    "DashChecklist",
    "FredaAssessment",
    "Instrument",
    "InstrumentDescription",
    "LethalityScreen",
    "Question",
    "get_instrument",
    "list_instruments",
    "register",
]

_REGISTRY: dict[tuple[str, str], Instrument] = {}


def _version_key(version: str) -> tuple[tuple[int, int | str], ...]:
    """Order "2" after "1" and "10" after "9"; non-numeric parts compare as text after numbers."""
    return tuple((0, int(part)) if part.isdigit() else (1, part) for part in version.split("."))


def register(instrument: Instrument, *, replace: bool = False) -> Instrument:
    """Make an instrument available by id and version.

    Registering the same id and version twice is a :class:`~marac.errors.Conflict` unless ``replace``
    is true (used, for example, when an administrator loads licensed weights or wording).
    """
    key = (instrument.id, instrument.version)
    if key in _REGISTRY and not replace:
        raise Conflict(f"instrument {instrument.id} {instrument.version} is already registered")
    _REGISTRY[key] = instrument
    return instrument


def get_instrument(instrument_id: str, version: str | None = None) -> Instrument:
    """The instrument with this id, at ``version`` or, when ``None``, its latest registered version."""
    if version is not None:
        try:
            return _REGISTRY[(instrument_id, version)]
        except KeyError:
            raise NotFound("instrument", f"{instrument_id} {version}") from None
    versions = [inst for (iid, _), inst in _REGISTRY.items() if iid == instrument_id]
    if not versions:
        raise NotFound("instrument", instrument_id)
    return max(versions, key=lambda inst: _version_key(inst.version))


def list_instruments() -> list[Instrument]:
    """Every registered instrument and version, ordered by id then version."""
    return sorted(_REGISTRY.values(), key=lambda inst: (inst.id, _version_key(inst.version)))


for _builtin in (
    DashChecklist(),
    LethalityScreen(),
    BSaferJudgement(),
    FredaAssessment(),
    DangerAssessment(),
):
    register(_builtin)
