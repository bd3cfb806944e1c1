"""Exactly one active scheduler: the lease row, its takeover when the holder dies, and the sweeps' gate."""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TypeVar

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from marac.clock import FixedClock
from marac.db import create_engine, session_factory
from marac.runtime import Runtime
from marac.scheduler import build_scheduler
from marac.scheduler_lease import (
    LEASE_JOB_ID,
    LEASE_NAME,
    TEST_PROBE_JOB_ID,
    ClockLeaseClock,
    DatabaseLeaseClock,
    HeldLease,
    LeadershipSettings,
    SchedulerLeadership,
    acquire,
    current_lease,
    release,
    renew,
)

T0 = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
LEASE = timedelta(seconds=30)
T = TypeVar("T")


async def take(runtime: Runtime, holder: str, at: timedelta) -> HeldLease | None:
    async with runtime.transaction() as session:
        return await acquire(session, LEASE_NAME, holder, T0 + at, LEASE)


async def extend(runtime: Runtime, lease: HeldLease, at: timedelta) -> HeldLease | None:
    async with runtime.transaction() as session:
        return await renew(session, lease, T0 + at, LEASE)


async def stored(runtime: Runtime) -> tuple[str, int, datetime]:
    async with runtime.sessions() as session:
        row = await current_lease(session)
    assert row is not None
    return row.holder, row.fencing_token, row.expires_at


# --- the lease row -----------------------------------------------------------------------------------


async def test_first_holder_takes_the_lease_and_another_waits(runtime: Runtime) -> None:
    first = await take(runtime, "host:1:a", timedelta(0))
    assert first == HeldLease(LEASE_NAME, "host:1:a", 1, T0 + LEASE)
    assert await take(runtime, "host:2:b", timedelta(seconds=29)) is None
    assert await stored(runtime) == ("host:1:a", 1, T0 + LEASE)


async def test_renewal_keeps_the_token_and_pushes_expiry_back(runtime: Runtime) -> None:
    held = await take(runtime, "host:1:a", timedelta(0))
    assert held is not None
    renewed = await extend(runtime, held, timedelta(seconds=20))
    assert renewed == HeldLease(LEASE_NAME, "host:1:a", 1, T0 + timedelta(seconds=50))
    # Renewing through acquire (the periodic keep) is the same thing.
    again = await take(runtime, "host:1:a", timedelta(seconds=25))
    assert again is not None
    assert again.fencing_token == 1
    assert await take(runtime, "host:2:b", timedelta(seconds=40)) is None
    assert await stored(runtime) == ("host:1:a", 1, T0 + timedelta(seconds=55))


async def test_expired_lease_passes_to_another_process_with_the_next_token(runtime: Runtime) -> None:
    old = await take(runtime, "host:1:a", timedelta(0))
    assert old is not None
    new = await take(runtime, "host:2:b", timedelta(seconds=30))  # expiry instant: free
    assert new == HeldLease(LEASE_NAME, "host:2:b", 2, T0 + timedelta(seconds=60))
    # The old holder, back from a pause, can neither renew nor take it back while it is valid.
    assert await extend(runtime, old, timedelta(seconds=31)) is None
    assert await take(runtime, "host:1:a", timedelta(seconds=31)) is None
    async with runtime.transaction() as session:
        assert not await release(session, old, T0 + timedelta(seconds=31))
    assert await stored(runtime) == ("host:2:b", 2, T0 + timedelta(seconds=60))
    # And when the new holder dies too, the lease moves on again.
    third = await take(runtime, "host:3:c", timedelta(seconds=61))
    assert third is not None
    assert third.fencing_token == 3


async def test_holder_whose_lease_lapsed_unclaimed_keeps_its_token(runtime: Runtime) -> None:
    held = await take(runtime, "host:1:a", timedelta(0))
    assert held is not None
    assert await extend(runtime, held, timedelta(minutes=5)) is not None
    assert (await stored(runtime))[1] == 1


async def test_released_lease_is_free_at_once(runtime: Runtime) -> None:
    held = await take(runtime, "host:1:a", timedelta(0))
    assert held is not None
    async with runtime.transaction() as session:
        assert await release(session, held, T0 + timedelta(seconds=5))
    successor = await take(runtime, "host:2:b", timedelta(seconds=5))
    assert successor is not None
    assert successor.fencing_token == 2


