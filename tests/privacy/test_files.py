"""Forget's file scrub while something else writes beside it: a night's dbt step removes its own output folder once
Dagster has read it, so a file listed by the scrub may be gone by the time the scrub reads it."""

from __future__ import annotations

from pathlib import Path

import pytest

from privacy import files
from privacy.person import Subject

EMAIL = "ann.tester@example.com"


def test_a_file_removed_while_the_forget_reads_the_folder_is_passed_over(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    kept, gone = tmp_path / "kept.log", tmp_path / "step" / "gone.log"
    gone.parent.mkdir()
    for path in (kept, gone):
        path.write_text(f"refused {EMAIL}\n")
    read_bytes = Path.read_bytes

    def removed_by_another_process_first(path: Path) -> bytes:
        if path == gone:
            path.unlink()
        return read_bytes(path)

    monkeypatch.setattr(Path, "read_bytes", removed_by_another_process_first)
    done = files.scrub([tmp_path], Subject(emails={EMAIL}))
    assert done == {str(kept): 1}
    assert EMAIL not in kept.read_text()
