"""Login throttling: after a few failed attempts for one user name, or many from one address, further attempts are
refused for a while, before any password is checked (so refusals tell an attacker nothing)."""

from __future__ import annotations

import hashlib
import hmac
import time
from dataclasses import dataclass

from cdp_orchestration.console.store import ConsoleStore

WINDOW_SECONDS = 15 * 60
MAX_FAILURES_PER_NAME = 5
# One address may be a whole office behind one router: more room than for one name.
MAX_FAILURES_PER_ADDRESS = 20


@dataclass(frozen=True)
class Throttle:
    store: ConsoleStore
    secret: str

    def _keys(self, name: str, address: str) -> list[tuple[str, int]]:
        # Keyed hashes: a name typed by mistake (a password in the name field) is not kept in clear.
        def key(kind: str, value: str) -> str:
            digest = hmac.new(self.secret.encode(), value.strip().lower().encode(), hashlib.sha256).hexdigest()
            return f"{kind}:{digest}"

        return [(key("name", name), MAX_FAILURES_PER_NAME), (key("address", address), MAX_FAILURES_PER_ADDRESS)]

    def retry_after(self, name: str, address: str, now: float | None = None) -> int:
        """Seconds until the next attempt is allowed; 0 when it is allowed now."""
        now = time.time() if now is None else now
        waits = [0]
        for key, limit in self._keys(name, address):
            failures = self.store.failures_since(key, now - WINDOW_SECONDS)
            if len(failures) >= limit:
                # Allowed again when the oldest failure that counts towards the limit leaves the window.
                waits.append(int(failures[-limit] + WINDOW_SECONDS - now) + 1)
        return max(waits)

    def failed(self, name: str, address: str, now: float | None = None) -> None:
        now = time.time() if now is None else now
        self.store.record_failure([key for key, _ in self._keys(name, address)], now)
        self.store.drop_failures_before(now - WINDOW_SECONDS)

    def succeeded(self, name: str, address: str) -> None:
        self.store.clear_failures(self._keys(name, address)[0][0])
