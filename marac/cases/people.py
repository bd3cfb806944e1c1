"""People in a case: encrypting what identifies them, indexing it for matching, and reading it back.

Services receive a :class:`Protector` (built from the security settings by the caller) instead of
reading keys from anywhere themselves, so that the CLI, the scheduler, tests and benchmarks can each
hand in their own.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from functools import lru_cache

from marac.cases import schemas
from marac.cases.identity import FieldCipher, blind_index, name_similarity, normalise_name, partial_index
from marac.cases.models import Person
from marac.errors import FieldProblem
from marac.settings import SecuritySettings

# Names at least this alike (with the same birth date) are offered to the coordinator as a possible match.
NEAR_MATCH_THRESHOLD = 0.85


@dataclass(frozen=True)
class Protector:
    """Encrypts identifying fields and computes the blind indexes used to match people."""

    cipher: FieldCipher
    index_key: bytes
    near_match_threshold: float = NEAR_MATCH_THRESHOLD

    @classmethod
    def from_settings(cls, security: SecuritySettings) -> Protector:
        """The protector for the configured ``MARAC_DATA_KEY`` (with older keys) and ``MARAC_INDEX_KEY``."""
        return _protector(tuple(security.data_keys), security.index_key)

    def seal(self, value: str | None, context: str) -> str | None:
        """Encrypt ``value`` for one field (``None`` and blank stay ``None``)."""
        if value is None or not value.strip():
            return None
        return self.cipher.encrypt(value.strip(), context=context)

    def open(self, token: str | None, context: str) -> str | None:
        """Decrypt a token written by :meth:`seal` for the same field."""
        return None if token is None else self.cipher.decrypt(token, context=context)

    def name_index(self, surname: str, forename: str, birth_date: date | None) -> str | None:
        """Blind index of name and birth date; ``None`` without a birth date (nothing to match on)."""
        return None if birth_date is None else blind_index(self.index_key, surname, forename, birth_date)

    def birth_date_index(self, birth_date: date | None) -> str | None:
        """Blind index of the birth date alone, for near matches."""
        return None if birth_date is None else partial_index(self.index_key, birth_date)


@lru_cache(maxsize=8)
def _protector(data_keys: tuple[str, ...], index_key: str) -> Protector:
    # Cached: deriving the keys is cheap but not free, and every request needs the same protector.
    return Protector(FieldCipher(data_keys), index_key.encode("utf-8"))


@dataclass(frozen=True)
class PersonDetails:
    """A person with the identifying fields decrypted; only ever built for someone allowed to see it."""

    id: uuid.UUID
    forename: str
    surname: str
    aliases: tuple[str, ...]
    birth_date: date | None
    address: str | None
    gender: str | None
    ethnicity: str | None
    disability: bool | None
    lgbt: bool | None

    @property
    def full_name(self) -> str:
        return f"{self.forename} {self.surname}"

    def as_schema(self) -> schemas.Person:
        return schemas.Person(
            id=self.id,
            forename=self.forename,
            surname=self.surname,
            aliases=list(self.aliases),
            birth_date=self.birth_date,
            address=self.address,
            gender=self.gender,
            ethnicity=self.ethnicity,
            disability=self.disability,
            lgbt=self.lgbt,
        )


def name_problems(person: schemas.PersonCreate, where: str) -> list[FieldProblem]:
    """Names must hold at least one letter or digit once punctuation and spaces are gone."""
    return [
        FieldProblem(f"{where}.{field}", "must contain letters")
        for field in ("forename", "surname")
        if not normalise_name(getattr(person, field))
    ]


def new_person(protector: Protector, area_id: uuid.UUID, data: schemas.PersonCreate, now: datetime) -> Person:
    """A person record holding only ciphertext and blind indexes of what identifies them."""
    person = Person(
        area_id=area_id,
        forename_enc=protector.cipher.encrypt(data.forename.strip(), context="person.forename"),
        surname_enc=protector.cipher.encrypt(data.surname.strip(), context="person.surname"),
        blind_index=protector.name_index(data.surname, data.forename, data.birth_date),
        birth_date_index=protector.birth_date_index(data.birth_date),
        created_at=now,
    )
    _set_aliases(protector, person, _clean_aliases(data.aliases))
    if data.birth_date is not None:
        person.birth_date_enc = protector.seal(data.birth_date.isoformat(), "person.birth_date")
    person.address_enc = protector.seal(data.address, "person.address")
    person.gender, person.ethnicity = data.gender, data.ethnicity
    person.disability, person.lgbt = data.disability, data.lgbt
    return person


def refresh_person(protector: Protector, person: Person, data: schemas.PersonCreate) -> list[str]:
    """Bring a matched person up to date with a new referral; returns the names of changed fields.

    The newest address wins, aliases accumulate, diversity fields are filled in or corrected; names and
    birth date stay, since they are what the person was matched on.
    """
    changed: list[str] = []
    if data.address and data.address.strip() != protector.open(person.address_enc, "person.address"):
        person.address_enc = protector.seal(data.address, "person.address")
        changed.append("address")
    known = list(aliases_of(protector, person))
    added = [alias for alias in _clean_aliases(data.aliases) if alias not in known]
    if added:
        _set_aliases(protector, person, known + added)
        changed.append("aliases")
    for field in ("gender", "ethnicity", "disability", "lgbt"):
        value = getattr(data, field)
        if value is not None and value != getattr(person, field):
            setattr(person, field, value)
            changed.append(field)
    return changed


def aliases_of(protector: Protector, person: Person) -> tuple[str, ...]:
    text = protector.open(person.aliases_enc, "person.aliases")
    return tuple(json.loads(text)) if text else ()


def reveal(protector: Protector, person: Person) -> PersonDetails:
    """Decrypt a person for display.  Callers check access and write the audit entry."""
    birth = protector.open(person.birth_date_enc, "person.birth_date")
    return PersonDetails(
        id=person.id,
        forename=protector.cipher.decrypt(person.forename_enc, context="person.forename"),
        surname=protector.cipher.decrypt(person.surname_enc, context="person.surname"),
        aliases=aliases_of(protector, person),
        birth_date=date.fromisoformat(birth) if birth else None,
        address=protector.open(person.address_enc, "person.address"),
        gender=person.gender,
        ethnicity=person.ethnicity,
        disability=person.disability,
        lgbt=person.lgbt,
    )


def similarity_to(protector: Protector, person: Person, forename: str, surname: str) -> float:
    """How alike the given name is to the person's name or any of their aliases (0.0 to 1.0)."""
    wanted = f"{forename} {surname}"
    # Only the names are decrypted: near matching looks at many candidates.
    known = f"{protector.cipher.decrypt(person.forename_enc, context='person.forename')} " + (
        protector.cipher.decrypt(person.surname_enc, context="person.surname")
    )
    return max(name_similarity(wanted, name) for name in (known, *aliases_of(protector, person)))


