"""Adding users, from the command line (`cdp console add-user`) and the admins' page alike."""

from __future__ import annotations

import re

from cdp_orchestration.console.access import check_role
from cdp_orchestration.console.passwords import hash_password
from cdp_orchestration.console.store import ConsoleStore

# User names appear in the audit log and in URLs of the admin page: plain, short, and no contact details needed.
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")


def add_user(store: ConsoleStore, name: str, role: str, password: str, locale: str = "en") -> None:
    """Adds a user; a bad name, role or password is refused with what is expected."""
    if not _NAME.match(name):
        raise ValueError(
            f"user name {name!r}: letters, digits, '.', '_' or '-', starting with a letter or digit, at most 64"
        )
    store.add_user(name, check_role(role), hash_password(password), locale)
