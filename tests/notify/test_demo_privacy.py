"""The demo's whole cycle: nothing in OUT/mail or OUT/calendar names a victim, perpetrator or child, or
gives their birth date or address.  The identifying values are read back from the demo database."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

from sqlalchemy import select

from marac.cases.models import Person
from marac.cases.people import PersonDetails, Protector, reveal
from marac.db import create_engine
from marac.demo import build_demo
from marac.settings import get_settings

from .test_privacy import texts


def spellings(person: PersonDetails) -> Iterator[str]:
    yield from (person.forename, person.surname, person.full_name, *person.aliases)
    if person.birth_date is not None:
        born = person.birth_date
        yield from (born.isoformat(), f"{born:%d/%m/%Y}", f"{born.day} {born:%B %Y}", f"{born:%Y%m%d}")
    if person.address:
        yield person.address
        yield from (part.strip() for part in person.address.split(",") if len(part.strip()) > 4)


async def people_of(database_url: str) -> list[PersonDetails]:
    protector = Protector.from_settings(get_settings().security)
    engine = create_engine(database_url)
    try:
        async with engine.connect() as connection:
            rows = (await connection.execute(select(Person))).all()
    finally:
        await engine.dispose()
    return [reveal(protector, Person(**row._asdict())) for row in rows]


async def test_demo_mail_and_calendars_carry_no_identifying_details(tmp_path: Path) -> None:
    result = await build_demo(tmp_path / "demo")

    people = await people_of(result.database_url)
    outputs = [*(tmp_path / "demo" / "mail").glob("*.eml"), *(tmp_path / "demo" / "calendar").glob("*.ics")]
    everything = "\n".join(text for path in outputs for text in texts(path.read_bytes())).casefold()

    assert len(people) >= 20
    assert sum(path.suffix == ".eml" for path in outputs) >= 20
    assert sum(path.suffix == ".ics" for path in outputs) >= 5
    assert "r-20" in everything  # referral references do reach the coordinator's notices
    forbidden = {value.casefold() for person in people for value in spellings(person) if len(value) > 2}
    # Whole words only: a forename like "Mark" must not match "marking".
    assert (
        sorted(value for value in forbidden if re.search(rf"(?<!\w){re.escape(value)}(?!\w)", everything))
        == []
    )
