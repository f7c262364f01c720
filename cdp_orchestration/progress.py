"""What `cdp run` shows at the terminal while the night runs: one line per step, and what our steps report.

Dagster's console logger prints every engine event and every line of dbt's output; a person running
`make run` needs to see where the night is, and what went wrong if it stops.
"""

import logging
import sys
import time

from dagster import InitLoggerContext, logger
from dagster._core.log_manager import get_log_record_metadata, has_log_record_metadata

# dbt's own output is in the run's logs (and `dagster dev`); at the terminal its steps are one line each.
QUIET_STEP_PREFIX = "dbt_"


class ProgressFilter(logging.Filter):
    def __init__(self) -> None:
        super().__init__()
        self.started: dict[str, float] = {}

    def filter(self, record: logging.LogRecord) -> bool:
        if not has_log_record_metadata(record):
            return record.levelno >= logging.WARNING
        meta = get_log_record_metadata(record)
        step, event = meta["step_key"], meta["dagster_event"]
        if event is None:
            if record.levelno >= logging.WARNING or not (step or "").startswith(QUIET_STEP_PREFIX):
                record.msg = f"    {step or 'run'}: {meta['orig_message']}"
                return record.levelno >= logging.INFO
            return False
        kind = event.event_type_value
        if kind == "STEP_START":
            self.started[step] = time.perf_counter()
            record.msg = f"  … {step}"
            return True
        if kind in ("STEP_SUCCESS", "STEP_FAILURE", "STEP_SKIPPED", "STEP_UP_FOR_RETRY"):
            seconds = time.perf_counter() - self.started.get(step, time.perf_counter())
            mark = {
                "STEP_SUCCESS": "ok",
                "STEP_FAILURE": "FAILED",
                "STEP_SKIPPED": "skipped",
                "STEP_UP_FOR_RETRY": "retrying",
            }[kind]
            record.msg = f"  {mark:<8} {step} ({seconds:.1f} s)"
            return True
        if kind == "ASSET_CHECK_EVALUATION" and not event.event_specific_data.passed:
            record.msg = f"  check failed: {event.event_specific_data.asset_check_key.to_user_string()}"
            return True
        return False


@logger(description="Concise progress at the terminal: a line per step and what our own steps log.")
def progress_logger(init_context: InitLoggerContext) -> logging.Logger:
    log = logging.Logger("cdp_progress", level=logging.INFO)
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(logging.Formatter("%(message)s"))
    handler.addFilter(ProgressFilter())
    log.addHandler(handler)
    return log
