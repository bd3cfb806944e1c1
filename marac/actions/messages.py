"""The emails about actions: reminders, overdue notices, escalations, digests and status requests.

Every message names actions and cases by reference only, with links to the portal: never a person's
name, an address, the action's description or a report's note (they may name people).  Messages use
the notify package's ``notice`` template; a sweep may send thousands, so the template is rendered once
per area and number of lines with markers in place of the lines, and each message fills them in.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from datetime import date
from functools import lru_cache

from markupsafe import escape

from marac.actions.reminders import DUE, ESCALATION, days_before, overdue_days
from marac.notify.messages import AreaMail, render
from marac.notify.outbox import Draft

_LINE = "\x1fline-{}\x1f"
_LINK = "\x1flink\x1f"


@lru_cache(maxsize=4096)
def day_label(day: date) -> str:
    """``Tue 1 Dec 2026``: unambiguous in every locale's reading."""
    return f"{day:%a} {day.day} {day:%b %Y}"


def _plural(count: int, word: str) -> str:
    return f"{count} {word}" if count == 1 else f"{count} {word}s"


@dataclass(frozen=True, slots=True, kw_only=True)
class ActionFacts:
    """An action as messages show it: references, the owner agency's name and dates."""

    action_id: uuid.UUID
    area_id: uuid.UUID
    case_id: uuid.UUID
    reference: str
    case_reference: str
    agency_name: str
    deadline: date
    agreed_on: date | None = None


@dataclass(frozen=True, slots=True)
class Recipient:
    """Who a message goes to: a user (exclusions and digests apply) or an agency mailbox."""

    email: str
    user_id: uuid.UUID | None = None
    digest: bool = False


def summary(kind: str, facts: ActionFacts) -> str:
    """One line about a reminder, as a digest lists it."""
    head = f"{facts.reference} (case {facts.case_reference}, {facts.agency_name})"
    before = days_before(kind)
    if before is not None:
        return f"{head}: due in {_plural(before, 'day')}, on {day_label(facts.deadline)}"
    if kind == DUE:
        return f"{head}: due today, {day_label(facts.deadline)}"
    late = overdue_days(kind)
    if late is not None:
        return f"{head}: overdue by {_plural(late, 'day')} (due {day_label(facts.deadline)})"
    return f"{head}: escalated, still open after its deadline of {day_label(facts.deadline)}"


_MARKER = re.compile("\x1f(line-[0-9]+|link)\x1f")


@dataclass(frozen=True, slots=True)
class _Frame:
    """A rendered template split at its markers: literal parts, and for each slot its position among
    the parts and the index of its value (lines in order, then the link)."""

    parts: tuple[str, ...]
    slots: tuple[tuple[int, int], ...]

    @classmethod
    def split(cls, rendered: str, count: int) -> _Frame:
        parts = tuple(_MARKER.split(rendered))  # captured slot names land at the odd positions
        names = [f"line-{index}" for index in range(count)] + ["link"]
        return cls(parts, tuple((index, names.index(parts[index])) for index in range(1, len(parts), 2)))

    def fill(self, values: list[str]) -> str:
        out = list(self.parts)
        for index, value in self.slots:
            out[index] = values[value]
        return "".join(out)


@lru_cache(maxsize=1024)
def _frames(area: AreaMail, count: int) -> tuple[_Frame, _Frame]:
    """The notice template rendered for an area with markers for ``count`` lines and the link.

    Cached for the process: an area's frame changes only with its settings, which are part of the key.
    """
    markers = [_LINE.format(index) for index in range(count)]
    text, markup = render("notice", area.context(lines=markers, link=_LINK))
    return _Frame.split(text, count), _Frame.split(markup, count)


