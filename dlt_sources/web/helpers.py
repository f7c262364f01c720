"""Reading a landing folder of event files: listing it, telling its time, and reading a file line by line."""

from __future__ import annotations

import gzip
import zlib
from collections.abc import Iterator
from datetime import datetime
from typing import Any

import orjson
from dlt.common.configuration import resolve_configuration
from dlt.common.storages.configuration import FilesystemConfiguration
from dlt.common.storages.fsspec_filesystem import FileItemDict, fsspec_from_config, glob_files
from fsspec import AbstractFileSystem

from dlt_sources.common.quarantine import REJECTED, Finding, payload


def landing_filesystem(bucket_url: str, source: str) -> AbstractFileSystem:
    """The fsspec filesystem of a folder or bucket URL (a local path, `file://`, `s3://`, `gs://`, `az://`…), with the
    credentials dlt resolves for it under `sources.<source>` (as the filesystem source does when it lists files)."""
    config = resolve_configuration(FilesystemConfiguration(bucket_url=bucket_url), sections=("sources", source))
    return fsspec_from_config(config)[0]


def latest_file_time(fs: AbstractFileSystem, bucket_url: str, file_glob: str) -> datetime | None:
    """When the newest landed file was last written: the landing folder's own clock. None when it holds none."""
    times = [item["modification_date"] for item in glob_files(fs, bucket_url, file_glob)]
    return max(times) if times else None


def read_lines(file: FileItemDict) -> Iterator[tuple[dict[str, Any], None] | tuple[None, Finding]]:
    """Every line of a (gzipped) NDJSON file as (the event, None), or (None, its quarantine finding) for a line that
    is not a JSON object, named by where it is (`<file name>:<line number>`); and so for a file that ends early (a
    collector still writing it: the next load reads it again once it is whole, the merge on event IDs keeping each
    event once)."""
    name = file["file_name"]
    number = 0
    try:
        with file.open() as handle:
            for number, line in enumerate(handle, start=1):
                if not line.strip():
                    continue
                try:
                    record = orjson.loads(line)
                except orjson.JSONDecodeError as error:
                    yield None, _unreadable(f"{name}:{number}", f"line is not JSON ({error})", line)
                    continue
                if not isinstance(record, dict):
                    yield None, _unreadable(f"{name}:{number}", "line is not a JSON object", line)
                    continue
                yield record, None
    except (EOFError, gzip.BadGzipFile, zlib.error) as error:
        yield None, _unreadable(f"{name}:{number + 1}", f"file ends early or is not gzip ({error})", b"")


def _unreadable(where: str, reason: str, line: bytes) -> Finding:
    # The line as text, its payload a JSON string (a payload is JSON, and a line cut short is not).
    return Finding(where, REJECTED, reason, payload(line.decode("utf-8", errors="replace")))
