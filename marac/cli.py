"""The ``marac`` command: serve, scheduler, db, user, audit, demo."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import sys
from pathlib import Path

import click

from marac.settings import get_settings

NO_SCHEDULER_ENV = "MARAC_NO_SCHEDULER"


def _configure_logging() -> None:
    logging.basicConfig(
        level=get_settings().log_level, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )


def _migrate() -> None:
    from marac.db import upgrade

    upgrade(get_settings().database.url)


@click.group()
def main() -> None:
    """Coordinate multi-agency risk assessment conferences."""


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
@click.option("--workers", default=1, show_default=True, type=int, help="web worker processes")
@click.option("--no-scheduler", is_flag=True, help="do not run the periodic jobs in this process")
def serve(host: str, port: int, workers: int, no_scheduler: bool) -> None:
    """Start the web service (creates/migrates the embedded database on first run)."""
    import uvicorn

    _configure_logging()
    settings = get_settings()
    if settings.database.is_sqlite:
        _migrate()
    if workers > 1 and not no_scheduler:
        click.echo("Several workers: the periodic jobs are not run in-process; start `marac scheduler` once.")
        no_scheduler = True
    os.environ[NO_SCHEDULER_ENV] = "1" if no_scheduler else ""
    click.echo(f"marac listening on http://{host}:{port}/ (API docs at /schema)")
    uvicorn.run(
        "marac.cli:served_app",
        host=host,
        port=port,
        workers=workers,
        factory=True,
        log_level=settings.log_level.lower(),
        proxy_headers=True,
    )


def served_app() -> object:
    """The uvicorn factory: one app per worker process."""
    from marac.app import create_app

    return create_app(run_scheduler=not os.environ.get(NO_SCHEDULER_ENV))


@main.command()
def scheduler() -> None:
    """Run the periodic jobs alone (production: next to web workers started with --no-scheduler)."""
    from marac.runtime import Runtime
    from marac.scheduler import run_forever

    _configure_logging()
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(run_forever(Runtime.build()))


@main.group()
def db() -> None:
    """Database schema."""


@db.command("upgrade")
@click.option("--revision", default="heads", show_default=True)
def db_upgrade(revision: str) -> None:
    """Apply the migrations to MARAC_DATABASE_URL."""
    from marac.db import upgrade

    upgrade(get_settings().database.url, revision)
    click.echo(f"database at {revision}")


@main.group()
def user() -> None:
    """User accounts."""


@user.command("add")
@click.option("--email", required=True)
@click.option("--name", required=True)
@click.option("--area", "area_slug", help="area slug for the roles")
@click.option("--role", "roles", multiple=True, help="admin, coordinator, chair, representative or referrer")
@click.option("--agency", "agency_name", help="agency name within the area")
@click.option("--system-admin", is_flag=True, help="may create areas and manage every area")
@click.password_option(prompt="Password (12+ characters)")
def user_add(
    email: str,
    name: str,
    area_slug: str | None,
    roles: tuple[str, ...],
    agency_name: str | None,
    system_admin: bool,
    password: str,
) -> None:
    """Create a user (the first system administrator is made this way)."""
    from marac.access.commands import add_user

    try:
        created = asyncio.run(
            add_user(email, name, password, area_slug, list(roles), agency_name, system_admin)
        )
    except Exception as exc:  # shown to the operator as a message, not a traceback
        raise click.ClickException(str(exc)) from exc
    click.echo(f"created user {created}")


@main.group()
def audit() -> None:
    """The audit log."""


@audit.command("verify")
def audit_verify() -> None:
    """Check the hash chain; exits 1 and names the first broken event if any row was altered or removed."""
    from marac import audit as audit_log
    from marac.runtime import Runtime

    async def run() -> audit_log.VerifyResult:
        runtime = Runtime.build()
        try:
            async with runtime.sessions() as session:
                return await audit_log.verify(session)
        finally:
            await runtime.engine.dispose()

    result = asyncio.run(run())
    if result.ok:
        click.echo(f"audit log intact: {result.checked} events verified")
        return
    click.echo(
        f"audit log BROKEN at event {result.broken_at}: {result.reason} "
        f"({result.checked} events before it verified)",
        err=True,
    )
    sys.exit(1)


@main.command()
@click.option("--out", "out_dir", required=True, type=click.Path(file_okay=False, path_type=Path))
@click.option("--serve", "then_serve", is_flag=True, help="start the service on the demo data afterwards")
@click.option("--port", default=8000, show_default=True, type=int)
def demo(out_dir: Path, then_serve: bool, port: int) -> None:
    """Build a fresh demo area in OUT/marac.db and write what people would receive into OUT."""
    from marac.demo import build_demo

    _configure_logging()
    out_dir = out_dir.resolve()
    result = asyncio.run(build_demo(out_dir))
    click.echo(result.summary())
    if then_serve:
        os.environ["MARAC_DATABASE_URL"] = result.database_url
        get_settings.cache_clear()
        serve.callback(host="127.0.0.1", port=port, workers=1, no_scheduler=False)  # type: ignore[misc]


if __name__ == "__main__":
    main()
