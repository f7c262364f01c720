"""Byte scans for a person's traces in files: what `cdp forget` must leave nowhere."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from simulator.mailchimp import subscriber_hash

NOT_DIGITS = bytes(b for b in range(256) if not 0x30 <= b <= 0x39)


@dataclass(frozen=True)
class Needles:
    """A person's identifiers as bytes: found in a file as they are (case aside) where no character of an email
    address or hex id touches them (`ann@x.com` is not in another person's `joann@x.com`), or as digits once every
    other character of the file is dropped (a phone in any format)."""

    plain: tuple[bytes, ...]
    digits: tuple[bytes, ...]

    def pattern(self) -> re.Pattern[bytes]:
        return re.compile(b"|".join(rb"(?<![a-z0-9._%+-])" + re.escape(n) for n in self.plain))

    @classmethod
    def of(cls, email: str, phone_digits: str | None) -> Needles:
        email = email.strip().lower()
        member_id = subscriber_hash(email)
        return cls((email.encode(), member_id.encode()), (phone_digits.encode(),) if phone_digits else ())


def holds(path: Path, needles: Needles) -> bool:
    try:
        data = path.read_bytes().lower()
    except FileNotFoundError:
        return False  # removed since listed: another worker's night drops its dbt step folder once it is read
    if any(n in data for n in needles.plain) and needles.pattern().search(data):
        return True
    return bool(needles.digits) and any(n in data.translate(None, NOT_DIGITS) for n in needles.digits)


def files_holding(root: Path, needles: Needles, skip: tuple[str, ...] = ()) -> list[str]:
    """Files under `root` holding a needle, relative to it; `skip` names top-level folders not to look in."""
    if not root.exists():
        return []
    return [
        path.relative_to(root).as_posix()
        for path in sorted(root.rglob("*"))
        if path.is_file() and path.relative_to(root).parts[0] not in skip and holds(path, needles)
    ]
