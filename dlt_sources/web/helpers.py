"""Reading a landing folder of event files: listing it, telling its time, and reading a file's events."""

from __future__ import annotations

import gzip
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import orjson
import pyarrow as pa
from dlt.common.configuration import resolve_configuration
from dlt.common.storages.configuration import FilesystemConfiguration
from dlt.common.storages.fsspec_filesystem import FileItemDict, fsspec_from_config, glob_files
from fsspec import AbstractFileSystem

from dlt_sources.common.quarantine import REJECTED, Finding, payload
from dlt_sources.common.tables import read_json_lines

# Decompressed bytes read at a time: a day's file need not fit in memory, and a file cut short loses at most this much
# of what comes before the cut (it is read again once whole).
READ_BYTES = 64 << 10


def landing_filesystem(bucket_url: str, source: str) -> AbstractFileSystem:
    """The fsspec filesystem of a folder or bucket URL (a local path, `file://`, `s3://`, `gs://`, `az://`…), with the
    credentials dlt resolves for it under `sources.<source>` (as the filesystem source does when it lists files)."""
    config = resolve_configuration(FilesystemConfiguration(bucket_url=bucket_url), sections=("sources", source))
    return fsspec_from_config(config)[0]


def latest_file_time(fs: AbstractFileSystem, bucket_url: str, file_glob: str) -> datetime | None:
    """When the newest landed file was last written: the landing folder's own clock. None when it holds none."""
    times = [item["modification_date"] for item in glob_files(fs, bucket_url, file_glob)]
    return max(times) if times else None


@dataclass(frozen=True)
class ArrowEvents:
    """Lines arrow read at once: their events as a table, and each row's line as it came (for a quarantine row)."""

    table: pa.Table
    lines: list[bytes]

    def received(self, row: int) -> Any:
        return orjson.loads(self.lines[row])


Block = ArrowEvents | list[dict[str, Any]] | list[Finding]


def read_events(file: FileItemDict, schema: pa.Schema, lines_per_block: int) -> Iterator[Block]:
    """The events of a (gzipped) NDJSON file, `lines_per_block` lines at a time: as an arrow table of `schema` what
    arrow reads with its types, as dicts each line it cannot (a value of another type: the loader keeps it in a
    variant column), and as quarantine findings each line that is not a JSON object, named by where it is
    (`<file name>:<line number>`); and so for a file that ends early (a collector still writing it: the next load
    reads it again once it is whole, the merge on event IDs keeping each event once)."""
    name = file["file_name"]
    block: list[tuple[int, bytes]] = []
    for number, line in _numbered_lines(file):
        if isinstance(line, Finding):
            yield from _read_block(name, block, schema)
            yield [line]
            return
        if line.strip():
            block.append((number, line))
        if len(block) >= lines_per_block:
            yield from _read_block(name, block, schema)
            block = []
    yield from _read_block(name, block, schema)


def _numbered_lines(file: FileItemDict) -> Iterator[tuple[int, bytes | Finding]]:
    """Each line of the file with its number (and its end); a file that ends early ends with the finding of the line
    it cut."""
    number, rest = 0, b""
    try:
        with file.open() as handle:
            while chunk := handle.read(READ_BYTES):
                *lines, rest = (rest + chunk).split(b"\n")
                for line in lines:
                    number += 1
                    # With its end, as reading the file by line gives it: a quarantine row keeps the line as it was,
                    # and its key (the reason JSON's parser gives) stays what loads before this reader gave it.
                    yield number, line + b"\n"
    except (EOFError, gzip.BadGzipFile, zlib.error) as error:
        where = f"{file['file_name']}:{number + 1}"
        yield number + 1, _unreadable(where, f"file ends early or is not gzip ({error})", b"")
        return
    if rest:
        yield number + 1, rest


def _read_block(name: str, lines: list[tuple[int, bytes]], schema: pa.Schema) -> Iterator[Block]:
    # A line that does not start and end as an object cannot be one (a line cut short): read alone, not tried in
    # arrow, where one such line fails the whole block.
    braced: list[tuple[int, bytes]] = []
    other: list[tuple[int, bytes]] = []
    for numbered in lines:
        (braced if _braced(numbered[1]) else other).append(numbered)
    yield from _arrow_or_halves(name, braced, schema)
    yield from _one_by_one(name, other)


def _braced(line: bytes) -> bool:
    line = line.strip()
    return line.startswith(b"{") and line.endswith(b"}")


def _arrow_or_halves(name: str, lines: list[tuple[int, bytes]], schema: pa.Schema) -> Iterator[Block]:
    """The lines as one arrow table; when arrow refuses them, each half so, down to the lines arrow refuses alone,
    which are read one by one."""
    if not lines:
        return
    # Every line keeps its end but a file's last, which is the last of any lines it is among.
    table = read_json_lines(b"".join(line for _, line in lines), schema)
    if table is not None and table.num_rows == len(lines):
        yield ArrowEvents(table, [line for _, line in lines])
    elif len(lines) == 1:
        yield from _one_by_one(name, lines)
    else:
        half = len(lines) // 2
        yield from _arrow_or_halves(name, lines[:half], schema)
        yield from _arrow_or_halves(name, lines[half:], schema)


def _one_by_one(name: str, lines: list[tuple[int, bytes]]) -> Iterator[list[dict[str, Any]] | list[Finding]]:
    records: list[dict[str, Any]] = []
    findings: list[Finding] = []
    for number, line in lines:
        try:
            record = orjson.loads(line)
        except orjson.JSONDecodeError as error:
            findings.append(_unreadable(f"{name}:{number}", f"line is not JSON ({error})", line))
            continue
        if isinstance(record, dict):
            records.append(record)
        else:
            findings.append(_unreadable(f"{name}:{number}", "line is not a JSON object", line))
    if records:
        yield records
    if findings:
        yield findings


def _unreadable(where: str, reason: str, line: bytes) -> Finding:
    # The line as text, its payload a JSON string (a payload is JSON, and a line cut short is not).
    return Finding(where, REJECTED, reason, payload(line.decode("utf-8", errors="replace")))
