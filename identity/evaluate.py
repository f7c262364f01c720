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


def pairwise_agreement(a: pd.DataFrame, b: pd.DataFrame) -> dict[str, float]:
    """How far two clusterings of the same records agree, over record pairs.

    ``agreement``: of the pairs together in at least one of the two, the share both put together (the pairs apart in
    both are left out, else any two clusterings of many records would agree almost fully). ``precision`` and
    ``recall`` of ``b`` taken against ``a`` as if ``a`` were the truth. Each frame: ``record_id``, ``cluster_id``.
    """
    df = a[["record_id", "cluster_id"]].merge(
        b[["record_id", "cluster_id"]], on="record_id", how="inner", suffixes=("_a", "_b")
    )
    both = _pairs(df.groupby(["cluster_id_a", "cluster_id_b"]).size())
    in_a = _pairs(df.groupby("cluster_id_a").size())
    in_b = _pairs(df.groupby("cluster_id_b").size())
    either = in_a + in_b - both
    return {
        "agreement": both / either if either else 1.0,
        "precision": both / in_b if in_b else 1.0,
        "recall": both / in_a if in_a else 1.0,
        "pairs_a": in_a,
        "pairs_b": in_b,
        "pairs_both": both,
    }


def candidate_pairs(records: pd.DataFrame) -> pd.DataFrame:
    """Every pair of record IDs (``record_id_l`` < ``record_id_r``) that ``resolve`` would score: its blocking
    alone, without the model. How many true pairs are here bounds the recall any scoring can reach."""
    import duckdb

    from identity import blocking, prepare

    con = duckdb.connect(":memory:")
    try:
        con.register("_norm_df", prepare.normalise_records(records))
        keys, _ = blocking.build_features(con, "_norm_df", "features")
        if not keys:
            return pd.DataFrame({"record_id_l": pd.Series(dtype=str), "record_id_r": pd.Series(dtype=str)})
        union = " union ".join(
            f"select l.record_id as record_id_l, r.record_id as record_id_r from features l join features r "
            f"on l.{k} = r.{k} and l.record_id < r.record_id"
            for k in keys
        )
        return con.execute(union).df()
    finally:
        con.close()
