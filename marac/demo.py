"""``marac demo``: a fresh demo area, played through the real services on a simulated clock.

The demo database lives in ``OUT/marac.db`` so that running it never touches the service's own data;
what people would receive is written under ``OUT/mail``, ``OUT/docs`` and ``OUT/calendar``.
"""

from __future__ import annotations

import dataclasses
import importlib
import shutil
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from marac.access import schemas, services
from marac.access.guards import Actor
from marac.access.models import Agency, AgencyKind, Area, Role, User
from marac.clock import FixedClock
from marac.db import create_engine, upgrade_async
from marac.runtime import Runtime
from marac.settings import get_settings

DEMO_PASSWORD = "demo-password-2026"  # noqa: S105 - printed for people trying the demo, never used elsewhere

AGENCIES: list[tuple[str, AgencyKind]] = [
    ("North Shire Police", AgencyKind.POLICE),
    ("North Shire Children's Social Care", AgencyKind.CHILDRENS_SOCIAL_CARE),
    ("North Shire Adult Social Care", AgencyKind.ADULT_SOCIAL_CARE),
    ("Riverside Hospital", AgencyKind.HEALTH_ACUTE),
    ("Riverside GP Federation", AgencyKind.HEALTH_PRIMARY),
    ("North Shire Mental Health Trust", AgencyKind.MENTAL_HEALTH),
    ("Northgate Housing", AgencyKind.HOUSING),
    ("Probation Service North", AgencyKind.PROBATION),
    ("Safe Steps IDVA Service", AgencyKind.IDVA),
    ("North Shire Education Safeguarding", AgencyKind.EDUCATION),
    ("Turning Point Recovery", AgencyKind.SUBSTANCE_MISUSE),
]

# (email local part, name, agency index or None, roles)
PEOPLE: list[tuple[str, str, int | None, list[Role]]] = [
    ("admin", "Alex Admin", None, [Role.ADMIN]),
    ("coordinator", "Casey Coordinator", 8, [Role.COORDINATOR]),
    ("chair", "Chris Chair", 0, [Role.CHAIR, Role.REPRESENTATIVE]),
    ("police.rep", "Pat Police", 0, [Role.REPRESENTATIVE]),
    ("police.referrer", "Robin Referrer", 0, [Role.REFERRER]),
    ("csc.rep", "Sam Social", 1, [Role.REPRESENTATIVE]),
    ("csc.referrer", "Jo Social", 1, [Role.REFERRER]),
    ("asc.rep", "Ash Adult", 2, [Role.REPRESENTATIVE]),
    ("hospital.rep", "Hari Health", 3, [Role.REPRESENTATIVE, Role.REFERRER]),
    ("gp.rep", "Gina GP", 4, [Role.REPRESENTATIVE]),
    ("mh.rep", "Morgan Mind", 5, [Role.REPRESENTATIVE]),
    ("housing.rep", "Harper Housing", 6, [Role.REPRESENTATIVE, Role.REFERRER]),
    ("probation.rep", "Parker Probation", 7, [Role.REPRESENTATIVE]),
    ("idva.rep", "Ira IDVA", 8, [Role.REPRESENTATIVE, Role.REFERRER]),
    ("education.rep", "Eden Education", 9, [Role.REPRESENTATIVE]),
    ("recovery.rep", "Remy Recovery", 10, [Role.REPRESENTATIVE]),
]


# Each domain plays its part of the cycle in turn; a module that does not exist yet is skipped.
DEMO_STEPS = (
    "marac.cases.demo",
    "marac.agenda.demo",
    "marac.notify.demo",
    "marac.actions.demo",
    "marac.agenda.packs_demo",
    "marac.reports.demo",
)


@dataclass
class DemoContext:
    """What every demo step works with: the runtime on a simulated clock, the area, its people, OUT."""

    runtime: Runtime
    clock: FixedClock
    area: Area
    agencies: dict[AgencyKind, Agency]
    users: dict[str, User]  # by email local part, e.g. "coordinator", "police.referrer"
    out_dir: Path
    system: Actor
    notes: list[str] = field(default_factory=list)  # printed in the summary
    shared: dict[str, object] = field(default_factory=dict)  # handed from one step to the next