class Composer:
    """Builds the drafts of one area's messages."""

    def __init__(self, area: AreaMail) -> None:
        self.area = area
        self._frames: dict[int, tuple[_Frame, _Frame]] = {}

    def body(self, lines: list[str], link: str) -> tuple[str, str]:
        """``(text, html)`` of the notice template with ``lines`` and ``link`` filled in."""
        frames = self._frames.get(len(lines))
        if frames is None:
            frames = self._frames[len(lines)] = _frames(self.area, len(lines))
        plain = [*lines, link]
        # markupsafe, as the template itself escapes: the result is exactly what rendering gives.
        return frames[0].fill(plain), frames[1].fill([escape(value) for value in plain])

    def draft(
        self,
        *,
        key: str,
        kind: str,
        to: Recipient,
        subject: str,
        lines: list[str],
        link_path: str,
        case_id: uuid.UUID | None = None,
        action_id: uuid.UUID | None = None,
        conference_id: uuid.UUID | None = None,
    ) -> Draft:
        text, markup = self.body(lines, self.area.link(link_path))
        return Draft(
            key=key,
            kind=kind,
            to=to.email,
            subject=subject,
            text=text,
            html=markup,
            marking=self.area.marking,
            reply_to=self.area.coordinator_mailbox,
            recipient_user_id=to.user_id,
            area_id=self.area.area_id,
            case_id=case_id,
            action_id=action_id,
            conference_id=conference_id,
        )

    def reminder(self, kind: str, facts: ActionFacts, to: Recipient, key: str) -> Draft:
        """A reminder before or on the deadline, an overdue notice, or an escalation to the chair."""
        subject, lines = _reminder_text(kind, facts)
        return self.draft(
            key=key,
            kind="action_escalation" if kind == ESCALATION else "action_reminder",
            to=to,
            subject=subject,
            lines=lines,
            link_path=f"/actions/{facts.action_id}",
            case_id=facts.case_id,
            action_id=facts.action_id,
        )

    def digest(self, items: list[tuple[str, ActionFacts]], to: Recipient, key: str, day: date) -> Draft:
        """One email listing every reminder due for one person on one day."""
        lines = [f"Your action reminders for {day_label(day)}:"]
        lines += [
            f"{summary(kind, facts)} — {self.area.link(f'/actions/{facts.action_id}')}"
            for kind, facts in items
        ]
        lines.append("Please record a status report for each action in the portal.")
        # One case alone lets the outbox apply that case's must-not-receive list as well.
        cases = {facts.case_id for _, facts in items}
        return self.draft(
            key=key,
            kind="action_digest",
            to=to,
            subject=f"Daily digest: {_plural(len(items), 'action reminder')}",
            lines=lines,
            link_path="/actions",
            case_id=next(iter(cases)) if len(cases) == 1 else None,
        )

    def status_request(
        self,
        *,
        key: str,
        to: Recipient,
        agency_name: str,
        conference_id: uuid.UUID,
        conference_when: str,
        actions: list[ActionFacts],
        today: date,
    ) -> Draft:
        """The request to an agency to report on its open actions before a conference."""
        lines = [
            f"The next MARAC conference is on {conference_when}.",
            f"Please record a status report in the portal for each open action of {agency_name}:",
        ]
        for facts in actions:
            late = " — overdue" if facts.deadline < today else ""
            lines.append(
                f"{facts.reference} (case {facts.case_reference}): due {day_label(facts.deadline)}{late}"
            )
        lines.append("Incomplete actions are reviewed at the conference.")
        return self.draft(
            key=key,
            kind="action_status_request",
            to=to,
            subject=f"Status reports wanted before the conference: {_plural(len(actions), 'open action')}",
            lines=lines,
            link_path="/actions",
            conference_id=conference_id,
        )


def _reminder_text(kind: str, facts: ActionFacts) -> tuple[str, list[str]]:
    what = f"Action {facts.reference} for case {facts.case_reference}, owned by {facts.agency_name},"
    deadline = day_label(facts.deadline)
    report = "Please record a status report in the portal: completed, not possible or not done."
    before = days_before(kind)
    if before is not None:
        return (
            f"Action {facts.reference} (case {facts.case_reference}) is due in {_plural(before, 'day')}",
            [f"{what} is due on {deadline}.", "Please record a status report in the portal when it is done."],
        )
    if kind == DUE:
        return (
            f"Action {facts.reference} (case {facts.case_reference}) is due today",
            [f"{what} is due today, {deadline}.", report],
        )
    late = overdue_days(kind)
    if late is not None:
        return (
            f"Overdue: action {facts.reference} (case {facts.case_reference}), due {deadline}",
            [f"{what} was due on {deadline} and is {_plural(late, 'day')} overdue.", report],
        )
    agreed = f", agreed at the conference on {day_label(facts.agreed_on)}" if facts.agreed_on else ""
    return (
        f"Escalation: action {facts.reference} (case {facts.case_reference}) is overdue",
        [
            f"Action {facts.reference} for case {facts.case_reference}{agreed}, "
            f"owned by {facts.agency_name}, was due on {deadline} and is still open.",
            "It is escalated to you as chair under the area's reminder policy; the owner agency has been "
            "reminded.",
        ],
    )
