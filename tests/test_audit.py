"""The audit log is append-only and `marac audit verify` finds the first altered or removed event."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator

import pytest
from click.testing import CliRunner
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from marac import audit
from marac.access.guards import Actor
from marac.cli import main
from marac.runtime import Runtime
from marac.settings import get_settings


async def _write_events(runtime: Runtime, count: int) -> None:
    async with runtime.transaction() as session:
        for number in range(count):
            await audit.record(
                session,
                Actor.system("test"),
                runtime.clock,
                "test.event",
                "thing",
                number,
                detail={"n": number},
            )


async def _verify(runtime: Runtime) -> audit.VerifyResult:
    async with runtime.sessions() as session:
        return await audit.verify(session)


async def test_intact_chain_verifies(runtime: Runtime) -> None:
    await _write_events(runtime, 5)
    result = await _verify(runtime)
    assert result.ok
    assert result.checked == 5


async def test_the_database_refuses_updates_and_deletes(runtime: Runtime) -> None:
    await _write_events(runtime, 2)
    for statement in ("UPDATE audit_event SET action = 'x'", "DELETE FROM audit_event"):
        with pytest.raises(DBAPIError, match="append-only"):
            async with runtime.transaction() as session:
                await session.execute(text(statement))


async def _drop_guard(runtime: Runtime) -> None:
    """What someone with DDL rights could do: remove the triggers first."""
    async with runtime.transaction() as session:
        if session.get_bind().dialect.name == "postgresql":
            await session.execute(text("DROP TRIGGER audit_event_append_only ON audit_event"))
        else:
            await session.execute(text("DROP TRIGGER audit_event_no_update"))
            await session.execute(text("DROP TRIGGER audit_event_no_delete"))


@pytest.fixture(autouse=True)
async def _restore_guard(runtime: Runtime) -> AsyncIterator[None]:
    """The PostgreSQL test database outlives one test: put the trigger back if a test removed it."""
    yield
    async with runtime.transaction() as session:
        if session.get_bind().dialect.name == "postgresql":
            await session.execute(
                text(
                    "CREATE OR REPLACE TRIGGER audit_event_append_only "
                    "BEFORE UPDATE OR DELETE ON audit_event "
                    "FOR EACH ROW EXECUTE FUNCTION audit_event_append_only()"
                )
            )


async def test_an_altered_row_is_found(runtime: Runtime) -> None:
    await _write_events(runtime, 5)
    await _drop_guard(runtime)
    async with runtime.transaction() as session:
        await session.execute(text("UPDATE audit_event SET actor_label = 'someone else' WHERE seq = 3"))
    result = await _verify(runtime)
    assert result.broken_at == 3
    assert "altered" in (result.reason or "")
    assert result.checked == 2


async def test_a_removed_row_is_found(runtime: Runtime) -> None:
    await _write_events(runtime, 5)
    await _drop_guard(runtime)
    async with runtime.transaction() as session:
        await session.execute(text("DELETE FROM audit_event WHERE seq = 2"))
    result = await _verify(runtime)
    assert result.broken_at == 3
    assert "removed" in (result.reason or "")


async def test_cli_verify_reports_the_broken_event(runtime: Runtime, db_url: str) -> None:
    await _write_events(runtime, 4)
    runner = CliRunner()
    env = {"MARAC_DATABASE_URL": db_url}
    os.environ.update(env)
    get_settings.cache_clear()
    try:
        intact = await _run_cli(runner, ["audit", "verify"])
        assert intact.exit_code == 0, intact.output
        assert "4 events verified" in intact.output
        await _drop_guard(runtime)
        async with runtime.transaction() as session:
            await session.execute(text("UPDATE audit_event SET detail = '{\"n\": 99}' WHERE seq = 2"))
        broken = await _run_cli(runner, ["audit", "verify"])
        assert broken.exit_code == 1
        assert "BROKEN at event 2" in broken.output
    finally:
        os.environ.pop("MARAC_DATABASE_URL")
        get_settings.cache_clear()


async def _run_cli(runner: CliRunner, args: list[str]):  # type: ignore[no-untyped-def]
    import asyncio

    # The command runs its own event loop, so it gets a thread of its own.
    return await asyncio.to_thread(runner.invoke, main, args, catch_exceptions=False)
