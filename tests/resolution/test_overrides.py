"""Analysts' identity decisions: the version-controlled seed file, then the decisions recorded in the console."""

from __future__ import annotations

from pathlib import Path

import pytest

from resolution import read_overrides, record_override

SEED_HEADER = "record_id_l,record_id_r,decision,reason,author\n"


def test_a_recorded_decision_corrects_the_seed_files_decision_on_the_same_pair(tmp_path: Path) -> None:
    seed = tmp_path / "identity_overrides.csv"
    seed.write_text(SEED_HEADER + "shopify:1,square:A,same,one person,ana\nshopify:2,hubspot:9,different,twins,ana\n")
    recorded = tmp_path / "home" / "identity" / "overrides.csv"
    # The same pair, named the other way round, decided otherwise later.
    record_override(recorded, "square:A", "shopify:1", "different", "two people after all", "console:bob")
    record_override(recorded, "square:B", "hubspot:7", "same", "one person", "console:bob")

    must, cannot = read_overrides(seed, recorded)

    assert sorted(must) == [("square:B", "hubspot:7")]
    assert sorted(cannot) == [("shopify:2", "hubspot:9"), ("square:A", "shopify:1")]
    assert recorded.read_text().count("record_id_l") == 1  # one header, however many decisions


def test_missing_files_hold_no_decisions(tmp_path: Path) -> None:
    assert read_overrides(tmp_path / "absent.csv") == ([], [])


def test_a_decision_other_than_same_or_different_is_refused(tmp_path: Path) -> None:
    seed = tmp_path / "identity_overrides.csv"
    seed.write_text(SEED_HEADER + "shopify:1,square:A,maybe,unsure,ana\n")
    with pytest.raises(ValueError, match="identity_overrides.csv: decision must be 'same' or 'different'"):
        read_overrides(seed)
    with pytest.raises(ValueError, match="two different records"):
        record_override(tmp_path / "o.csv", "shopify:1", "shopify:1", "same", "", "bob")
