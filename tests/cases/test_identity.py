"""Identity protection: name normalisation, blind indexes, near matches and field encryption."""

from __future__ import annotations

import base64
from datetime import date

import pytest

from marac.cases.identity import (
    DecryptionError,
    FieldCipher,
    blind_index,
    derive_key,
    name_similarity,
    normalise_name,
    partial_index,
)

KEY = b"index master key for tests"
DOB = date(1990, 2, 14)
HEX = set("0123456789abcdef")


@pytest.mark.parametrize(
    ("raw", "normalised"),
    [
        ("  O'Brien ", "obrien"),
        ("O\u2019Brien", "obrien"),
        ("Anne-Marie", "anne marie"),
        ("ANNE   marie", "anne marie"),
        ("Åsa Öberg", "asa oberg"),
        ("José  García-Márquez", "jose garcia marquez"),
        ("Søren Ærø", "soren aero"),
        ("Straße", "strasse"),
        ("Nguyễn", "nguyen"),
        ("Smith, Jr.", "smith jr"),
        ("", ""),
    ],
)
def test_normalise_name(raw: str, normalised: str) -> None:
    assert normalise_name(raw) == normalised


@pytest.mark.parametrize(
    ("surname", "forename"),
    [
        ("o'brien", "anne-marie"),
        ("O BRIEN", "Anne Marie"),
        ("  OBrien", "annemarie "),
        ("O\u2019Brién", "Anne\u2013Marie"),
    ],
)
def test_blind_index_is_stable_across_case_accents_and_spacing(surname: str, forename: str) -> None:
    assert blind_index(KEY, surname, forename, DOB) == blind_index(KEY, "O'Brien", "Anne-Marie", DOB)


def test_blind_index_differs_by_key_field_and_birth_date() -> None:
    reference = blind_index(KEY, "Ahmed", "Sara", DOB)
    assert len(reference) == 64
    assert set(reference) <= HEX
    assert blind_index(b"another area's key", "Ahmed", "Sara", DOB) != reference
    assert blind_index(KEY, "Ahmed", "Sarah", DOB) != reference
    assert blind_index(KEY, "Ahmed", "Sara", date(1990, 2, 15)) != reference
    # Swapping surname and forename is a different person record, not the same index.
    assert blind_index(KEY, "Sara", "Ahmed", DOB) != reference


def test_blind_index_reveals_neither_name_nor_key() -> None:
    index = blind_index(KEY, "Ahmed", "Sara", DOB)
    assert "ahmed" not in index
    assert "1990" not in index
    # The index key is derived for its purpose, not the master itself.
    assert derive_key(KEY, b"marac/blind-index/name-dob/v1") != KEY


def test_partial_index_matches_on_birth_date_only() -> None:
    assert partial_index(KEY, DOB) == partial_index(KEY, date(1990, 2, 14))
    assert partial_index(KEY, DOB) != partial_index(KEY, date(1990, 2, 15))
    assert partial_index(KEY, DOB) != partial_index(b"other", DOB)
    # Derived separately, so it is not the full index of an empty name.
    assert partial_index(KEY, DOB) != blind_index(KEY, "", "", DOB)


@pytest.mark.parametrize(
    ("a", "b", "low", "high"),
    [
        ("Anne-Marie O'Brien", "anne marie obrien", 1.0, 1.0),
        ("Marie Anne", "Anne Marie", 1.0, 1.0),
        ("Katherine Smith", "Catherine Smyth", 0.9, 0.99),
        ("Jon Smith", "John Smith", 0.9, 0.99),
        ("Mohammed Khan", "Muhammad Khan", 0.75, 0.95),
        ("Sara Ahmed", "Peter Jones", 0.0, 0.4),
        ("", "Anne", 0.0, 0.0),
    ],
)
def test_name_similarity(a: str, b: str, low: float, high: float) -> None:
    assert low <= name_similarity(a, b) <= high
    assert name_similarity(a, b) == name_similarity(b, a)


# --- field encryption ---------------------------------------------------------------------------


