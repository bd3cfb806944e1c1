"""Risk instruments: registry, validation, scoring rules and what a form is told."""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path

import pytest

from marac.cases import instruments
from marac.cases.instruments import (
    AssessmentResult,
    DangerAssessment,
    DashChecklist,
    get_instrument,
    list_instruments,
    register,
)
from marac.errors import Conflict, InvalidInput, NotFound, Unavailable


def yes_no(count: int, yes: Iterable[int], *, other: str = "no", prefix: str = "q") -> dict[str, str]:
    """Answers to questions 1..count, "yes" for the numbers given and ``other`` for the rest."""
    chosen = set(yes)
    return {f"{prefix}{n}": "yes" if n in chosen else other for n in range(1, count + 1)}


def fields(error: pytest.ExceptionInfo[InvalidInput]) -> set[str]:
    return {problem.field for problem in error.value.errors}


@pytest.fixture
def isolated_registry(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(instruments, "_REGISTRY", dict(instruments._REGISTRY))


# --- registry -----------------------------------------------------------------------------------


def test_every_builtin_instrument_is_listed_with_its_version() -> None:
    listed = [(inst.id, inst.version) for inst in list_instruments()]
    assert listed == [("bsafer", "1"), ("danger", "1"), ("dash", "1"), ("freda", "1"), ("lethality", "1")]


def test_unknown_instrument_or_version_is_not_found() -> None:
    with pytest.raises(NotFound, match="instrument nope"):
        get_instrument("nope")
    with pytest.raises(NotFound, match="instrument dash 9"):
        get_instrument("dash", "9")


@pytest.mark.usefixtures("isolated_registry")
def test_latest_version_is_chosen_numerically_and_old_versions_stay_readable() -> None:
    for version in ("2", "10"):
        newer = DashChecklist()
        newer.version = version
        register(newer)
    assert get_instrument("dash").version == "10"
    assert get_instrument("dash", "1").version == "1"


@pytest.mark.usefixtures("isolated_registry")
def test_registering_the_same_version_twice_needs_replace() -> None:
    weighted = get_instrument("danger")
    with pytest.raises(Conflict):
        register(weighted)
    assert register(weighted, replace=True) is get_instrument("danger", "1")


# --- validation ---------------------------------------------------------------------------------


def test_validation_names_every_bad_question_at_once() -> None:
    answers = yes_no(24, [1])
    del answers["q3"]
    answers["q5"] = "maybe"
    answers["q99"] = "yes"
    with pytest.raises(InvalidInput) as error:
        get_instrument("dash").validate_answers(answers)
    assert fields(error) == {"answers.q3", "answers.q5", "answers.q99"}
    messages = {p.field: p.message for p in error.value.errors}
    assert messages["answers.q3"] == "an answer is required"
    assert "'maybe' is not one of yes, no, dont_know" in messages["answers.q5"]


def test_score_reports_answer_and_rating_problems_together() -> None:
    answers = yes_no(11, [])
    answers["q2"] = "dont_know"  # the lethality screen is yes/no only
    with pytest.raises(InvalidInput) as error:
        get_instrument("lethality").score(answers, "extreme")
    assert fields(error) == {"answers.q2", "assessor_rating"}


# --- DASH ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("yes", "band", "high_risk"),
    [(0, "standard", False), (9, "standard", False), (10, "medium", False), (13, "medium", False),
     (14, "high", True), (24, "high", True)],
)  # fmt: skip
def test_dash_bands_by_count_of_yes(yes: int, band: str, high_risk: bool) -> None:
    result = get_instrument("dash").score(yes_no(24, range(1, yes + 1)))
    assert (result.score, result.band, result.high_risk) == (yes, band, high_risk)
    assert result.explanation == f"{yes} of 24 yes"


def test_dash_dont_know_is_not_yes_but_is_mentioned() -> None:
    answers = yes_no(24, range(1, 14), other="dont_know")
    result = get_instrument("dash").score(answers)
    assert (result.score, result.band) == (13, "medium")
    assert result.explanation == "13 of 24 yes (11 don't know)"


def test_dash_area_thresholds_move_the_bands() -> None:
    dash = get_instrument("dash")
    assert isinstance(dash, DashChecklist)
    local = dash.with_thresholds({"high": 12, "medium": 8})
    assert local.score(yes_no(24, range(1, 13))).band == "high"
    assert local.score(yes_no(24, range(1, 9))).band == "medium"
    assert dash.score(yes_no(24, range(1, 13))).band == "medium"  # the shared instance is unchanged
    assert [(b.name, b.min_score, b.max_score) for b in local.describe().bands] == [
        ("standard", 0, 7),
        ("medium", 8, 11),
        ("high", 12, 24),
    ]


