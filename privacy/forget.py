"""`cdp forget`: erasing one person everywhere the CDP keeps them, and keeping them erased.

The warehouse is copied into a fresh file without the person's rows, with the request log and the erased
identifiers (compact.py). Whoever keeps the person outside the warehouse and must be told (an email tool, through
the next sync) is given the subject by the caller's `before_erasure` hooks, tagged with the request. Then the files
outside the warehouse are cleaned and the analytics copy is published from the fresh file, and only then is the
fresh file swapped in: the swap is the one moment the forget takes effect, and the request it commits is what
makes the hooks' removals due. A forget stopped anywhere before it leaves the person in the warehouse and nothing
due (run it again); one stopped after it has done everything.

In a Spark home the person is also in parquet files (the landed loads, Spark's tables: spark_home.py). Their
rewrites are staged before the swap and put in place right after it, then the analytics copy is published (it reads
Spark's tables through the warehouse's views); a forget stopped between the swap and the end is completed by the
next forget, whoever it names, and its files by the next night's retention on the landed files.
"""

from __future__ import annotations

import fcntl
import os
import signal
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from privacy import files
from privacy.analytics_copy import publish_copy
from privacy.classification import Classification
from privacy.compact import NEW, OLD, rewriting
from privacy.erase import copy_without
from privacy.parquet_files import LANDED
from privacy.person import Subject, find_subject, subject_named
from privacy.retention import drop_loaded_packages
from privacy.spark_home import SparkFiles
from privacy.store import ensure_tables, lift, log_request, now, record_erased
from warehouse import analytics_path, cdp_home, connect, pipelines_dir, warehouse_path
from warehouse.paths import DBT_OUTPUT_DIRS

# Told about the subject (and the request) before their rows leave the warehouse, reading it as it was; returns
# what it keeps for later, per place.
BeforeErasure = Callable[[duckdb.DuckDBPyConnection, Subject, str], dict[str, int]]
# Test-only: the phase at which a forget kills itself (SIGKILL), as a power cut would, so the tests can show that a
# forget run again after it ends as one that ran through.
KILL_AT_SETTING = "CDP_FORGET_KILL_AT"


@dataclass
class ForgetResult:
    request_id: str
    customers: int
    records: int
    counts: dict[str, int] = field(default_factory=dict)
    kept_for_later: dict[str, int] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)  # wall time per phase, in order

    def lines(self) -> list[str]:
        if not self.records and not self.customers:
            return ["The CDP holds nothing about this person (never known, or already forgotten)."]
        lines = [f"request {self.request_id}: {self.customers} customer(s), {self.records} source record(s)"]
        lines += [f"  erased {n:>6}  {where}" for where, n in sorted(self.counts.items())]
        owed = sorted(self.kept_for_later.items())
        lines += [f"  owed   {n:>6}  {where}: removals the next sync sends" for where, n in owed]
        lines += [f"  took   {s:>6.1f} s  {phase}" for phase, s in self.seconds.items()]
        return lines


