"""Passwords stored with scrypt, a memory-hard hash (stdlib `hashlib.scrypt`): each guess costs 32 MiB and ~0.1 s."""

from __future__ import annotations

import base64
import hashlib
import hmac
import os

# RFC 7914 parameters: N=2^15, r=8 takes 128·N·r = 32 MiB per hash.
SCRYPT_N, SCRYPT_R, SCRYPT_P = 2**15, 8, 1
MAX_MEMORY = 64 * 1024 * 1024
SALT_BYTES, KEY_BYTES = 16, 32
MIN_LENGTH = 10
SCHEME = "scrypt"


def _derive(password: str, salt: bytes, n: int, r: int, p: int) -> bytes:
    return hashlib.scrypt(password.encode("utf-8"), salt=salt, n=n, r=r, p=p, maxmem=MAX_MEMORY, dklen=KEY_BYTES)


def check_strength(password: str) -> None:
    """Refuses a password too short to resist guessing, saying what is needed."""
    if len(password) < MIN_LENGTH:
        raise ValueError(f"a password needs at least {MIN_LENGTH} characters (a few words make a good one)")


def hash_password(password: str) -> str:
    """`scrypt$N$r$p$salt$key`, salt and key base64: the parameters travel with the hash, so they can grow later."""
    check_strength(password)
    salt = os.urandom(SALT_BYTES)
    key = _derive(password, salt, SCRYPT_N, SCRYPT_R, SCRYPT_P)
    encoded = [base64.b64encode(part).decode("ascii") for part in (salt, key)]
    return "$".join([SCHEME, str(SCRYPT_N), str(SCRYPT_R), str(SCRYPT_P), *encoded])


def verify_password(password: str, stored: str | None) -> bool:
    """True when `password` matches `stored`; with no stored hash it spends the same time and says False, so a
    wrong user name cannot be told from a wrong password by timing."""
    if stored is None:
        _derive(password, b"\0" * SALT_BYTES, SCRYPT_N, SCRYPT_R, SCRYPT_P)
        return False
    scheme, n, r, p, salt, key = stored.split("$")
    if scheme != SCHEME:
        raise ValueError(f"unknown password scheme {scheme!r}")
    derived = _derive(password, base64.b64decode(salt), int(n), int(r), int(p))
    return hmac.compare_digest(derived, base64.b64decode(key))
