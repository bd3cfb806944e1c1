"""Protecting identifying fields: normalised names, blind indexes and field encryption.

Names and dates of birth are stored encrypted (:class:`FieldCipher`); matching for repeats and duplicates
uses keyed hashes of the normalised name and date of birth (:func:`blind_index`), so nothing in the
database can be matched against a list of names without the key.  Each use gets its own key derived from
the master with HKDF, so a leaked index key reveals nothing about the encryption key and the other way
round.

A blind index must stay stable for as long as records are matched on it: derive its key from a master
that is not rotated with the encryption keys (or recompute every index when it changes).
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import hashlib
import hmac
import os
import unicodedata
from collections.abc import Sequence
from difflib import SequenceMatcher
from functools import lru_cache

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

CIPHER_FORMAT = "v1"
_NONCE_BYTES = 12
_INFO_CIPHER = b"marac/field-cipher/v1"
_INFO_BLIND_INDEX = b"marac/blind-index/name-dob/v1"
_INFO_PARTIAL_INDEX = b"marac/blind-index/dob/v1"
# Unit separator: cannot occur in a normalised name, so "ann", "emarie" never hashes like "anne", "marie".
_SEPARATOR = "\x1f"

# Apostrophes join the parts of a name (O'Brien -> obrien); other punctuation separates words.
_APOSTROPHES = frozenset("'\u2018\u2019\u02bc\u02bb`\u00b4")
# Letters that Unicode does not decompose into a base letter plus an accent.
_FOLDS = str.maketrans(
    {"ø": "o", "æ": "ae", "œ": "oe", "đ": "d", "ð": "d", "þ": "th", "ł": "l", "\u0131": "i", "ħ": "h"}
)


class DecryptionError(ValueError):
    """A stored token that cannot be decrypted: malformed, from an unknown key, or altered."""

    def __init__(self, reason: str, key_id: str | None = None) -> None:
        super().__init__(f"encrypted value cannot be read: {reason}")
        self.key_id = key_id


def normalise_name(name: str) -> str:
    """A name in the form used for matching: lower case, no accents, no punctuation, single spaces.

    "  O'Brien " -> "obrien", "Anne-Marie" -> "anne marie", "Åsa Öberg" -> "asa oberg".
    """
    decomposed = unicodedata.normalize("NFKD", name.casefold())
    letters: list[str] = []
    for char in decomposed:
        if unicodedata.combining(char) or char in _APOSTROPHES:
            continue
        letters.append(char if char.isalnum() else " ")
    return " ".join("".join(letters).translate(_FOLDS).split())


def _compact(name: str) -> str:
    """The normalised name without spaces, so "Anne Marie", "Anne-Marie" and "AnneMarie" match."""
    return normalise_name(name).replace(" ", "")


def derive_key(master: bytes | str, purpose: bytes, length: int = 32) -> bytes:
    """A key for one purpose, derived from a master secret with HKDF-SHA256."""
    secret = master.encode("utf-8") if isinstance(master, str) else master
    if not secret:
        raise ValueError("the master key is empty")
    return HKDF(algorithm=hashes.SHA256(), length=length, salt=None, info=purpose).derive(secret)


@lru_cache(maxsize=16)
def _index_key(master: bytes, purpose: bytes) -> bytes:
    # Cached because matching computes many indexes under the same master.
    return derive_key(master, purpose)


def blind_index(key: bytes, surname: str, forename: str, dob: dt.date) -> str:
    """Keyed hash (HMAC-SHA256, hex) of normalised surname, forename and date of birth.

    Stable across case, accents, punctuation and spacing; different under a different key.
    """
    message = _SEPARATOR.join((_compact(surname), _compact(forename), dob.isoformat()))
    digest = hmac.new(_index_key(key, _INFO_BLIND_INDEX), message.encode("utf-8"), hashlib.sha256)
    return digest.hexdigest()


def partial_index(key: bytes, dob: dt.date) -> str:
    """Keyed hash of the date of birth alone: finds candidates for a near match on the name."""
    digest = hmac.new(_index_key(key, _INFO_PARTIAL_INDEX), dob.isoformat().encode("ascii"), hashlib.sha256)
    return digest.hexdigest()


def _sound_key(name: str) -> str:
    """A rough phonetic key: spellings that sound alike (Smith/Smyth, Katherine/Catherine) agree."""
    text = _compact(name)
    for old, new in (("ph", "f"), ("ck", "k"), ("th", "t"), ("sch", "sh"), ("gh", "g")):
        text = text.replace(old, new)
    text = text.translate(str.maketrans("cqzyw", "kksiv"))
    if not text:
        return ""
    head, tail = text[0], "".join(ch for ch in text[1:] if ch not in "aeiouh")
    collapsed = [head]
    for char in tail:
        if char != collapsed[-1]:
            collapsed.append(char)
    return "".join(collapsed)


def name_similarity(a: str, b: str) -> float:
    """How alike two names are, from 0.0 to 1.0, after normalisation.

    Word order is ignored ("Marie Anne" = "Anne Marie"); names that sound alike score at least 0.9.
    An empty name matches nothing.
    """
    words_a, words_b = sorted(normalise_name(a).split()), sorted(normalise_name(b).split())
    if not words_a or not words_b:
        return 0.0
    left, right = "".join(words_a), "".join(words_b)
    ratio = SequenceMatcher(None, left, right, autojunk=False).ratio()
    if ratio < 1.0 and _sound_key(left) == _sound_key(right):
        return max(ratio, 0.9)
    return ratio


class FieldCipher:
    """AES-256-GCM for identifying fields, with key rotation.

    ``keys`` are the ``MARAC_DATA_KEY`` strings, newest first: the first encrypts, all decrypt.  Tokens
    read ``v1.<key id>.<base64url(nonce + ciphertext)>``; the key id is the first 8 hex digits of the
    SHA-256 of the derived key, so it names a key without revealing it.  The version and key id are
    authenticated too, and an optional ``context`` (e.g. "person.surname") binds a token to its field so
    it cannot be copied into another.
    """

    def __init__(self, keys: Sequence[str]) -> None:
        if isinstance(keys, str) or not keys:
            raise ValueError("FieldCipher needs a sequence of one or more keys, newest first")
        self._ciphers: dict[str, AESGCM] = {}
        self._current = ""
        for master in keys:
            derived = derive_key(master, _INFO_CIPHER)
            key_id = hashlib.sha256(derived).hexdigest()[:8]
            self._ciphers.setdefault(key_id, AESGCM(derived))
            self._current = self._current or key_id

    @property
    def current_key_id(self) -> str:
        """The id of the key that new tokens are encrypted under."""
        return self._current

    @property
    def key_ids(self) -> tuple[str, ...]:
        """Every key id this cipher can decrypt, current first."""
        return tuple(self._ciphers)

    def encrypt(self, plaintext: str, *, context: str = "") -> str:
        """Encrypt under the current key with a fresh random nonce."""
        header = f"{CIPHER_FORMAT}.{self._current}"
        nonce = os.urandom(_NONCE_BYTES)
        sealed = self._ciphers[self._current].encrypt(nonce, plaintext.encode("utf-8"), _aad(header, context))
        body = base64.urlsafe_b64encode(nonce + sealed).decode("ascii").rstrip("=")
        return f"{header}.{body}"

    def decrypt(self, token: str, *, context: str = "") -> str:
        """Decrypt with the key named in the token; raises :class:`DecryptionError` if it cannot."""
        key_id, nonce, sealed = self._parse(token)
        cipher = self._ciphers.get(key_id)
        if cipher is None:
            raise DecryptionError(f"key {key_id} is not among the configured keys", key_id)
        try:
            plaintext = cipher.decrypt(nonce, sealed, _aad(f"{CIPHER_FORMAT}.{key_id}", context))
        except InvalidTag:
            raise DecryptionError("it has been altered or belongs to another field", key_id) from None
        return plaintext.decode("utf-8")

    def needs_rotation(self, token: str) -> bool:
        """True when the token was encrypted under a key other than the current one."""
        key_id, _, _ = self._parse(token)
        return key_id != self._current

    def rotate(self, token: str, *, context: str = "") -> str:
        """The same value under the current key (the token itself when it already is)."""
        if not self.needs_rotation(token):
            return token
        return self.encrypt(self.decrypt(token, context=context), context=context)

    @staticmethod
    def _parse(token: str) -> tuple[str, bytes, bytes]:
        parts = token.split(".") if isinstance(token, str) else []
        if len(parts) != 3 or parts[0] != CIPHER_FORMAT or len(parts[1]) != 8:
            raise DecryptionError(f"not a {CIPHER_FORMAT} token")
        key_id, body = parts[1], parts[2]
        try:
            raw = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
        except (binascii.Error, ValueError):
            raise DecryptionError("the encrypted part is not base64", key_id) from None
        # A GCM tag alone is 16 bytes; anything shorter cannot be a token.
        if len(raw) < _NONCE_BYTES + 16:
            raise DecryptionError("the encrypted part is too short", key_id)
        return key_id, raw[:_NONCE_BYTES], raw[_NONCE_BYTES:]


def _aad(header: str, context: str) -> bytes:
    return f"{header}|{context}".encode()
