"""Action emails: the fast fill of the notice template gives exactly what rendering it would."""

from __future__ import annotations

import uuid
from datetime import date

import pytest

from marac.actions.messages import ActionFacts, Composer, Recipient
from marac.notify.messages import AreaMail, render

AREA = AreaMail(
    area_id=uuid.uuid4(),
    area_name="North & South <Shire>",
    timezone="Europe/London",
    jurisdiction="GB-ENG",
    marking="OFFICIAL-SENSITIVE",
    coordinator_mailbox="marac@north.example",
    base_url="https://marac.example",
    sender="noreply@marac.example",
    invitation_window_days=60,
    meeting_reminder=True,
)
FACTS = ActionFacts(
    action_id=uuid.uuid4(),
    area_id=AREA.area_id,
    case_id=uuid.uuid4(),
    reference="A-0007",
    case_reference="MC-0042",
    agency_name="Housing & Homes",
    deadline=date(2026, 12, 10),
    agreed_on=date(2026, 11, 17),
)


@pytest.mark.parametrize(
    "lines", [["One line"], ['Quotes "and" <tags> & ampersands', "second"], ["a", "b", "c", "d"]]
)
def test_the_filled_frame_equals_the_rendered_template(lines: list[str]) -> None:
    link = "https://marac.example/actions/1?a=1&b=2"
    assert Composer(AREA).body(lines, link) == render("notice", AREA.context(lines=lines, link=link))


@pytest.mark.parametrize(
    ("kind", "subject"),
    [
        ("before-7", "Action A-0007 (case MC-0042) is due in 7 days"),
        ("before-1", "Action A-0007 (case MC-0042) is due in 1 day"),
        ("due", "Action A-0007 (case MC-0042) is due today"),
        ("overdue-8", "Overdue: action A-0007 (case MC-0042), due Thu 10 Dec 2026"),
        ("escalation", "Escalation: action A-0007 (case MC-0042) is overdue"),
    ],
)
def test_each_kind_names_references_only(kind: str, subject: str) -> None:
    draft = Composer(AREA).reminder(kind, FACTS, Recipient("rep@housing.example"), f"reminder:x:{kind}:1")
    assert draft.subject == subject
    assert "Housing &amp; Homes" in (draft.html or "")
    assert f"https://marac.example/actions/{FACTS.action_id}" in draft.text
    assert draft.case_id == FACTS.case_id
    assert draft.kind == ("action_escalation" if kind == "escalation" else "action_reminder")