async def test_simultaneous_first_acquisitions_have_exactly_one_winner(runtime: Runtime) -> None:
    results = await asyncio.gather(*(take(runtime, f"host:{n}:x", timedelta(0)) for n in range(8)))
    winners = [lease for lease in results if lease is not None]
    assert len(winners) == 1
    assert winners[0].fencing_token == 1
    assert (await stored(runtime))[0] == winners[0].holder


# --- leadership and the sweeps' gate ----------------------------------------------------------------


@pytest.fixture
def lease_clock() -> FixedClock:
    """Lease time, separate from the domain clock that tests and the demo move."""
    return FixedClock(T0)


def _leadership(
    runtime: Runtime, holder: str, lease_clock: FixedClock, probe: Path | None = None
) -> SchedulerLeadership:
    settings = LeadershipSettings(lease_seconds=30, renew_seconds=10, test_probe_file=probe)
    return SchedulerLeadership(runtime.sessions, settings, clock=ClockLeaseClock(lease_clock), holder=holder)


async def _run_probe(runtime: Runtime, leadership: SchedulerLeadership) -> None:
    await build_scheduler(runtime, leadership).get_job(TEST_PROBE_JOB_ID).func()


async def test_only_the_leader_runs_sweeps_and_a_displaced_leader_stops(
    runtime: Runtime, lease_clock: FixedClock, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="marac.scheduler.lease")
    probe = tmp_path / "probe.txt"
    a = _leadership(runtime, "host:1:a", lease_clock, probe)
    b = _leadership(runtime, "host:2:b", lease_clock, probe)
    assert await a.keep()
    assert not await b.keep()
    await _run_probe(runtime, a)
    await _run_probe(runtime, b)
    assert probe.read_text().splitlines() == [f"{os.getpid()} 1"]

    # a is paused past its lease; b takes over at its next poll.
    lease_clock.advance(seconds=31)
    assert await b.keep()
    assert b.fencing_token == 2
    # a wakes up: its next sweep checks the lease first and does nothing.
    await _run_probe(runtime, a)
    assert not a.is_leader
    await _run_probe(runtime, b)
    assert probe.read_text().splitlines() == [f"{os.getpid()} 1", f"{os.getpid()} 2"]
    assert not await a.keep()

    messages = [record.getMessage() for record in caplog.records]
    assert "this process is now the active scheduler: lease sweeps, holder host:1:a, fencing token 1" in (
        messages
    )
    assert any(m.startswith("standing by: lease sweeps held by host:1:a until") for m in messages)
    assert "this process is now the active scheduler: lease sweeps, holder host:2:b, fencing token 2" in (
        messages
    )
    assert any(m.startswith("this process is no longer the active scheduler") for m in messages)


async def test_sweeps_confirm_and_renew_the_lease_before_each_run(
    runtime: Runtime, lease_clock: FixedClock
) -> None:
    a = _leadership(runtime, "host:1:a", lease_clock)
    assert not await a.confirm()  # never acquired: no database round trip, no sweep
    assert await a.keep()
    lease_clock.advance(seconds=25)
    assert await a.confirm()
    assert (await stored(runtime))[2] == T0 + timedelta(seconds=55)


async def test_release_on_shutdown_lets_a_standby_take_over_without_waiting(
    runtime: Runtime, lease_clock: FixedClock
) -> None:
    a = _leadership(runtime, "host:1:a", lease_clock)
    b = _leadership(runtime, "host:2:b", lease_clock)
    assert await a.keep()
    assert not await b.keep()
    await a.release()
    assert not a.is_leader
    assert await b.keep()


async def test_frozen_domain_clock_does_not_decide_leadership(runtime: Runtime, clock: FixedClock) -> None:
    # The demo moves the domain clock by weeks; the lease follows the database's clock regardless.
    clock.advance(days=30)
    a = SchedulerLeadership(runtime.sessions, LeadershipSettings(), holder="host:1:a")
    b = SchedulerLeadership(runtime.sessions, LeadershipSettings(), holder="host:2:b")
    assert await a.keep()
    assert not await b.keep()
    async with runtime.sessions() as session:
        database_now = await DatabaseLeaseClock().now(session)
    wall = datetime.now(UTC)
    assert abs(database_now - wall) < timedelta(seconds=5)
    expires = (await stored(runtime))[2]
    assert wall + timedelta(seconds=25) < expires < wall + timedelta(seconds=35)


