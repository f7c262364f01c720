"""Backup and restore of the state history alone can give (CONTRACT §4), which no reload from the sources rebuilds.

A backup is a folder: one Parquet file per table, the files beside the warehouse that must survive with it, and a
`manifest.json` with the format version, row counts, DDL and SHA-256 of everything. Tables are read in one
transaction, so they agree with each other. Raw data is reloaded from the sources after a restore; `full` keeps it
too (every `raw_*` table, with dlt's own state, so the next night is incremental).

A restore goes into an empty CDP_HOME and ends with a warehouse holding only that state. The next night reloads the
sources; the erased identifiers are in place before that load, so it screens every forgotten person out; export
state is in place before the first sync, so nobody is sent twice; the identity model and assignments are in place
before resolution, so customer IDs stay put.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path

import duckdb

from warehouse import cdp_home, connect, quote, warehouse_path
from warehouse.keys import key_path
from warehouse.landing import landing_dir
from warehouse.spark import home_engine

FORMAT = 1
MANIFEST = "manifest.json"
# Tables no model rebuilds: the customer ID assignment and its history, identity's run log (the watchdog's
# baseline), segment stays, the export log, and every table of the schemas Python owns whole (campaigns: the frozen
# holdout assignments, which a rerun would not give back: new households or a new share would move people).
STATE_TABLES = (
    "identity.customer_assignments",
    "identity.id_history",
    "identity.resolution_runs",
    "marts.segment_history",
    "marts.export_log",
)
STATE_SCHEMAS = ("exports", "privacy", "meta", "campaigns")
# Files under CDP_HOME that go with the warehouse (glob patterns): the trained identity model (IDs stay put only with
# it), the removals owed to forgotten people, the suppression list, the hash key that recognises erased identifiers,
# the engine the home's first night chose (a restored home keeps to it), and the predictive models with their cards
# (a card says when its model is next due and whether it was published: without them a restored home retrains on
# another night and publishes other predictions).
STATE_FILES = (
    "engine",
    "identity/model.json",
    "privacy/pending_removals.json",
    "suppression.csv",
    "secrets/hash_key",
    "predictive/*/card.json",
    "predictive/*/model.joblib",
)
OVERRIDES_ENV = "CDP_IDENTITY_OVERRIDES"
OVERRIDES_FILE = "identity_overrides.csv"
OWNER_ONLY = 0o600


class BackupError(RuntimeError):
    """A backup cannot be written or restored; the message says why and what to do."""


@dataclass
class BackupResult:
    folder: Path
    tables: dict[str, int] = field(default_factory=dict)  # table → rows
    files: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def lines(self) -> list[str]:
        size = sum(p.stat().st_size for p in self.folder.rglob("*") if p.is_file())
        out = [f"{self.folder} ({size / 2**20:.1f} MiB)"]
        out += [f"  table {name:<42} {rows:>12,} rows" for name, rows in self.tables.items()]
        out += [f"  file  {name}" for name in self.files]
        return out + self.notes


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _version() -> str:
    try:
        return metadata.version("cdp")
    except metadata.PackageNotFoundError:
        return "unknown"


def default_folder(now: datetime | None = None) -> Path:
    return cdp_home() / "backups" / f"{(now or datetime.now(UTC)):%Y%m%dT%H%M%SZ}"


def _tables_to_keep(con: duckdb.DuckDBPyConnection, full: bool) -> list[tuple[str, str, str]]:
    """(schema, table, DDL) of every table the backup holds that exists in this warehouse."""
    rows = con.sql(
        "select schema_name, table_name, sql from duckdb_tables() where database_name = current_database() "
        "order by schema_name, table_name"
    ).fetchall()
    return [
        (schema, table, ddl)
        for schema, table, ddl in rows
        if f"{schema}.{table}" in STATE_TABLES
        or schema in STATE_SCHEMAS
        # dlt's `_staging` schemas are emptied after every load.
        or (full and schema.startswith("raw_") and not schema.endswith("_staging"))
    ]


def backup(folder: Path | None = None, full: bool = False) -> BackupResult:
    """Writes a snapshot into `folder` (default `$CDP_HOME/backups/<UTC time>/`), which must not exist yet."""
    folder = (folder or default_folder()).resolve()
    if folder.exists() and any(folder.iterdir()):
        raise BackupError(f"{folder} already exists and is not empty: name a new folder with --to")
    if not warehouse_path().exists():
        raise BackupError(f"No warehouse at {warehouse_path()}: there is nothing to back up yet (run `cdp run`).")
    if full and home_engine() == "spark":
        raise BackupError(
            f"This home runs on Spark: its raw data is the landed loads' parquet files ({landing_dir()}), not "
            "warehouse tables. Back up that folder with your storage's own snapshots, and this state without --full."
        )
    partial = folder.with_name(folder.name + ".partial")
    shutil.rmtree(partial, ignore_errors=True)
    (partial / "tables").mkdir(parents=True, mode=0o700)
    result = BackupResult(folder)
    manifest: dict = {
        "format": FORMAT,
        "created_at": datetime.now(UTC).isoformat(),
        "cdp_version": _version(),
        "duckdb_version": duckdb.__version__,
        "full": full,
        "tables": [],
        "files": [],
    }
    try:
        con = connect(read_only=True)
    except duckdb.IOException as error:
        shutil.rmtree(partial)
        raise BackupError(
            "The warehouse is being written (a night or a privacy request is running): back up after it, "
            f"e.g. right after `cdp run` in the same timer. ({error})"
        ) from error
    with con:
        con.execute("begin transaction")  # one snapshot of every table
        for schema, table, ddl in _tables_to_keep(con, full):
            name = f"{schema}.{table}"
            target = partial / "tables" / f"{name}.parquet"
            path = str(target).replace("'", "''")
            con.execute(f"copy (select * from {quote(schema)}.{quote(table)}) to '{path}' (format parquet)")
            rows = con.sql(f"select count(*) from {quote(schema)}.{quote(table)}").fetchall()[0][0]
            manifest["tables"].append(
                {"name": name, "file": f"tables/{name}.parquet", "rows": rows, "ddl": ddl, "sha256": _sha256(target)}
            )
            result.tables[name] = rows
        con.execute("commit")
    home = cdp_home()
    sources = [
        (path.relative_to(home).as_posix(), path) for pattern in STATE_FILES for path in sorted(home.glob(pattern))
    ]
    overrides = os.environ.get(OVERRIDES_ENV)
    if overrides:
        sources.append((OVERRIDES_FILE, Path(overrides)))
    for name, source in sources:
        if not source.exists():
            continue
        target = partial / "files" / name
        target.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        shutil.copyfile(source, target)
        os.chmod(target, OWNER_ONLY)
        manifest["files"].append({"name": name, "file": f"files/{name}", "sha256": _sha256(target)})
        result.files.append(name)
    (partial / MANIFEST).write_text(json.dumps(manifest, indent=1))
    for path in [partial, *partial.rglob("*")]:
        os.chmod(path, 0o700 if path.is_dir() else OWNER_ONLY)
    folder.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    if folder.exists():
        folder.rmdir()  # empty, checked above
    os.replace(partial, folder)  # complete or absent: a backup cut short never looks whole
    if folder.is_relative_to(home):
        result.notes.append(
            "This backup is inside CDP_HOME: copy it to another disk or machine, readable by its owner only "
            "(it holds the hash key and personal data)."
        )
    return result


def read_manifest(folder: Path) -> dict:
    """The backup's manifest, checked for a format this CDP reads and for every file's checksum."""
    path = folder / MANIFEST
    if not path.exists():
        raise BackupError(f"{folder} has no {MANIFEST}: it is not a CDP backup, or its writing was cut short.")
    try:
        manifest = json.loads(path.read_text())
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise BackupError(f"{path} is corrupt ({error}): use another backup.") from error
    version = manifest.get("format") if isinstance(manifest, dict) else None
    if version != FORMAT:
        raise BackupError(
            f"{folder} is a backup of format {version!r} (CDP {manifest.get('cdp_version', '?')}); this CDP "
            f"({_version()}) restores format {FORMAT} only. Restore it with the CDP version that wrote it."
        )
    for entry in [*manifest["tables"], *manifest["files"]]:
        file = folder / entry["file"]
        if not file.exists():
            raise BackupError(f"{file} is missing from the backup: use another backup.")
        if _sha256(file) != entry["sha256"]:
            raise BackupError(f"{file} is corrupt (its checksum differs from the manifest's): use another backup.")
    return manifest


def restore(folder: Path) -> BackupResult:
    """Restores a backup into an empty CDP_HOME; the next night (`cdp run`) reloads the sources onto it."""
    folder = folder.resolve()
    manifest = read_manifest(folder)
    home = cdp_home()
    if warehouse_path().exists():
        raise BackupError(
            f"{home} already holds a warehouse: restore only into an empty CDP_HOME (move this one away, or point "
            "CDP_HOME at a new folder)."
        )
    targets = {entry["name"]: _restored_path(entry["name"], home) for entry in manifest["files"]}
    for entry in manifest["files"]:
        target = targets[entry["name"]]
        if target.exists() and _sha256(target) != entry["sha256"]:
            raise BackupError(f"{target} exists and differs from the backup's: restore only into an empty CDP_HOME.")
    result = BackupResult(folder)
    restoring = warehouse_path().with_name(warehouse_path().name + ".restoring")
    restoring.unlink(missing_ok=True)
    with duckdb.connect(str(restoring)) as con:
        for entry in manifest["tables"]:
            schema, table = entry["name"].split(".", 1)
            con.execute(f"create schema if not exists {quote(schema)}")
            # Only ever a table definition: the manifest is data, never a script.
            if not entry["ddl"].startswith("CREATE TABLE ") or ";" in entry["ddl"].rstrip().removesuffix(";"):
                raise BackupError(f"{folder / MANIFEST}: the definition of {entry['name']} is not one CREATE TABLE.")
            con.execute(entry["ddl"])
            source = str(folder / entry["file"])
            con.execute(f"insert into {quote(schema)}.{quote(table)} select * from read_parquet(?)", [source])
            rows = con.sql(f"select count(*) from {quote(schema)}.{quote(table)}").fetchall()[0][0]
            if rows != entry["rows"]:
                raise BackupError(f"{entry['name']}: {rows} rows restored, the manifest says {entry['rows']}.")
            result.tables[entry["name"]] = rows
    for entry in manifest["files"]:
        target = targets[entry["name"]]
        target.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        shutil.copyfile(folder / entry["file"], target)
        os.chmod(target, OWNER_ONLY)
        result.files.append(str(target))
    if key_path().exists():
        os.chmod(key_path().parent, 0o700)
    os.replace(restoring, warehouse_path())  # last: until here the home holds no warehouse and can be restored again
    if OVERRIDES_FILE in targets and not os.environ.get(OVERRIDES_ENV):
        result.notes.append(
            f"Identity overrides restored to {targets[OVERRIDES_FILE]}: set {OVERRIDES_ENV} to it for the next night."
        )
    result.notes.append(
        "Run `cdp run` next: it reloads the sources, screens out every forgotten person and sends nobody twice."
    )
    return result


def _restored_path(name: str, home: Path) -> Path:
    if name == OVERRIDES_FILE:
        return Path(os.environ.get(OVERRIDES_ENV) or home / "identity" / OVERRIDES_FILE)
    return home / name
