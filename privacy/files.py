"""The person's traces outside the warehouse: export files, logs and dlt's kept load packages."""

from __future__ import annotations

import csv
import hashlib
import os
import re
import shutil
from pathlib import Path

from privacy.person import Subject
from warehouse.paths import DBT_OUTPUT_DIRS

REDACTED = "[erased]"
# Where dbt and the CDP write logs. Only `*.log` files are rewritten: dbt's manifests and compiled SQL hold code,
# and a token such as a record ID must never be replaced inside code.
LOG_FOLDERS = ("logs",)
LOG_SUFFIX = ".log"


def _sha(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def file_tokens(subject: Subject) -> set[str]:
    """Every cell value that identifies the subject in an export file: plain, and hashed as ad platforms want."""
    plain = {v.strip().lower() for v in subject.emails | subject.phones | subject.customer_ids | subject.record_ids}
    digits = {re.sub(r"\D", "", p) for p in subject.phones} - {""}
    variants = plain | digits | {"+" + d for d in digits}
    # Google's rule drops the dots of a Gmail mailbox before hashing; dropping them for any domain costs nothing.
    parts = (e.rpartition("@") for e in plain)
    undotted = {f"{local.replace('.', '')}@{domain}" for local, _, domain in parts if local}
    return variants | {_sha(v) for v in variants | undotted}


def rewrite_exports(exports_dir: Path, subject: Subject) -> dict[str, int]:
    """Rewrites every CSV under `exports_dir` without the subject's rows; returns rows removed per file."""
    tokens = file_tokens(subject)
    removed: dict[str, int] = {}
    for path in sorted(exports_dir.rglob("*.csv")) if exports_dir.exists() else []:
        with path.open(newline="", encoding="utf-8") as handle:
            rows = list(csv.reader(handle))
        kept = [r for r in rows if not any(cell.lstrip("'").strip().lower() in tokens for cell in r)]
        if len(kept) == len(rows):
            continue
        partial = path.with_suffix(".csv.partial")
        with partial.open("w", newline="", encoding="utf-8") as handle:
            csv.writer(handle).writerows(kept)
        os.chmod(partial, 0o600)
        os.replace(partial, path)
        removed[f"exports/{path.relative_to(exports_dir)}"] = len(rows) - len(kept)
    return removed


def redact_logs(home: Path, subject: Subject) -> dict[str, int]:
    """Replaces the subject's identifiers in every log and dbt artefact with a marker; returns hits per file."""
    tokens = sorted(
        {v for v in subject.emails | subject.phones | subject.record_ids if len(v.strip()) >= 6}, key=len, reverse=True
    )
    if not tokens:
        return {}
    # Hundreds of MB of dbt logs hold none of the tokens: a search of the lower-cased bytes rules a file out without
    # decoding it. For ASCII tokens the pattern folds ASCII case only, so the byte search finds all it would match;
    # other tokens send every file to the pattern, which then folds case the Unicode way.
    ascii_only = all(t.isascii() for t in tokens)
    flags = re.IGNORECASE | (re.ASCII if ascii_only else 0)
    pattern = re.compile("|".join(re.escape(t.strip()) for t in tokens), flags)
    needles = [t.strip().lower().encode() for t in tokens] if ascii_only else None
    hits: dict[str, int] = {}
    folders = [home / f for f in LOG_FOLDERS] + list(DBT_OUTPUT_DIRS)
    for folder in folders:
        for path in folder.rglob("*") if folder.exists() else []:
            if not path.is_file() or path.suffix != LOG_SUFFIX:
                continue
            data = path.read_bytes()
            if needles is not None:
                lowered = data.lower()
                if not any(n in lowered for n in needles):
                    continue
            text = data.decode("utf-8", errors="surrogateescape")
            redacted, count = pattern.subn(REDACTED, text)
            if count:
                path.write_text(redacted, encoding="utf-8", errors="surrogateescape")
                hits[str(path)] = count
    return hits


def drop_loaded_packages(home: Path) -> int:
    """Deletes dlt's completed load packages (raw payload files kept after loading, needed by nothing)."""
    dropped = 0
    for loaded in (home / "dlt").glob("*/load/loaded"):
        for package in loaded.iterdir():
            shutil.rmtree(package) if package.is_dir() else package.unlink()
            dropped += 1
    return dropped
