"""`python -m tests.orchestration.kill_at POINT`: the real `cdp run`, killed with SIGKILL at POINT as a power cut
would kill it, together with every process it started (the simulator, dbt).

The test starts it in a session of its own, so its process group holds nothing else. Each point patches the one
function where the night crosses it; the night is otherwise the one `make run` runs. Exits 3 when the night ends
without reaching the point, so the test can tell a missed point from a kill.
"""

from __future__ import annotations

import os
import signal
import sys
from collections.abc import Callable
from typing import Any

MISSED = 3


def _die() -> None:
    os.killpg(0, signal.SIGKILL)


def _after_load_job(table: str) -> Callable[[], None]:
    """After the warehouse committed a dlt load job of `table`, before dlt records the job as done."""

    def install() -> None:
        from dlt.common.destination.client import RunnableLoadJob

        release = RunnableLoadJob._release

        def _release(self: Any, next_state: str) -> None:
            if next_state == "completed" and self.job_file_info().table_name == table:
                _die()
            release(self, next_state)

        RunnableLoadJob._release = _release

    return install


def _in_dbt_marts() -> None:
    """While `dbt build` of the marts runs, once it reported its third model built."""
    from dagster_dbt.core.dbt_cli_invocation import DbtCliInvocation

    stream = DbtCliInvocation.stream_raw_events

    def stream_raw_events(self: Any) -> Any:
        finished = 0
        marts = "path:models/marts" in " ".join(map(str, self.process.args))
        for event in stream(self):
            yield event
            if marts and event.raw_event["info"]["name"] == "LogModelResult":
                finished += 1
                if finished == 3:
                    _die()

    DbtCliInvocation.stream_raw_events = stream_raw_events


def _after(module: str, name: str) -> Callable[[], None]:
    """Right after `module.name` returns (what it committed is in the warehouse; nothing after it ran)."""

    def install() -> None:
        import importlib

        owner = importlib.import_module(module)
        function = getattr(owner, name)

        def killed_after(*args: Any, **kwargs: Any) -> Any:
            function(*args, **kwargs)
            _die()

        setattr(owner, name, killed_after)

    return install


def _midway_through_publish() -> None:
    """While the analytics copy is being written, after a few tables."""
    import privacy.analytics_copy as analytics_copy

    select_list = analytics_copy.select_list
    calls = {"n": 0}

    def counted(*args: Any) -> str:
        calls["n"] += 1
        if calls["n"] == 6:
            _die()
        return select_list(*args)

    analytics_copy.select_list = counted


POINTS: dict[str, Callable[[], None]] = {
    "email_events_committed": _after_load_job("email_events"),
    "quarantine_committed": _after_load_job("quarantine"),
    "dbt_marts_midway": _in_dbt_marts,
    "identity_saved": _after("resolution.step", "save_resolution"),
    "segments_applied": _after("cdp_orchestration.segments.assets", "apply_segments"),
    "publish_midway": _midway_through_publish,
}


def main(point: str) -> int:
    POINTS[point]()
    from cdp_orchestration.cli import main as cdp

    status = cdp(["run"])
    print(f"the night ended ({status}) without reaching {point}", file=sys.stderr)
    return MISSED


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