async def test_unreachable_lease_table_means_no_sweeps(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'not-migrated.db'}")
    sessions: async_sessionmaker[AsyncSession] = session_factory(engine)
    leadership = SchedulerLeadership(sessions, LeadershipSettings(), holder="host:1:a")
    try:
        assert not await leadership.keep()
    finally:
        await engine.dispose()
    assert not leadership.is_leader
    assert "could not reach the scheduler lease sweeps" in caplog.text


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({}, LeadershipSettings(30, 10, None, None)),
        (
            {"LEASE_SECONDS": "3", "RENEW_SECONDS": "1", "TEST_INTERVAL_SECONDS": "1"},
            LeadershipSettings(3, 1, 1, None),
        ),
        ({"TEST_PROBE_FILE": "probe.txt"}, LeadershipSettings(test_probe_file=Path("probe.txt"))),
        ({"LEASE_SECONDS": "10", "RENEW_SECONDS": "10"}, ValueError),
        ({"RENEW_SECONDS": "0"}, ValueError),
        ({"TEST_INTERVAL_SECONDS": "0"}, ValueError),
    ],
)
def test_settings_from_environment(
    monkeypatch: pytest.MonkeyPatch, env: dict[str, str], expected: LeadershipSettings | type[Exception]
) -> None:
    for name in ("LEASE_SECONDS", "RENEW_SECONDS", "TEST_INTERVAL_SECONDS", "TEST_PROBE_FILE"):
        monkeypatch.delenv(f"MARAC_SCHEDULER_{name}", raising=False)
    for name, value in env.items():
        monkeypatch.setenv(f"MARAC_SCHEDULER_{name}", value)
    if isinstance(expected, LeadershipSettings):
        assert LeadershipSettings.from_env() == expected
    else:
        with pytest.raises(expected):
            LeadershipSettings.from_env()


def test_scheduler_under_a_lease_renews_it_and_may_run_sweeps_faster_for_tests(
    runtime: Runtime, tmp_path: Path
) -> None:
    settings = LeadershipSettings(3, 1, test_interval_seconds=1, test_probe_file=tmp_path / "p")
    scheduler = build_scheduler(runtime, SchedulerLeadership(runtime.sessions, settings))
    jobs = {job.id: job for job in scheduler.get_jobs()}
    assert jobs[LEASE_JOB_ID].trigger.interval == timedelta(seconds=1)
    assert {job.trigger.interval for job in jobs.values()} == {timedelta(seconds=1)}
    assert TEST_PROBE_JOB_ID in jobs
    # Without the test settings, sweeps keep their own intervals and there is no probe.
    plain = build_scheduler(runtime, SchedulerLeadership(runtime.sessions, LeadershipSettings()))
    assert plain.get_job("purge-sessions").trigger.interval == timedelta(seconds=300)
    assert plain.get_job(TEST_PROBE_JOB_ID) is None


# --- real processes ---------------------------------------------------------------------------------

PROCESS_LEASE_SECONDS = 2
PROCESS_RENEW_SECONDS = 0.5


async def _until(check: Callable[[], Awaitable[T | None]], seconds: float, what: str) -> T:
    """Poll ``check`` every 0.1 s until it gives a value; fail after ``seconds``."""
    deadline = time.monotonic() + seconds
    while True:
        value = await check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {seconds} s waiting for {what}")
        await asyncio.sleep(0.1)


def _probe_lines(path: Path) -> list[tuple[int, int]]:
    if not path.exists():
        return []
    return [(int(pid), int(token)) for pid, token in (line.split() for line in path.read_text().splitlines())]


