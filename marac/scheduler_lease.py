"""One active scheduler: a lease row that the running ``marac scheduler`` (or ``marac serve``) renews.

Several scheduler processes may run; the one holding the lease runs the sweeps and the others stand
by, polling.  A row rather than a session advisory lock: it survives connection pooling, works the same
on SQLite and PostgreSQL, and a holder that is killed simply stops renewing, so another process takes
the lease once ``expires_at`` has passed (at most lease + renew interval later: 40 s by default).

Every decision is one conditional statement, so two processes can never both believe they won:
acquiring or renewing is ``UPDATE … WHERE name = :n AND (holder = :me OR expires_at <= :now)``, and the
very first holder is whoever's ``INSERT`` lands first on the primary key.  The fencing token goes up
by one whenever the lease changes hands.

Lease time comes from the database's clock (``clock_timestamp()`` on PostgreSQL, SQLite's ``'now'``,
which is the host's clock), so that hosts whose clocks drift apart still agree on who holds the lease.
It is independent of the domain clock (``Runtime.clock``), which tests and the demo freeze and move;
tests inject a :class:`LeaseClock` of their own.

Settings (``MARAC_*`` environment variables):

- ``MARAC_SCHEDULER_LEASE_SECONDS`` (30): how long a lease lasts without renewal.
- ``MARAC_SCHEDULER_RENEW_SECONDS`` (10): how often the holder renews and standbys poll; below the lease.
- ``MARAC_SCHEDULER_TEST_INTERVAL_SECONDS`` (unset; tests only): run every sweep at this interval.
- ``MARAC_SCHEDULER_TEST_PROBE_FILE`` (unset; tests only): add a ``test-probe`` sweep that appends
  ``<pid> <fencing token>`` to this file each time it runs, so a test can see which process ran sweeps.
"""

from __future__ import annotations

import asyncio
import logging
import os
import secrets
import socket
from abc import ABC, abstractmethod
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import BigInteger, String, case, func, literal, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import Mapped, mapped_column

from marac.clock import Clock, ensure_utc
from marac.db import Base, UTCDateTime, transaction

if TYPE_CHECKING:
    from marac.runtime import Runtime
    from marac.scheduler import PeriodicJob

log = logging.getLogger("marac.scheduler.lease")

LEASE_NAME = "sweeps"
LEASE_JOB_ID = "scheduler-lease"
TEST_PROBE_JOB_ID = "test-probe"


class SchedulerLease(Base):
    """Who may run the periodic sweeps, until when."""

    __tablename__ = "scheduler_lease"

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    holder: Mapped[str] = mapped_column(String(200))  # hostname:pid:random, see holder_id()
    acquired_at: Mapped[datetime]
    renewed_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    fencing_token: Mapped[int] = mapped_column(BigInteger)


@dataclass(frozen=True)
class HeldLease:
    """The lease as its holder last saw it."""

    name: str
    holder: str
    fencing_token: int
    expires_at: datetime


@dataclass(frozen=True)
class LeadershipSettings:
    """Lease timing, and the two test-only knobs; see the module docstring for the variables."""

    lease_seconds: float = 30
    renew_seconds: float = 10
    test_interval_seconds: int | None = None
    test_probe_file: Path | None = None

    def __post_init__(self) -> None:
        if not 0 < self.renew_seconds < self.lease_seconds:
            raise ValueError("the scheduler lease must be renewed more often than it lasts")
        if self.test_interval_seconds is not None and self.test_interval_seconds < 1:
            raise ValueError("the test sweep interval must be at least one second")

    @classmethod
    def from_env(cls) -> LeadershipSettings:
        """Read ``MARAC_SCHEDULER_*``; anything unset keeps its default."""

        def env(name: str) -> str | None:
            return os.environ.get(f"MARAC_SCHEDULER_{name}") or None

        default = cls()
        interval = env("TEST_INTERVAL_SECONDS")
        probe = env("TEST_PROBE_FILE")
        return cls(
            lease_seconds=float(env("LEASE_SECONDS") or default.lease_seconds),
            renew_seconds=float(env("RENEW_SECONDS") or default.renew_seconds),
            test_interval_seconds=int(interval) if interval else None,
            test_probe_file=Path(probe) if probe else None,
        )

    @property
    def lease(self) -> timedelta:
        return timedelta(seconds=self.lease_seconds)


class LeaseClock(ABC):
    """Where lease times come from; asked inside the transaction that takes the decision."""

    @abstractmethod
    async def now(self, session: AsyncSession) -> datetime: ...


