"""Outbox delivery to a local SMTP server, and one user's calendar feed.

Targets (DESIGN.md §6): at least 200 messages/s through SmtpTransport to a local server, and a feed of
two years of conferences plus 1,000 action deadlines in at most 50 ms.

    .venv/bin/python bench/bench_smtp.py [--messages 1000]

Exits non-zero when a target is missed.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import socket
import statistics
import sys
import time
from typing import Any
from zoneinfo import ZoneInfo

from aiosmtpd.controller import Controller

from marac.notify.ical import ConferenceEvent, DeadlineEvent, feed, invitation
from marac.notify.mime import build_message, make_message_id
from marac.notify.transports import SmtpTransport

LONDON = ZoneInfo("Europe/London")
SENT_AT = dt.datetime(2026, 2, 24, 9, 30, tzinfo=dt.UTC)


class Counter:
    def __init__(self) -> None:
        self.count = 0

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        self.count += 1
        return "250 OK"


def conference(n: int) -> ConferenceEvent:
    start = dt.datetime(2026, 1, 13, 10, 0, tzinfo=LONDON) + dt.timedelta(days=14 * n)
    return ConferenceEvent(
        uid=f"conference-{n}@marac.example",
        sequence=n % 3,
        starts_at=start,
        ends_at=start + dt.timedelta(hours=3),
        timezone="Europe/London",
        summary="MARAC conference — North Shire",
        location="Committee Room 2, Civic Centre, Northtown",
        description=f"Case list and research status: https://marac.example/conferences/{n}",
        organizer_email="marac.coordinator@northshire.example",
        organizer_name="MARAC coordinator, North Shire",
        dtstamp=SENT_AT,
        online_link="https://meet.example/j/4815162342",
    )


def invitation_email(n: int, calendar: bytes) -> Any:
    return build_message(
        subject="MARAC conference invitation",
        sender="marac@northshire.example",
        to=[f"rep{n}@agency.example"],
        reply_to="marac.coordinator@northshire.example",
        text="Case list: https://marac.example/conferences/1",
        html="<p>Case list</p>",
        message_id=make_message_id(f"bench:{n}", "marac.example"),
        date=SENT_AT,
        calendar=calendar,
    )


async def bench_smtp(count: int) -> float:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    handler = Counter()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        calendar = invitation(conference(0), "REQUEST")
        messages = [invitation_email(n, calendar) for n in range(count)]
        transport = SmtpTransport.from_url(f"smtp://127.0.0.1:{port}")
        started = time.perf_counter()
        for batch_start in range(0, count, 100):  # the outbox claims rows in batches
            outcomes = await transport.send_many(messages[batch_start : batch_start + 100])
            assert all(outcome is None for outcome in outcomes), outcomes
        elapsed = time.perf_counter() - started
        await transport.aclose()
    finally:
        controller.stop()
    assert handler.count == count, (handler.count, count)
    return count / elapsed


def bench_feed(rounds: int = 30) -> tuple[float, float]:
    events = [conference(n) for n in range(52)]
    deadlines = [
        DeadlineEvent(
            uid=f"action-{n}@marac.example",
            date=dt.date(2026, 1, 5) + dt.timedelta(days=n % 700),
            summary=f"Action A-{n} due (case MC-{n % 97:04d})",
            url=f"https://marac.example/actions/{n}",
            dtstamp=SENT_AT,
        )
        for n in range(1000)
    ]
    started = time.perf_counter()
    feed("MARAC — DC Patel", events, deadlines)
    first = time.perf_counter() - started  # includes deriving and checking the VTIMEZONE once
    timings = []
    for _ in range(rounds):
        started = time.perf_counter()
        feed("MARAC — DC Patel", events, deadlines)
        timings.append(time.perf_counter() - started)
    return first * 1000, statistics.median(timings) * 1000


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--messages", type=int, default=1000)
    args = parser.parse_args()
    first_ms, median_ms = bench_feed()  # first, so that it runs in a fresh process
    rate = asyncio.run(bench_smtp(args.messages))
    print(f"smtp: {args.messages} invitations at {rate:.0f} messages/s (target >= 200)")
    print(
        f"feed: 52 conferences + 1000 deadlines: first {first_ms:.1f} ms (cold), "
        f"median {median_ms:.1f} ms (target <= 50)"
    )
    return 0 if rate >= 200 and median_ms <= 50 else 1


if __name__ == "__main__":
    sys.exit(main())
