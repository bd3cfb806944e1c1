"""Identifying fields never reach the database in plaintext; matching works on keyed hashes."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy import make_url, select

from marac.cases.identity import FieldCipher
from marac.cases.models import Person
from marac.cases.people import Protector
from marac.runtime import Runtime
from marac.settings import get_settings
from tests.cases.builders import referral_body, submit
from tests.factories import World

Client = AsyncTestClient[Litestar]

VICTIM = {
    "forename": "Zephyrine",
    "surname": "Quillfeatherby",
    "aliases": ["Zeph Quill"],
    "birth_date": "1991-07-19",
    "address": "12 Nowhere Lane, Imaginary Town",
    "gender": "female",
}
PERPETRATOR = {"forename": "Balthazar", "surname": "Grimsnockle", "birth_date": "1984-02-29"}
CHILD = {"forename": "Pipkin", "surname": "Grimsnockle", "birth_date": "2019-05-06"}
SECRETS = [
    "Zephyrine", "Quillfeatherby", "Zeph Quill", "Nowhere Lane", "Balthazar", "Grimsnockle", "Pipkin",
    "1991-07-19", "1984-02-29", "2019-05-06", "19910719", "Ring the sister first", "He said he would",
]  # fmt: skip


def _database_bytes(db_url: str) -> bytes:
    path = Path(make_url(db_url).database or "")
    # With WAL journalling the newest pages may still be in the -wal file.
    return b"".join(p.read_bytes() for p in (path, Path(f"{path}-wal")) if p.exists())


async def test_the_raw_database_file_holds_no_names_or_birth_dates(
    client: Client, world: World, runtime: Runtime, backend: str, db_url: str
) -> None:
    if backend != "sqlite":
        pytest.skip("reads the SQLite file itself")
    body = referral_body(
        victim=VICTIM,
        perpetrators=[PERPETRATOR],
        children=[CHILD],
        safe_contact="Ring the sister first",
        professional_judgement=True,
        judgement_reasons="He said he would find her wherever she goes",
    )
    referral = await submit(client, world, body)
    # The details are there for those allowed to read them...
    case = (
        await client.get(f"/api/v1/cases/{referral['case_id']}", headers=world.auth("coordinator"))
    ).json()
    assert case["victim"]["surname"] == "Quillfeatherby"
    assert case["children"][0]["birth_date"] == "2019-05-06"
    await runtime.engine.dispose()
    # ...but not in the file, in any common encoding.
    raw = _database_bytes(db_url)
    assert len(raw) > 10_000
    for secret in SECRETS:
        for encoded in (secret.encode(), secret.encode("utf-16-le"), secret.lower().encode()):
            assert encoded not in raw, secret


async def test_people_are_stored_as_ciphertext_bound_to_their_field(
    client: Client, world: World, runtime: Runtime
) -> None:
    await submit(client, world, referral_body(victim=VICTIM))
    protector = Protector.from_settings(get_settings().security)
    async with runtime.transaction() as session:
        index = protector.name_index("Quillfeatherby", "Zephyrine", date(1991, 7, 19))
        victim = await session.scalar(select(Person).where(Person.blind_index == index))
    assert victim is not None
    assert victim.surname_enc.startswith("v1.")
    assert protector.cipher.decrypt(victim.surname_enc, context="person.surname") == "Quillfeatherby"
    # A token copied into another field does not decrypt there.
    with pytest.raises(ValueError, match="altered or belongs to another field"):
        protector.cipher.decrypt(victim.surname_enc, context="person.forename")
    # Another key cannot read it, and the blind index is no plain hash of the name.
    with pytest.raises(ValueError, match="not among the configured keys"):
        FieldCipher(["some other key"]).decrypt(victim.surname_enc, context="person.surname")
    assert victim.blind_index is not None
    assert len(victim.blind_index) == 64


async def test_an_older_data_key_still_reads_after_rotation(
    client: Client, world: World, runtime: Runtime
) -> None:
    await submit(client, world, referral_body(victim=VICTIM))
    settings = get_settings().security
    rotated = Protector(FieldCipher(["the new data key", *settings.data_keys]), settings.index_key.encode())
    async with runtime.transaction() as session:
        index = rotated.name_index("Quillfeatherby", "Zephyrine", date(1991, 7, 19))
        victim = await session.scalar(select(Person).where(Person.blind_index == index))
    assert victim is not None
    assert rotated.cipher.decrypt(victim.surname_enc, context="person.surname") == "Quillfeatherby"
    assert rotated.cipher.needs_rotation(victim.surname_enc)
