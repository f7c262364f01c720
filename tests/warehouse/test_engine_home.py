"""A home keeps to one engine, and the Spark engine's files go where CDP_SPARK_DIR says (no JVM needed)."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from tests.conftest import run_cdp
from warehouse.landing import landing_dir
from warehouse.spark import claim_home, files_dir


def test_a_night_on_the_other_engine_is_refused_with_what_to_do(tmp_path: Path) -> None:
    home = tmp_path / "home"
    home.mkdir()
    (home / "engine").write_text("duckdb\n")  # as a first night on DuckDB leaves it
    night: subprocess.CompletedProcess = run_cdp(home, "run", extra_env={"CDP_ENGINE": "spark"}, timeout=120)
    assert night.returncode == 2
    assert "CDP_ENGINE=duckdb" in night.stderr and "CDP_HOME" in night.stderr
    assert not (home / "warehouse.duckdb").exists()


def test_the_first_night_records_the_engine(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CDP_ENGINE", "Spark ")
    assert claim_home(tmp_path) == "spark"
    assert (tmp_path / "engine").read_text().strip() == "spark"
    monkeypatch.setenv("CDP_ENGINE", "postgres")
    with pytest.raises(ValueError, match="postgres"):
        claim_home(tmp_path / "other")


def test_spark_files_go_to_the_mounted_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    mounted = tmp_path / "mnt" / "cdp"
    monkeypatch.setenv("CDP_SPARK_DIR", str(mounted))
    home = tmp_path / "home"
    assert landing_dir(home) == mounted / "landing"
    assert files_dir(home) == mounted
    # A later command without the setting (a forget) still finds the files where they are.
    monkeypatch.delenv("CDP_SPARK_DIR")
    assert landing_dir(home) == mounted / "landing"
    monkeypatch.setenv("CDP_SPARK_DIR", str(tmp_path / "elsewhere"))
    with pytest.raises(ValueError, match=str(mounted)):
        files_dir(home)


def test_the_spark_folder_must_be_a_mounted_path_and_stays_put(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CDP_SPARK_DIR", "s3a://bucket/cdp")
    with pytest.raises(ValueError, match="mounts"):
        files_dir(tmp_path / "home")
    monkeypatch.delenv("CDP_SPARK_DIR")
    home = tmp_path / "used"
    (landing_dir(home) / "raw_shopify").mkdir(parents=True)  # a home whose Spark nights kept their files inside it
    monkeypatch.setenv("CDP_SPARK_DIR", str(tmp_path / "mnt"))
    with pytest.raises(ValueError, match="new CDP_HOME"):
        files_dir(home)


def test_a_home_from_before_the_record_is_duckdbs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "warehouse.duckdb").write_bytes(b"")  # a warehouse, and no record of the engine: an older home
    monkeypatch.setenv("CDP_ENGINE", "spark")
    with pytest.raises(RuntimeError, match="CDP_ENGINE=duckdb"):
        claim_home(tmp_path)
    assert (tmp_path / "engine").read_text().strip() == "duckdb"