@pytest.fixture
def schedulers(db_url: str, tmp_path: Path) -> Iterator[dict[int, subprocess.Popen[bytes]]]:
    """Two ``marac scheduler`` processes on the test database, sweeping every second; killed at the end."""
    env = dict(os.environ)
    env.update(
        MARAC_DATABASE_URL=db_url,
        MARAC_VAR_DIR=str(tmp_path / "var"),
        MARAC_LOG_LEVEL="INFO",
        MARAC_SCHEDULER_LEASE_SECONDS=str(PROCESS_LEASE_SECONDS),
        MARAC_SCHEDULER_RENEW_SECONDS=str(PROCESS_RENEW_SECONDS),
        MARAC_SCHEDULER_TEST_INTERVAL_SECONDS="1",
        MARAC_SCHEDULER_TEST_PROBE_FILE=str(tmp_path / "probe.txt"),
    )
    processes: dict[int, subprocess.Popen[bytes]] = {}
    try:
        for _ in range(2):
            log_file = (tmp_path / f"scheduler-{len(processes)}.log").open("wb")
            process = subprocess.Popen(
                [sys.executable, "-m", "marac.cli", "scheduler"],
                env=env,
                stdout=log_file,
                stderr=subprocess.STDOUT,
            )
            log_file.close()
            processes[process.pid] = process
        yield processes
    finally:
        for process in processes.values():
            if process.poll() is None:
                process.kill()
            process.wait(timeout=10)


def _log(tmp_path: Path, index: int) -> str:
    return (tmp_path / f"scheduler-{index}.log").read_text(errors="replace")


async def test_killed_active_scheduler_is_replaced_and_sweeps_go_on(
    runtime: Runtime, schedulers: dict[int, subprocess.Popen[bytes]], tmp_path: Path
) -> None:
    probe = tmp_path / "probe.txt"
    database_clock = DatabaseLeaseClock()

    async def lease_row() -> tuple[int, int, datetime] | None:
        async with runtime.sessions() as session:
            row = await current_lease(session)
            if row is None:
                return None
            return int(row.holder.split(":")[-2]), row.fencing_token, row.expires_at

    async def both_running() -> bool:
        logs = [_log(tmp_path, n) for n in range(2)]
        return all("active scheduler" in text or "standing by" in text for text in logs)

    await _until(both_running, 30, "both schedulers to start")
    leader, token, _ = await _until(lease_row, 5, "the lease row")
    assert token == 1
    assert leader in schedulers
    (survivor,) = set(schedulers) - {leader}
    logs = [_log(tmp_path, n) for n in range(2)]
    assert sum("now the active scheduler" in text for text in logs) == 1
    assert sum("standing by: lease sweeps held by" in text for text in logs) == 1

    # The standby gets several chances to run a sweep; only the leader ever does.
    async def leader_swept_thrice() -> bool:
        return len(_probe_lines(probe)) >= 3

    await _until(leader_swept_thrice, 10, "the leader's sweeps")
    assert set(_probe_lines(probe)) == {(leader, 1)}

    schedulers[leader].send_signal(signal.SIGKILL)
    killed_at = time.monotonic()
    schedulers[leader].wait(timeout=10)

    async def taken_over() -> tuple[int, int, datetime] | None:
        row = await lease_row()
        return row if row is not None and row[0] == survivor else None

    _, token, _ = await _until(taken_over, PROCESS_LEASE_SECONDS + PROCESS_RENEW_SECONDS + 5, "takeover")
    takeover_seconds = time.monotonic() - killed_at
    print(f"takeover {takeover_seconds:.2f} s after SIGKILL")  # shown with -s
    assert token == 2
    assert takeover_seconds < PROCESS_LEASE_SECONDS + PROCESS_RENEW_SECONDS + 3

    async def survivor_swept() -> bool:
        return (survivor, 2) in _probe_lines(probe)

    await _until(survivor_swept, 5, "the new leader's sweeps")
    assert set(_probe_lines(probe)) == {(leader, 1), (survivor, 2)}

    # A clean stop hands the lease back at once.
    schedulers[survivor].send_signal(signal.SIGTERM)
    assert schedulers[survivor].wait(timeout=15) == 0
    async with runtime.sessions() as session:
        row = await current_lease(session)
        assert row is not None
        assert row.expires_at <= await database_clock.now(session)
    assert "released the scheduler lease sweeps (fencing token 2)" in "".join(
        _log(tmp_path, n) for n in range(2)
    )