def test_round_trip_with_a_versioned_token() -> None:
    cipher = FieldCipher(["current data key"])
    token = cipher.encrypt("Sara Ahmed, 14 Elm Road")
    version, key_id, body = token.split(".")
    assert (version, key_id) == ("v1", cipher.current_key_id)
    assert len(key_id) == 8
    assert set(key_id) <= HEX
    assert body
    assert cipher.decrypt(token) == "Sara Ahmed, 14 Elm Road"
    assert cipher.decrypt(cipher.encrypt("")) == ""
    assert cipher.decrypt(cipher.encrypt("Åsa Öberg")) == "Åsa Öberg"


def test_ciphertext_contains_no_plaintext_and_differs_each_time() -> None:
    cipher = FieldCipher(["current data key"])
    first, second = cipher.encrypt("Ahmed"), cipher.encrypt("Ahmed")
    assert first != second  # random nonce
    for token in (first, second):
        body = token.split(".")[2]
        raw = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
        assert b"Ahmed" not in raw
        assert "Ahmed" not in token


def test_rotation_old_key_decrypts_and_values_move_to_the_new_key() -> None:
    old = FieldCipher(["old data key"])
    token = old.encrypt("Sara Ahmed")
    rotated = FieldCipher(["new data key", "old data key"])
    assert rotated.key_ids == (rotated.current_key_id, old.current_key_id)
    assert rotated.needs_rotation(token)
    assert rotated.decrypt(token) == "Sara Ahmed"
    fresh = rotated.rotate(token)
    assert not rotated.needs_rotation(fresh)
    assert rotated.rotate(fresh) == fresh
    assert FieldCipher(["new data key"]).decrypt(fresh) == "Sara Ahmed"
    with pytest.raises(DecryptionError, match="not among the configured keys") as error:
        FieldCipher(["new data key"]).decrypt(token)
    assert error.value.key_id == old.current_key_id


def _flip_bit(token: str, position: int) -> str:
    header, body = token.rsplit(".", 1)
    raw = bytearray(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    raw[position] ^= 0x01
    return f"{header}.{base64.urlsafe_b64encode(bytes(raw)).decode().rstrip('=')}"


@pytest.mark.parametrize("position", [0, 12, -1], ids=["nonce", "ciphertext", "tag"])
def test_tampered_token_is_rejected_clearly(position: int) -> None:
    cipher = FieldCipher(["current data key"])
    token = cipher.encrypt("Sara Ahmed")
    with pytest.raises(DecryptionError, match="altered"):
        cipher.decrypt(_flip_bit(token, position))


def test_token_relabelled_with_another_key_id_is_rejected() -> None:
    cipher = FieldCipher(["new data key", "old data key"])
    token = cipher.encrypt("Sara Ahmed")
    _, old_id = cipher.key_ids
    with pytest.raises(DecryptionError, match="altered"):
        cipher.decrypt(token.replace(cipher.current_key_id, old_id))


def test_token_moved_to_another_field_is_rejected() -> None:
    cipher = FieldCipher(["current data key"])
    token = cipher.encrypt("1990-02-14", context="person.dob")
    assert cipher.decrypt(token, context="person.dob") == "1990-02-14"
    with pytest.raises(DecryptionError, match="another field"):
        cipher.decrypt(token, context="person.surname")


@pytest.mark.parametrize(
    "token",
    ["", "Sara Ahmed", "v2.abcdef12.AAAA", "v1.abc.AAAA", "v1.abcdef12.%%%%", "v1.abcdef12.AAAA"],
)
def test_malformed_tokens_are_rejected(token: str) -> None:
    cipher = FieldCipher(["current data key"])
    with pytest.raises(DecryptionError):
        cipher.decrypt(token)


def test_cipher_needs_at_least_one_key() -> None:
    with pytest.raises(ValueError, match="one or more keys"):
        FieldCipher([])
    with pytest.raises(ValueError, match="one or more keys"):
        FieldCipher("a single string is not a list of keys")
    with pytest.raises(ValueError, match="empty"):
        FieldCipher([""])