@pytest.mark.parametrize(
    ("thresholds", "bad"),
    [
        ({"high": 30}, {"thresholds.high"}),
        ({"high": 8, "medium": 10}, {"thresholds.medium"}),
        ({"high": "14"}, {"thresholds.high"}),
        ({"low": 3}, {"thresholds.low"}),
    ],
)
def test_dash_unusable_thresholds_are_refused(thresholds: dict[str, object], bad: set[str]) -> None:
    dash = DashChecklist()
    with pytest.raises(InvalidInput) as error:
        dash.with_thresholds(thresholds)  # type: ignore[arg-type]
    assert fields(error) == bad


def test_dash_judgement_raises_the_band() -> None:
    result = get_instrument("dash").score(yes_no(24, range(1, 10)), "high")
    assert (result.band, result.high_risk, result.raised_by_judgement) == ("high", True, True)
    assert result.explanation == "9 of 24 yes; raised from standard to high by the assessor's judgement"


def test_dash_judgement_never_lowers_the_band() -> None:
    result = get_instrument("dash").score(yes_no(24, range(1, 15)), "standard")
    assert (result.band, result.high_risk, result.raised_by_judgement) == ("high", True, False)
    assert "does not lower" in result.explanation


# --- lethality screen ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("yes", "rating", "band", "explanation"),
    [
        ([2], None, "high", "1 of 11 yes; item 2 yes — high"),
        ([1, 3], None, "high", "2 of 11 yes; items 1, 3 yes — high"),
        ([4, 5, 6, 11], None, "high", "4 of 11 yes; 4 of items 4-11 yes — high"),
        ([4, 5, 6], None, "standard", "3 of 11 yes; not high"),
        ([4, 5, 6], "high", "high", "3 of 11 yes; high by the assessor's judgement"),
        ([], "standard", "standard", "0 of 11 yes; not high"),
    ],
)
def test_lethality_screen(yes: list[int], rating: str | None, band: str, explanation: str) -> None:
    result = get_instrument("lethality").score(yes_no(11, yes), rating)
    assert (result.band, result.high_risk, result.explanation) == (band, band == "high", explanation)


# --- structured judgement: B-SAFER and FREDA -----------------------------------------------------


def bsafer_answers(present: int = 0) -> dict[str, str]:
    answers = {f"f{n}_{period}": "absent" for n in range(1, 16) for period in ("now", "past")}
    answers.update({f"f{n}_now": "present" for n in range(1, present + 1)})
    return answers


def test_bsafer_has_now_and_past_for_ten_factors_and_five_victim_factors() -> None:
    bsafer = get_instrument("bsafer")
    assert len(bsafer.questions) == 30
    groups = [q.group for q in bsafer.questions if q.id.endswith("_now")]
    assert groups.count("assault history") == 5
    assert groups.count("psychosocial adjustment") == 5
    assert groups.count("victim vulnerability") == 5
    assert bsafer.question("f3_past").allowed == ("present", "possibly", "absent")


@pytest.mark.parametrize("rating", ["low", "moderate", "high"])
def test_bsafer_result_is_the_assessors_rating_never_computed(rating: str) -> None:
    result = get_instrument("bsafer").score(bsafer_answers(present=12), rating)
    assert (result.score, result.band, result.high_risk) == (None, rating, rating == "high")
    assert result.explanation == f"assessor's judgement: {rating} (12 of 15 factors present now, 0 possibly)"


def test_bsafer_requires_the_rating_and_ratings_not_yes_no() -> None:
    answers = bsafer_answers()
    answers["f2_past"] = "yes"
    with pytest.raises(InvalidInput) as error:
        get_instrument("bsafer").score(answers, None)
    assert fields(error) == {"answers.f2_past", "assessor_rating"}


def test_freda_result_is_the_rating_with_the_count_kept() -> None:
    freda = get_instrument("freda")
    result = freda.score(yes_no(15, [1, 2, 3]), "high")
    assert (result.score, result.band, result.high_risk) == (3, "high", True)
    assert result.explanation == "3 of 15 yes; assessor's judgement: high"
    with pytest.raises(InvalidInput) as error:
        freda.score(yes_no(15, []), "")
    assert fields(error) == {"assessor_rating"}


