"""Who may do what: the three roles, the permissions each holds, and the session that says who is asking.

Sessions are Starlette's signed cookies (itsdangerous, expiring); a session names a user and the user's session
epoch, so changing a user's role, password or status ends their sessions at once.
"""

from __future__ import annotations

from enum import StrEnum

from starlette.authentication import AuthCredentials, AuthenticationBackend, BaseUser
from starlette.requests import HTTPConnection, Request

from cdp_orchestration.console.csrf import new_token
from cdp_orchestration.console.store import ConsoleStore, User


class Permission(StrEnum):
    OVERVIEW = "overview"
    SEGMENTS = "segments"
    CUSTOMERS = "customers"
    IDENTITY = "identity"
    DECIDE_IDENTITY = "identity:decide"
    PRIVACY = "privacy"
    USERS = "users"
    AUDIT = "audit"
    # Contact details as the analytics copy holds them; without it they are masked.
    FULL_CONTACTS = "contacts:full"


ROLES: dict[str, frozenset[Permission]] = {
    "admin": frozenset(Permission),
    "analyst": frozenset(Permission) - {Permission.PRIVACY, Permission.USERS, Permission.AUDIT},
    "marketer": frozenset({Permission.OVERVIEW, Permission.SEGMENTS, Permission.CUSTOMERS}),
}
AUTHENTICATED = "authenticated"


def check_role(role: str) -> str:
    if role not in ROLES:
        raise ValueError(f"unknown role {role!r}; expected one of {', '.join(ROLES)}")
    return role


class ConsoleUser(BaseUser):
    def __init__(self, user: User) -> None:
        self.user = user

    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def display_name(self) -> str:
        return self.user.name

    @property
    def identity(self) -> str:
        return self.user.name

    def can(self, permission: Permission) -> bool:
        return permission in ROLES[self.user.role]


class SessionBackend(AuthenticationBackend):
    """The signed session cookie → the user it names, if that user still exists, is enabled and has not changed."""

    def __init__(self, store: ConsoleStore) -> None:
        self.store = store

    async def authenticate(self, conn: HTTPConnection) -> tuple[AuthCredentials, BaseUser] | None:
        name = conn.session.get("user")
        if not name:
            return None
        user = self.store.user(name)
        if user is None or user.disabled or user.session_epoch != conn.session.get("epoch"):
            conn.session.pop("user", None)
            return None
        return AuthCredentials([AUTHENTICATED, *ROLES[user.role]]), ConsoleUser(user)


def start_session(request: Request, user: User) -> None:
    """A fresh session for a user who just logged in: nothing carried over from before (no session fixation)."""
    request.session.clear()
    request.session.update(user=user.name, epoch=user.session_epoch, csrf=new_token())


def end_session(request: Request) -> None:
    request.session.clear()
