"""The CDP's hashing key: one secret per installation that turns identifiers into keyed hashes (HMAC-SHA256).

A plain SHA-256 of an email can be reversed by hashing a list of candidate emails; a keyed hash cannot without
the key. The key lives beside the warehouse, owner-only, and must be backed up with it: without it the erased
identifiers no longer match, and a forgotten person would be loaded again.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
import tempfile
from functools import lru_cache
from pathlib import Path

import duckdb

from warehouse.paths import cdp_home

KEY_BYTES = 32
SHA256_BLOCK_BYTES = 64


def key_path() -> Path:
    return cdp_home() / "secrets" / "hash_key"


@lru_cache(maxsize=4)
def _key_at(path: Path) -> bytes:
    if not path.exists():
        path.parent.mkdir(mode=0o700, exist_ok=True)
        os.chmod(path.parent, 0o700)
        _create(path)
    return path.read_bytes().strip()


def _create(path: Path) -> None:
    """Writes a new key to a temporary file and links it into place, which fails if a key is there already: a
    process racing on first creation reads the whole key or the other's, never an empty or half-written file."""
    descriptor, temporary = tempfile.mkstemp(dir=path.parent, prefix=".hash_key.")  # mode 0600
    try:
        with os.fdopen(descriptor, "w") as handle:
            handle.write(secrets.token_hex(KEY_BYTES))
            handle.flush()
            os.fsync(handle.fileno())
        try:
            os.link(temporary, path)
        except FileExistsError:
            pass  # another process created it first: theirs is the key
    finally:
        os.unlink(temporary)


def hash_key() -> bytes:
    """The installation's key, created (mode 0600) on first use."""
    return _key_at(key_path())


def keyed_hash(value: str) -> str:
    """HMAC-SHA256 of `value` under the installation's key, hex-encoded."""
    return hmac.new(hash_key(), value.encode("utf-8"), hashlib.sha256).hexdigest()


def hmac_pads() -> tuple[bytes, bytes]:
    """The key's inner and outer HMAC-SHA256 pads (RFC 2104): what SQL needs to compute `keyed_hash` itself."""
    key = hash_key()
    if len(key) > SHA256_BLOCK_BYTES:
        key = hashlib.sha256(key).digest()
    key = key.ljust(SHA256_BLOCK_BYTES, b"\0")
    return bytes(k ^ 0x36 for k in key), bytes(k ^ 0x5C for k in key)


HASH_FUNCTION = "cdp_keyed_hash"


def register_keyed_hash(con: duckdb.DuckDBPyConnection) -> None:
    """`cdp_keyed_hash(text)` on `con`: `keyed_hash` (HMAC-SHA256) computed by DuckDB itself.

    A Python function called once per value took minutes on a 100k-customer warehouse. The macro is temporary, so
    the key's pads live in this connection only, never in a file.
    """
    inner, outer = hmac_pads()
    con.execute(
        f"create or replace temp macro {HASH_FUNCTION}(value) as "
        f"sha256(unhex('{outer.hex()}') || unhex(sha256(unhex('{inner.hex()}') || encode(value))))"
    )
