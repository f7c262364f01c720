"""``resolve()``: person records in, clusters out (normalise -> block -> score with Splink -> cluster)."""

from __future__ import annotations

import logging
import os
import shutil
import tempfile
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, Literal, overload

import duckdb
import pandas as pd

from identity import blocking, cluster, prepare, settings, train
from identity import normalize as nz

log = logging.getLogger(__name__)

# Pairs kept as evidence, and pairs strong enough to merge. Precision first: a merge needs the model to be
# sure, and the constraints in ``cluster`` catch what it is wrongly sure about.
EVIDENCE_THRESHOLD = 0.5
MATCH_THRESHOLD = 0.9
# Above this many records DuckDB spills to a temporary file under a memory limit.
ON_DISK_FROM = 250_000


@dataclass
class Timings:
    """Seconds per phase of the last ``resolve`` call (for benchmarks)."""

    phases: dict[str, float] = field(default_factory=dict)
    pairs_kept: int = 0
    edges: int = 0
    trained: bool = False


last_timings = Timings()


def _connect(n: int, memory_limit: str | None, threads: int | None) -> tuple[duckdb.DuckDBPyConnection, str | None]:
    tmpdir = None
    if n >= ON_DISK_FROM:
        tmpdir = tempfile.mkdtemp(prefix="identity_")
        con = duckdb.connect(os.path.join(tmpdir, "identity.duckdb"))
        con.execute(f"set temp_directory = '{os.path.join(tmpdir, 'spill')}'")
    else:
        con = duckdb.connect(":memory:")
    con.execute(f"set memory_limit = '{memory_limit or '4GB'}'")
    con.execute("set preserve_insertion_order = false")
    if threads:
        con.execute(f"set threads = {int(threads)}")
    return con, tmpdir


@overload
def resolve(records: pd.DataFrame, *, return_evidence: Literal[False] = ..., **kw: Any) -> pd.DataFrame: ...
@overload
def resolve(
    records: pd.DataFrame, *, return_evidence: Literal[True], **kw: Any
) -> tuple[pd.DataFrame, pd.DataFrame]: ...


def resolve(
    records: pd.DataFrame,
    *,
    model_path: str | os.PathLike[str] | None = None,
    retrain: bool = False,
    return_evidence: bool = False,
    must_link: Iterable[tuple[str, str]] = (),
    cannot_link: Iterable[tuple[str, str]] = (),
    match_threshold: float = MATCH_THRESHOLD,
    evidence_threshold: float = EVIDENCE_THRESHOLD,
    max_cluster_size: int = cluster.DEFAULT_MAX_CLUSTER_SIZE,
    memory_limit: str | None = None,
    threads: int | None = None,
) -> pd.DataFrame | tuple[pd.DataFrame, pd.DataFrame]:
    """Group person records that belong to one person.

    Args:
        records: one row per source record with ``record_id`` (unique) and any of ``first_name``,
            ``last_name``, ``email``, ``phone``, ``date_of_birth``, ``address``, ``city``, ``postcode``,
            ``country`` (``source_system`` and other columns are carried along but not compared).
        model_path: JSON file of the trained model; loaded when it exists and fits the data, else the
            model is trained and written there. None: train in memory every call.
        retrain: train even if ``model_path`` holds a fitting model (and overwrite it).
        return_evidence: also return the scored pairs (``record_id_l``, ``record_id_r``,
            ``match_weight``, ``match_probability``, ``gamma_<comparison>``) with probability at least
            ``evidence_threshold``.
        must_link / cannot_link: analyst overrides as pairs of record IDs. Must-links are joined
            unconditionally; cannot-links are never joined by scored pairs.
        match_threshold: minimum pair probability for a merge.
        max_cluster_size: no cluster grows beyond this through scored pairs.
        memory_limit / threads: DuckDB limits (default 4GB, all cores).

    Returns:
        DataFrame ``record_id``, ``cluster_id`` (str), one row per input record in input order; the
        cluster ID is the smallest record ID of the cluster, so it is deterministic.
    """
    global last_timings
    timings = Timings()
    t0 = time.perf_counter()
    must_link = [tuple(map(str, p)) for p in must_link]
    cannot_link = [tuple(map(str, p)) for p in cannot_link]
    if set(map(frozenset, must_link)) & set(map(frozenset, cannot_link)):
        raise ValueError("a pair is in both must_link and cannot_link")

    norm = prepare.normalise_records(records)
    if len(norm) > 100_000:  # per-value caches have served this call; do not hold them in a long process
        nz.clear_caches()
    timings.phases["normalise"] = time.perf_counter() - t0
    n = len(norm)
    evidence_cols = ["record_id_l", "record_id_r", "match_weight", "match_probability"]
    if n == 0:
        out = pd.DataFrame({"record_id": pd.Series(dtype=str), "cluster_id": pd.Series(dtype=str)})
        return (out, pd.DataFrame(columns=evidence_cols)) if return_evidence else out

    con, tmpdir = _connect(n, memory_limit, threads)
    splink_logger = logging.getLogger("splink")
    old_level = splink_logger.level
    # Splink warns of every comparison level EM never saw; train.py fills those on purpose, so only errors show.
    splink_logger.setLevel(logging.ERROR)
    try:
        t = time.perf_counter()
        con.register("_norm_df", norm)
        con.execute("create or replace table _norm as select * from _norm_df")
        con.unregister("_norm_df")
        block_keys, present = blocking.build_features(con, "_norm", "features")
        con.execute("drop table _norm")
        timings.phases["features"] = time.perf_counter() - t

        evidence = pd.DataFrame(columns=evidence_cols)
        con.execute("create or replace temp table _edges (record_id_l varchar, record_id_r varchar, w double)")
        if present and block_keys and n > 1:
            evidence = _score(
                con,
                present,
                block_keys,
                n,
                model_path,
                retrain,
                match_threshold,
                evidence_threshold,
                return_evidence,
                timings,
            )

        t = time.perf_counter()
        out = pd.DataFrame({"record_id": norm["record_id"]})
        out["cluster_id"] = out["record_id"]
        rep = _cluster(con, must_link, cannot_link, max_cluster_size)
        if len(rep):
            mapped = out["record_id"].map(rep)
            out["cluster_id"] = mapped.where(mapped.notna(), out["record_id"]).astype(str)
        timings.phases["cluster"] = time.perf_counter() - t
    finally:
        splink_logger.setLevel(old_level)
        con.close()
        if tmpdir:
            shutil.rmtree(tmpdir, ignore_errors=True)
    timings.phases["total"] = time.perf_counter() - t0
    last_timings = timings
    return (out, evidence) if return_evidence else out


