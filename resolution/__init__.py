"""Identity resolution in the warehouse: the nightly step that resolves the person records with `identity` (only the
night's changes, from the state the last night kept), keeps customer IDs stable across runs, and saves the
assignment, the ID history, the match evidence and a report.

`identity` is the library that decides who is who on any data; this package is what the CDP keeps of its answers.
"""

from resolution.step import ResolutionOutcome, resolve_warehouse
from resolution.store import override_files, read_overrides, record_override, recorded_overrides_path

__all__ = [
    "ResolutionOutcome",
    "override_files",
    "read_overrides",
    "record_override",
    "recorded_overrides_path",
    "resolve_warehouse",
]