def forget(
    kind: str,
    identifier: str,
    requested_by: str,
    classification: Classification,
    before_erasure: Sequence[BeforeErasure] = (),
    reach: Sequence[Path] = (),
    leave_alone: Sequence[Path] = (),
) -> ForgetResult:
    """Erases the person `identifier` belongs to from the warehouse, the analytics copy (published as
    `classification` says), export files, the suppression list (kept as keyed hashes), dlt's load packages, and
    every file under CDP_HOME, dbt's output folders and the folders of `reach` (DAGSTER_HOME), but `leave_alone`.
    """
    request_id = uuid.uuid4().hex
    laps = _Laps()
    kept: dict[str, int] = {}
    home = cdp_home()
    with _one_at_a_time(home), rewriting(warehouse_path()) as rewrite:
        spark = SparkFiles.open(rewrite.con, home)
        subject = find_subject(rewrite.con, kind, identifier, LANDED if spark else None)
        if subject.is_empty():
            if spark and spark.finished and analytics_path().exists():
                publish_copy(classification)  # a stopped forget's, published after its files
            return ForgetResult(request_id, 0, 0)
        pending = files.held_in_pending_packages(pipelines_dir(), subject)
        if pending:
            raise RuntimeError(
                f"A load that stopped left dlt packages holding this person ({pending[0].parent}): run the nightly "
                "run (`cdp run`) to finish it, then forget them again."
            )
        laps.lap("person found")
        spark_counts: dict[str, int] = {}
        if spark:
            spark_counts = spark.stage_erasure(subject, request_id)
            # Their files are rewritten, not scrubbed: the staged rewrites are what the commit puts in place.
            leave_alone = [*leave_alone, *spark.folders()]
            _reached("parquet_files_staged")
            laps.lap("parquet files rewritten without them (staged)")
        with rewrite.copying() as con:
            counts = copy_without(con, subject) | spark_counts
            con.execute(f"use {NEW}")
            ensure_tables(con)
            for customer_id in sorted(subject.customer_ids):
                con.execute(
                    "insert into identity.id_history values (?, null, 'erase', ?, ?)",
                    [customer_id, f"privacy:{request_id}", now()],
                )
            record_erased(con, request_id, subject)
            log_request(con, request_id, requested_by, "forget", kind, identifier, subject, counts)
            con.execute(f"use {OLD}")
            for hook in before_erasure:
                kept |= hook(con, subject, request_id)
        _reached("owed_removals_kept")
        laps.lap("warehouse copied without them")
        counts |= files.rewrite_exports(home / "exports", subject)
        counts["suppression list (kept as keyed hashes)"] = files.hash_suppressions(home / "suppression.csv", subject)
        counts["dlt load packages"] = drop_loaded_packages(pipelines_dir())
        # The identity report names record IDs; the next night writes it anew without the person.
        (home / "identity" / "report.html").unlink(missing_ok=True)
        scrubbed = files.scrub([home, *DBT_OUTPUT_DIRS, *reach], subject, leave_alone)
        counts["files cleaned (logs, run history, artefacts)"] = len(scrubbed)
        laps.lap("export files, logs, run history and load packages cleaned")
        if analytics_path().exists() and not spark:
            publish_copy(classification, source=rewrite.fresh)
            laps.lap("analytics copy published without them")
        rewrite.swap()
        _reached("warehouse_swapped")
        if spark:
            spark.commit(request_id)
            laps.lap("parquet files put in place")
            if analytics_path().exists():
                publish_copy(classification)
                laps.lap("analytics copy published without them")
    return ForgetResult(request_id, len(subject.customer_ids), len(subject.records), counts, kept, laps.seconds)


def lift_suppression(kind: str, identifier: str, requested_by: str) -> int:
    """Ends the screening of a forgotten person (their next load is kept again); returns hashes removed."""
    request_id = uuid.uuid4().hex
    with connect() as con:
        ensure_tables(con)
        # The person is gone from the warehouse: the request's own identifier finds their erasure.
        subject = subject_named(kind, identifier)
        removed = lift(con, subject)
        log_request(con, request_id, requested_by, "lift", kind, identifier, subject, {"erased_identifiers": removed})
    return removed


@contextmanager
def _one_at_a_time(home: Path) -> Iterator[None]:
    """Two forgets at once would each swap in a copy without the other's person: the second waits its turn."""
    folder = home / "privacy"
    folder.mkdir(mode=0o700, exist_ok=True)
    with (folder / "forget.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        yield


def _reached(phase: str) -> None:
    if os.environ.get(KILL_AT_SETTING) == phase:
        os.kill(os.getpid(), signal.SIGKILL)


@dataclass
class _Laps:
    """Wall time per phase: each lap ends the phase that started where the last one ended."""

    seconds: dict[str, float] = field(default_factory=dict)
    started: float = field(default_factory=time.perf_counter)

    def lap(self, phase: str) -> None:
        ended = time.perf_counter()
        self.seconds[phase] = ended - self.started
        self.started = ended