def _score(
    con: duckdb.DuckDBPyConnection,
    present: set[str],
    block_keys: list[str],
    n: int,
    model_path: str | os.PathLike[str] | None,
    retrain: bool,
    match_threshold: float,
    evidence_threshold: float,
    return_evidence: bool,
    timings: Timings,
) -> pd.DataFrame:
    """Train or load the model, score blocked pairs into ``_edges``; return the evidence if asked."""
    from splink import DuckDBAPI, Linker

    t = time.perf_counter()
    settings.create_macros(con)
    db_api = DuckDBAPI(connection=con)
    sdf = db_api.register("features", dataset_display_name="features")
    profile = train.data_profile(con, present)
    model = None if retrain else train.load_model(model_path, profile)
    if model is not None:
        model["blocking_rules_to_generate_predictions"] = (
            settings.settings(present, block_keys)
            .get_settings("duckdb")
            .as_dict()["blocking_rules_to_generate_predictions"]
        )
        model["retain_matching_columns"] = True  # gamma_* columns, the evidence, come with them
        linker = Linker(sdf, model, log_level=None)
    else:
        model = train.train(
            lambda s: Linker(sdf, s, log_level=None), settings.settings(present, block_keys), present, n
        )
        model = train.calibrate_prior(con, model)
        linker = Linker(sdf, model, log_level=None)
        timings.trained = True
        if model_path:
            train.save_model(model, model_path, profile)
    timings.phases["train" if timings.trained else "load_model"] = time.perf_counter() - t

    t = time.perf_counter()
    chunks = max(1, n // 400_000)
    kwargs: dict[str, Any] = {}
    if chunks > 1:
        kwargs = {"num_chunks_left": chunks, "num_chunks_right": 1}
    pred = linker.inference.predict(threshold_match_probability=evidence_threshold, **kwargs)
    timings.phases["predict"] = time.perf_counter() - t

    t = time.perf_counter()
    pt = pred.physical_name
    con.execute(
        f"""
        insert into _edges select record_id_l, record_id_r, match_weight from {pt}
        where match_probability >= {float(match_threshold)}
        """
    )
    timings.edges = con.execute("select count(*) from _edges").fetchall()[0][0]
    evidence = pd.DataFrame()
    if return_evidence:
        keep = ("record_id_l", "record_id_r", "match_weight", "match_probability")
        cols = [
            c for c in con.execute(f"select * from {pt} limit 0").df().columns if c in keep or c.startswith("gamma_")
        ]
        evidence = con.execute(f"select {', '.join(cols)} from {pt} order by record_id_l, record_id_r").df()
    timings.pairs_kept = con.execute(f"select count(*) from {pt}").fetchall()[0][0]
    timings.phases["edges"] = time.perf_counter() - t
    return evidence


def _cluster(
    con: duckdb.DuckDBPyConnection,
    must_link: list[tuple[str, ...]],
    cannot_link: list[tuple[str, ...]],
    max_cluster_size: int,
) -> pd.Series:
    """Cluster ID (smallest member record ID) of every record that has an edge or an override.

    Only records touched by an edge or an analyst override enter the union-find; the rest are alone.
    """
    overrides = pd.DataFrame({"record_id": [x for pair in [*must_link, *cannot_link] for x in pair]}, dtype="object")
    con.register("_override_ids", overrides)
    con.execute(
        """
        create or replace temp table _nodes as
        select record_id, (row_number() over (order by record_id)) - 1 as i from (
            select record_id_l as record_id from _edges union select record_id_r from _edges
            union select record_id from _override_ids
        ) join features using (record_id)
        """
    )
    con.unregister("_override_ids")
    nodes = con.execute(
        "select n.record_id, f.first_toks, f.name_toks, f.dob from _nodes n join features f using (record_id) "
        "order by n.i"
    ).fetchall()
    if not nodes:
        return pd.Series(dtype="object")
    ids = [r[0] for r in nodes]
    names = [(tuple(r[1] or ()), tuple(r[2])) if r[2] else None for r in nodes]
    dobs = [r[3] for r in nodes]
    del nodes
    edges = con.execute(
        """
        select nl.i as l, nr.i as r, e.w as w from _edges e
        join _nodes nl on e.record_id_l = nl.record_id join _nodes nr on e.record_id_r = nr.record_id
        """
    ).df()
    labels = cluster.constrained_clusters(
        ids,
        names,
        dobs,
        edges,
        must_link=must_link,
        cannot_link=cannot_link,
        max_cluster_size=max_cluster_size,
    )
    # ids are sorted, so the smallest record ID of a cluster is its first member.
    rep = pd.Series(ids).groupby(labels).transform("first")
    return pd.Series(rep.to_numpy(), index=ids)