@dataclass
class DemoResult:
    out_dir: Path
    database_url: str
    area: Area
    logins: list[tuple[str, str]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def summary(self) -> str:
        lines = [
            f"Demo area '{self.area.name}' built in {self.database_url}",
            f"Files people would receive are under {self.out_dir}",
            "",
            "To look around:",
            f"  MARAC_DATABASE_URL={self.database_url} marac serve",
            "  then open http://127.0.0.1:8000/ (API documentation at http://127.0.0.1:8000/schema)",
            "",
            f"Every demo account has the password {DEMO_PASSWORD}:",
        ]
        lines += [f"  {email:<42} {what}" for email, what in self.logins]
        if self.notes:
            lines += ["", "What happened:", *(f"  - {note}" for note in self.notes)]
        return "\n".join(lines)


async def build_demo(out_dir: Path, *, start: datetime | None = None) -> DemoResult:
    """Build the demo from scratch in ``out_dir`` and return how to log in."""
    out_dir.mkdir(parents=True, exist_ok=True)
    for sub in ("mail", "docs", "calendar"):
        shutil.rmtree(out_dir / sub, ignore_errors=True)
        (out_dir / sub).mkdir()
    db_path = out_dir / "marac.db"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{db_path}{suffix}").unlink(missing_ok=True)
    url = f"sqlite+aiosqlite:///{db_path}"
    await upgrade_async(url)
    clock = FixedClock(start or datetime.now(UTC).replace(microsecond=0) - timedelta(days=90))
    settings = get_settings()
    # Demo mail always goes to OUT/mail through the file transport, whatever the service is configured with.
    demo_mail = dataclasses.replace(settings.mail, smtp_url=None, mail_dir=out_dir / "mail")
    settings = dataclasses.replace(settings, mail=demo_mail)
    runtime = Runtime.build(settings, engine=create_engine(url), clock=clock)
    system = Actor.system("demo")
    try:
        async with runtime.transaction() as session:
            area = await services.create_area(
                session,
                clock,
                system,
                schemas.AreaCreate(
                    name="North Shire",
                    slug="north-shire",
                    timezone="Europe/London",
                    jurisdiction="GB-ENG",
                    settings={"coordinator_mailbox": "marac.coordinator@north-shire.example"},
                ),
            )
            agencies = [
                await services.create_agency(
                    session,
                    clock,
                    system,
                    area.id,
                    schemas.AgencyCreate(
                        name=name, kind=kind, contact_email=f"marac.{kind.value}@north-shire.example"
                    ),
                )
                for name, kind in AGENCIES
            ]
            logins: list[tuple[str, str]] = []
            users: dict[str, User] = {}
            for local, name, agency_index, roles in PEOPLE:
                email = f"{local}@north-shire.example"
                agency = agencies[agency_index] if agency_index is not None else None
                users[local] = await services.create_user(
                    session,
                    clock,
                    system,
                    area.id,
                    schemas.UserCreate(
                        email=email,
                        name=name,
                        agency_id=agency.id if agency else None,
                        roles=roles,
                        password=DEMO_PASSWORD,
                    ),
                )
                what = ", ".join(r.value for r in roles) + (f" — {agency.name}" if agency else "")
                logins.append((email, what))
            users["admin"].is_system_admin = True
        context = DemoContext(runtime, clock, area, {a.kind: a for a in agencies}, users, out_dir, system)
        for module_name in DEMO_STEPS:
            try:
                module = importlib.import_module(module_name)
            except ModuleNotFoundError as exc:
                if exc.name != module_name:
                    raise
                continue
            await module.play(context)
        return DemoResult(out_dir, url, area, logins, context.notes)
    finally:
        await runtime.engine.dispose()
