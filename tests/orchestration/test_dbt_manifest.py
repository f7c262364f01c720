"""When the nightly run parses the dbt project again: only when the manifest is older than what it was parsed from."""

from __future__ import annotations

import os
import time
from pathlib import Path
from types import SimpleNamespace

from cdp_orchestration.transform.project import _manifest_is_stale


def _project(folder: Path) -> SimpleNamespace:
    """A dbt project with one segment model, parsed a minute after its files were written."""
    model = folder / "models" / "seg_planted.sql"
    model.parent.mkdir()
    model.write_text("select 1 as customer_id\n")
    manifest = folder / "target" / "manifest.json"
    manifest.parent.mkdir()
    manifest.write_text("{}")
    written, parsed = time.time() - 60, time.time() - 30
    for path, at in ((model.parent, written), (model, written), (manifest, parsed)):
        os.utime(path, (at, at))
    return SimpleNamespace(project_dir=folder, manifest_path=manifest)


def test_a_manifest_newer_than_every_file_is_used_as_it_is(tmp_path: Path) -> None:
    assert not _manifest_is_stale(_project(tmp_path))


def test_a_changed_model_makes_the_manifest_stale(tmp_path: Path) -> None:
    project = _project(tmp_path)
    (tmp_path / "models" / "seg_planted.sql").write_text("select 2 as customer_id\n")
    assert _manifest_is_stale(project)


def test_a_deleted_model_makes_the_manifest_stale(tmp_path: Path) -> None:
    project = _project(tmp_path)
    (tmp_path / "models" / "seg_planted.sql").unlink()
    assert _manifest_is_stale(project)


def test_the_manifest_is_missing_in_a_fresh_clone(tmp_path: Path) -> None:
    project = _project(tmp_path)
    Path(project.manifest_path).unlink()
    assert _manifest_is_stale(project)
