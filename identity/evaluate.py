"""Pairwise accuracy of a clustering against known truth (for tests, benchmarks and asset checks)."""

from __future__ import annotations

import pandas as pd


def _pairs(counts: pd.Series) -> int:
    c = counts.astype("int64")
    return int((c * (c - 1) // 2).sum())


def pairwise_metrics(clusters: pd.DataFrame, truth: pd.DataFrame, truth_col: str = "person_id") -> dict[str, float]:
    """Precision, recall, F1 over record pairs, plus clusters mixing people and the largest cluster.

    ``clusters``: ``record_id``, ``cluster_id``; ``truth``: ``record_id`` and ``truth_col``.
    """
    df = clusters[["record_id", "cluster_id"]].merge(truth[["record_id", truth_col]], on="record_id", how="inner")
    tp = _pairs(df.groupby(["cluster_id", truth_col]).size())
    pred = _pairs(df.groupby("cluster_id").size())
    true = _pairs(df.groupby(truth_col).size())
    precision = tp / pred if pred else 1.0
    recall = tp / true if true else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    people_per_cluster = df.groupby("cluster_id")[truth_col].nunique()
    sizes = df.groupby("cluster_id").size()
    return {
        "precision": precision,
        "recall": recall,
        "f1": f1,
        "true_pairs": true,
        "predicted_pairs": pred,
        "mixed_clusters": int((people_per_cluster > 1).sum()),
        "largest_cluster": int(sizes.max()) if len(sizes) else 0,
        "clusters": int(len(sizes)),
        "people": int(df[truth_col].nunique()),
    }