# --- danger assessment --------------------------------------------------------------------------


def test_danger_cannot_be_scored_until_weights_are_loaded() -> None:
    danger = get_instrument("danger")
    with pytest.raises(Unavailable, match="weights are licensed"):
        danger.score(yes_no(20, []))
    described = danger.describe()
    assert described.ready is False
    assert "administrator must load them" in described.notes[0]


@pytest.fixture
def weights_file(tmp_path: Path) -> Path:
    # Made-up weights for testing only: item 1 weighs 8, every other item 1.
    path = tmp_path / "danger-weights.json"
    path.write_text(json.dumps({f"q{n}": 8 if n == 1 else 1 for n in range(1, 21)}))
    return path


@pytest.mark.parametrize(
    ("yes", "score", "band", "high_risk"),
    [
        ([2, 3, 4, 5, 6, 7, 8], 7, "variable", False),
        ([1], 8, "increased", False),
        ([1, *range(2, 7)], 13, "increased", False),
        ([1, *range(2, 8)], 14, "severe", True),
        ([1, *range(2, 11)], 17, "severe", True),
        ([1, *range(2, 12)], 18, "extreme", True),
    ],
)
def test_danger_bands_from_weighted_score(
    weights_file: Path, yes: list[int], score: int, band: str, high_risk: bool
) -> None:
    danger = get_instrument("danger")
    assert isinstance(danger, DangerAssessment)
    result = danger.load_weights(weights_file).score(yes_no(20, yes))
    assert (result.score, result.band, result.high_risk) == (score, band, high_risk)
    assert result.explanation == f"weighted score {score} ({len(yes)} of 20 yes) — {band} danger"
    assert danger.ready is False  # loading returned a copy; the shipped instrument stays unweighted


def test_danger_weights_are_checked_entry_by_entry() -> None:
    weights: dict[str, object] = {f"q{n}": 1 for n in range(1, 21)}
    del weights["q4"]
    weights["q7"] = -1
    weights["q8"] = 1.5
    weights["q21"] = 2
    with pytest.raises(InvalidInput) as error:
        DangerAssessment().load_weights(weights)
    assert fields(error) == {"weights.q4", "weights.q7", "weights.q8", "weights.q21"}


def test_danger_weights_file_that_cannot_be_read_is_refused(tmp_path: Path) -> None:
    broken = tmp_path / "weights.json"
    broken.write_text("{not json")
    with pytest.raises(InvalidInput) as error:
        DangerAssessment().load_weights(broken)
    assert fields(error) == {"weights"}


# --- licensed wording, describe, stored results -------------------------------------------------


def test_area_wording_replaces_labels_in_a_copy(tmp_path: Path) -> None:
    path = tmp_path / "wording.json"
    path.write_text(json.dumps({"q1": "Full licensed wording of question one"}), encoding="utf-8")
    dash = get_instrument("dash")
    worded = dash.with_labels(path)
    assert worded.question("q1").label == "Full licensed wording of question one"
    assert worded.question("q2").label == dash.question("q2").label
    assert dash.question("q1").label == "Injury in the current incident"
    assert worded.score(yes_no(24, range(1, 15))).band == "high"


def test_area_wording_with_unknown_or_empty_entries_is_refused() -> None:
    with pytest.raises(InvalidInput) as error:
        get_instrument("lethality").with_labels({"q12": "x", "q1": "  "})
    assert fields(error) == {"labels.q12", "labels.q1"}


@pytest.mark.parametrize("instrument", list_instruments(), ids=lambda inst: inst.id)
def test_describe_gives_plain_json_a_form_can_be_built_from(instrument: instruments.Instrument) -> None:
    described = json.loads(json.dumps(instrument.describe().as_dict()))
    assert described["id"] == instrument.id
    assert described["version"] == instrument.version
    questions = described["questions"]
    assert [q["id"] for q in questions] == [q.id for q in instrument.questions]
    assert all(q["label"] and q["allowed"] and q["required"] for q in questions)
    expected_high = {"severe", "extreme"} if instrument.id == "danger" else {"high"}
    assert {b["name"] for b in described["bands"] if b["high_risk"]} == expected_high
    assert isinstance(described["judgement_may_raise"], bool)


def test_stored_result_round_trips() -> None:
    result = get_instrument("dash").score(yes_no(24, range(1, 15)))
    assert AssessmentResult.from_dict(json.loads(json.dumps(result.as_dict()))) == result
