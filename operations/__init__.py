"""Operations: the watchdog and the lifeboat of a CDP nobody watches all day.

The health of an installation (`read_health`: its nights, sources' freshness, quarantine, exports, identity, disk),
what in it needs a person (`findings`), alerts told once per problem through Apprise (`notify`), and the backup and
restore of the state history alone can give (`backup`, `restore`). Usable without Dagster: the orchestrator hands in
its runs as `Night`s.
"""

from operations.alerts import Alert, notify
from operations.backup import BackupError, backup, restore
from operations.findings import KINDS, Finding, redact
from operations.health import Health, Night, read_health
from operations.rules import checked_kinds, findings
from operations.settings import thresholds
from operations.status import lines as status_lines

__all__ = [
    "KINDS",
    "Alert",
    "BackupError",
    "Finding",
    "Health",
    "Night",
    "backup",
    "checked_kinds",
    "findings",
    "notify",
    "read_health",
    "redact",
    "restore",
    "status_lines",
    "thresholds",
]
