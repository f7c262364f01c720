"""The one dbt project of the CDP, as Dagster sees it: built (and its manifest parsed when stale) on first use."""

import fcntl
import json
import os
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from pathlib import Path
from typing import Any

from dagster_dbt import DbtProject

from privacy.classification import Classification, classification_of
from warehouse.paths import DBT_PROJECT_DIR

# What dbt writes into the project folder; everything else there is the project itself.
_DBT_OUTPUT_FOLDERS = ("target", "logs", "dbt_packages")


@cache
def dbt_project() -> DbtProject:
    """The project, with a manifest that holds every model and test of the files on disk."""
    project = _project()
    ensure_manifest(project)
    return project


# flock holds per open file, so a second acquisition in this process would wait for the first: count instead.
_held = threading.local()
_in_process = threading.RLock()


@contextmanager
def parsing_alone() -> Iterator[None]:
    """One process at a time parses the project and reads the manifest: dbt writes target/manifest.json in place, so
    a night starting beside another in the same checkout (a test's other seeds, the console) could read half of it.
    Re-entrant within a process (a run holds it while it parses and builds its graph from the manifest)."""
    with _in_process:
        if getattr(_held, "depth", 0):
            _held.depth += 1
            try:
                yield
            finally:
                _held.depth -= 1
            return
        target = Path(DBT_PROJECT_DIR) / "target"
        target.mkdir(exist_ok=True)
        with (target / "parse.lock").open("w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            _held.depth = 1
            try:
                yield
            finally:
                _held.depth = 0


def _project() -> DbtProject:
    # dagster-dbt calls `dbt` from PATH; make runs .venv/bin/cdp without activating the environment, so put this
    # environment's bin first for this process and the ones it starts.
    venv_bin = str(Path(sys.executable).parent)
    if not os.environ.get("PATH", "").startswith(venv_bin + os.pathsep):
        os.environ["PATH"] = venv_bin + os.pathsep + os.environ.get("PATH", "")
    # Tests spanning two selections (a mart's relationship to an intermediate model) run with the later one:
    # "buildable" takes a test once all its parents are built or being built.
    os.environ.setdefault("DBT_INDIRECT_SELECTION", "buildable")
    return DbtProject(project_dir=DBT_PROJECT_DIR, profiles_dir=DBT_PROJECT_DIR)


def ensure_manifest(project: DbtProject) -> None:
    """Parses the project when its manifest is missing (a fresh clone) or older than a file or folder of the project
    (a model added, changed, renamed or deleted): Dagster builds its dbt assets and checks from the manifest, and one
    that lacks a new model or test, or names a deleted one, fails the run when dbt reports it. The manifest does not
    depend on CDP_HOME (the profile's path), so one parse serves every home."""
    with parsing_alone():
        if _manifest_is_stale(project):
            project.preparer.prepare(project)
        else:
            project.prepare_if_dev()


def _manifest_is_stale(project: DbtProject) -> bool:
    manifest = Path(project.manifest_path)
    if not manifest.exists():
        return True
    parsed_at = manifest.stat().st_mtime
    # dbt's own output (thousands of files under target/) is never walked: this runs each time definitions load.
    sources = [entry for entry in Path(project.project_dir).iterdir() if entry.name not in _DBT_OUTPUT_FOLDERS]
    # A folder's time changes when a file in it is added, renamed or deleted.
    paths = [p for entry in sources for p in ([entry] if entry.is_file() else [entry, *entry.rglob("*")])]
    return any(path.stat().st_mtime > parsed_at for path in paths)


def manifest() -> dict[str, Any]:
    """The project as its files are now, parsed, read whole: never while a parse in another process rewrites
    target/manifest.json."""
    with parsing_alone():
        project = dbt_project()
        ensure_manifest(project)
        return json.loads(Path(project.manifest_path).read_text(encoding="utf-8"))


def classification() -> Classification:
    """What the analytics copy may show, as the dbt project's YAML classifies it (`meta: {pii: ...}`)."""
    return classification_of(manifest())