class DatabaseLeaseClock(LeaseClock):
    """The database server's clock: one reference for every host (the default)."""

    async def now(self, session: AsyncSession) -> datetime:
        if session.get_bind().dialect.name == "postgresql":
            # clock_timestamp(), not now(): the latter is frozen at the start of the transaction.
            value: datetime = (await session.execute(select(func.clock_timestamp()))).scalar_one()
            return ensure_utc(value)
        text = (await session.execute(select(func.strftime("%Y-%m-%d %H:%M:%f", "now")))).scalar_one()
        return datetime.fromisoformat(str(text)).replace(tzinfo=UTC)


class ClockLeaseClock(LeaseClock):
    """Lease time from a :class:`marac.clock.Clock`: the process wall clock, or a FixedClock in tests."""

    def __init__(self, clock: Clock) -> None:
        self.clock = clock

    async def now(self, session: AsyncSession) -> datetime:
        return self.clock.now()


def holder_id() -> str:
    """Names this process in the lease row; the random part tells apart a restarted process's pid."""
    return f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(4)}"[:200]


async def acquire(
    session: AsyncSession, name: str, holder: str, now: datetime, length: timedelta
) -> HeldLease | None:
    """Take the lease if it is free or already ours (renewing it); None if another holder has it."""
    ours = SchedulerLease.holder == holder
    # SET expressions read the row as it was, so the CASEs see the previous holder.
    taken = (
        await session.execute(
            update(SchedulerLease)
            .where(SchedulerLease.name == name, or_(ours, SchedulerLease.expires_at <= now))
            .values(
                holder=holder,
                acquired_at=case((ours, SchedulerLease.acquired_at), else_=literal(now, UTCDateTime())),
                renewed_at=now,
                expires_at=now + length,
                fencing_token=case(
                    (ours, SchedulerLease.fencing_token), else_=SchedulerLease.fencing_token + 1
                ),
            )
            .returning(SchedulerLease.fencing_token)
            .execution_options(synchronize_session=False)
        )
    ).scalar_one_or_none()
    if taken is None:
        # No row yet, or another holder's: the first INSERT wins on the primary key, others do nothing.
        postgres = session.get_bind().dialect.name == "postgresql"
        first = (postgresql.insert if postgres else sqlite.insert)(SchedulerLease).values(
            name=name,
            holder=holder,
            acquired_at=now,
            renewed_at=now,
            expires_at=now + length,
            fencing_token=1,
        )
        taken = (
            await session.execute(
                first.on_conflict_do_nothing(index_elements=[SchedulerLease.name]).returning(
                    SchedulerLease.fencing_token
                )
            )
        ).scalar_one_or_none()
    return None if taken is None else HeldLease(name, holder, taken, now + length)


async def renew(
    session: AsyncSession, lease: HeldLease, now: datetime, length: timedelta
) -> HeldLease | None:
    """Extend a lease we hold with this fencing token; None if it has changed hands since."""
    result = await session.execute(
        update(SchedulerLease)
        .where(
            SchedulerLease.name == lease.name,
            SchedulerLease.holder == lease.holder,
            SchedulerLease.fencing_token == lease.fencing_token,
        )
        .values(renewed_at=now, expires_at=now + length)
        .returning(SchedulerLease.fencing_token)
        .execution_options(synchronize_session=False)
    )
    if result.scalar_one_or_none() is None:
        return None
    return HeldLease(lease.name, lease.holder, lease.fencing_token, now + length)


async def release(session: AsyncSession, lease: HeldLease, now: datetime) -> bool:
    """Let the lease expire now, so that a standby takes it at its next poll; False if no longer ours."""
    result = await session.execute(
        update(SchedulerLease)
        .where(
            SchedulerLease.name == lease.name,
            SchedulerLease.holder == lease.holder,
            SchedulerLease.fencing_token == lease.fencing_token,
        )
        .values(expires_at=now)
        .returning(SchedulerLease.fencing_token)
        .execution_options(synchronize_session=False)
    )
    return result.scalar_one_or_none() is not None


async def current_lease(session: AsyncSession, name: str = LEASE_NAME) -> SchedulerLease | None:
    """The lease row as stored (for standbys' log lines, operators and tests)."""
    return await session.get(SchedulerLease, name, populate_existing=True)