def same_name(protector: Protector, person: Person, forename: str, surname: str) -> bool:
    """Exactly the same name once normalised (used when no birth date allows a blind index)."""
    known = (
        protector.cipher.decrypt(person.forename_enc, context="person.forename"),
        protector.cipher.decrypt(person.surname_enc, context="person.surname"),
    )
    return _key(*known) == _key(forename, surname)


def age_on(birth_date: date | None, day: date) -> int | None:
    """Age in whole years on ``day``."""
    if birth_date is None:
        return None
    return day.year - birth_date.year - ((day.month, day.day) < (birth_date.month, birth_date.day))


def youngest_age(people: Sequence[schemas.PersonCreate], day: date) -> int | None:
    ages = [age for person in people if (age := age_on(person.birth_date, day)) is not None]
    return min(ages, default=None)


def _key(forename: str, surname: str) -> tuple[str, str]:
    return normalise_name(forename).replace(" ", ""), normalise_name(surname).replace(" ", "")


def _clean_aliases(aliases: Sequence[str]) -> list[str]:
    cleaned: list[str] = []
    for alias in aliases:
        text = " ".join(alias.split())
        if text and text not in cleaned:
            cleaned.append(text)
    return cleaned


def _set_aliases(protector: Protector, person: Person, aliases: list[str]) -> None:
    person.aliases_enc = protector.seal(json.dumps(aliases), "person.aliases") if aliases else None