class SchedulerLeadership:
    """This process's part in choosing the one active scheduler.

    :meth:`keep` runs every ``renew_seconds`` (acquire when free, renew when ours); :meth:`confirm` runs
    before every sweep, so that a process that lost the lease (paused past expiry, say) stops before
    doing more work.  Database errors count as not leading: sweeps pause until the lease is confirmed.
    """

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        settings: LeadershipSettings | None = None,
        *,
        clock: LeaseClock | None = None,
        holder: str | None = None,
        name: str = LEASE_NAME,
    ) -> None:
        self.sessions = sessions
        self.settings = settings or LeadershipSettings.from_env()
        self.clock = clock or DatabaseLeaseClock()
        self.holder = holder or holder_id()
        self.name = name
        self._lease: HeldLease | None = None
        self._standing_by = False

    @classmethod
    def for_runtime(cls, runtime: Runtime) -> SchedulerLeadership:
        """Leadership over ``runtime``'s database, with settings from the environment."""
        return cls(runtime.sessions, LeadershipSettings.from_env())

    @property
    def is_leader(self) -> bool:
        return self._lease is not None

    @property
    def fencing_token(self) -> int | None:
        return None if self._lease is None else self._lease.fencing_token

    async def keep(self) -> bool:
        """Acquire or renew the lease; True while this process is the active scheduler."""
        other: SchedulerLease | None = None
        try:
            async with transaction(self.sessions) as session:
                now = await self.clock.now(session)
                lease = await acquire(session, self.name, self.holder, now, self.settings.lease)
                if lease is None:
                    other = await current_lease(session, self.name)
        except Exception:
            # The next poll retries; meanwhile no sweeps, as another process may take the lease.
            log.exception("could not reach the scheduler lease %s", self.name)
            lease = None
        self._change(lease, other)
        return lease is not None

    async def confirm(self) -> bool:
        """Before a sweep: still the leader?  Renews, so the sweep starts with a whole lease ahead."""
        if self._lease is None:
            return False
        try:
            async with transaction(self.sessions) as session:
                now = await self.clock.now(session)
                lease = await renew(session, self._lease, now, self.settings.lease)
        except Exception:
            log.exception("could not confirm the scheduler lease %s", self.name)
            lease = None
        self._change(lease, None)
        return lease is not None

    async def release(self) -> None:
        """Hand the lease over on a clean shutdown (a killed process just stops renewing)."""
        held, self._lease = self._lease, None
        if held is None:
            return
        try:
            async with transaction(self.sessions) as session:
                released = await release(session, held, await self.clock.now(session))
        except Exception:
            log.exception("could not release the scheduler lease %s; it expires by itself", self.name)
            return
        if released:
            log.info("released the scheduler lease %s (fencing token %d)", self.name, held.fencing_token)

    def _change(self, lease: HeldLease | None, other: SchedulerLease | None) -> None:
        before, self._lease = self._lease, lease
        if lease is not None and (before is None or before.fencing_token != lease.fencing_token):
            self._standing_by = False
            log.info(
                "this process is now the active scheduler: lease %s, holder %s, fencing token %d",
                self.name,
                self.holder,
                lease.fencing_token,
            )
        elif lease is None and before is not None:
            self._standing_by = True
            log.warning(
                "this process is no longer the active scheduler (lease %s, fencing token %d); sweeps stop",
                self.name,
                before.fencing_token,
            )
        elif lease is None and not self._standing_by and other is not None:
            self._standing_by = True
            log.info(
                "standing by: lease %s held by %s until %s",
                self.name,
                other.holder,
                other.expires_at.isoformat(),
            )

    def sweep_seconds(self, seconds: int) -> int:
        """A sweep's interval, unless the test-only interval replaces it."""
        return self.settings.test_interval_seconds or seconds

    def test_jobs(self) -> list[PeriodicJob]:
        """The ``test-probe`` sweep when ``MARAC_SCHEDULER_TEST_PROBE_FILE`` is set; none otherwise."""
        from marac.scheduler import PeriodicJob  # that module imports this one

        path = self.settings.test_probe_file
        if path is None:
            return []

        async def probe(_runtime: Runtime) -> None:
            line = f"{os.getpid()} {self.fencing_token}\n"
            await asyncio.to_thread(_append_line, path, line)

        return [PeriodicJob(TEST_PROBE_JOB_ID, probe, 1, "tests only: record which process ran sweeps")]


def _append_line(path: Path, line: str) -> None:
    with path.open("a", encoding="utf-8") as handle:
        handle.write(line)
