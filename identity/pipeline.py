"""``resolve()``: person records in, clusters out (normalise -> block -> score with Splink -> cluster), and
``resolve_incremental()``: the same resolution, doing only the work that records new or changed since a previous
run call for.

An incremental run scores the pairs that involve a changed record (new, edited, or whose derived matching features
moved because of other records) with the saved model, keeps the previous run's scores of every other pair, and
reclusters only the connected groups of records those changes touch. Everything it decides from comes from the
same code as a full run (normalisation, features, blocking, frequencies, the model, clustering), so its result is
the full run's with the same model.
"""

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

from identity import blocking, cluster, frequencies, prepare, settings, spark_engine, train
from identity import normalize as nz

log = logging.getLogger(__name__)

# Pairs kept as evidence, and pairs strong enough to merge. Precision first: a merge needs the model to be
# sure, and the constraints in ``cluster`` catch what it is wrongly sure about.
EVIDENCE_THRESHOLD = 0.5
MATCH_THRESHOLD = 0.9
# Above this many records DuckDB spills to a temporary file under a memory limit.
ON_DISK_FROM = 250_000
EVIDENCE_KEY = ["record_id_l", "record_id_r"]


@dataclass
class Timings:
    """Seconds per phase of the last ``resolve`` call (for benchmarks)."""

    phases: dict[str, float] = field(default_factory=dict)
    pairs_kept: int = 0
    edges: int = 0
    # On Spark: bytes of the edges and of the clustered records' features collected to the driver (Arrow).
    collected_bytes: int = 0
    trained: bool = False


last_timings = Timings()


@dataclass
class PreviousRun:
    """What an incremental resolution needs of the run before it; the caller keeps it between runs.

    ``clusters``: ``record_id``, ``cluster_id`` (any label: customer IDs do); ``evidence``, ``fingerprints`` and
    ``model_id`` as that run's :class:`Resolution` returned them; the analyst overrides that run applied. A
    previous run made with another model than the one saved now (a retrain since) makes the next run a full one.
    """

    clusters: pd.DataFrame
    evidence: pd.DataFrame
    fingerprints: pd.DataFrame
    model_id: str | None
    must_link: list[tuple[str, str]] = field(default_factory=list)
    cannot_link: list[tuple[str, str]] = field(default_factory=list)

    @classmethod
    def following(
        cls,
        result: Resolution,
        clusters: pd.DataFrame | None = None,
        must_link: Iterable[tuple[str, str]] = (),
        cannot_link: Iterable[tuple[str, str]] = (),
    ) -> PreviousRun:
        """The run that gave ``result`` (its clusters, or ``clusters`` such as customer IDs) with its overrides."""
        clusters = result.clusters if clusters is None else clusters
        return cls(clusters, result.evidence, result.fingerprints, result.model_id, list(must_link), list(cannot_link))


@dataclass
class Resolution:
    """A resolution and what a later incremental run needs of it.

    ``clusters`` and ``evidence`` as ``resolve(..., return_evidence=True)`` returns them; ``fingerprints``
    (``record_id``, ``fingerprint``) of each record's matching features; ``model_id``, the digest of the model that
    scored the pairs (None when nothing was compared). ``incremental``: only the changes were
    resolved; ``trained``: the model was (re)trained, which makes a run full.
    """

    clusters: pd.DataFrame
    evidence: pd.DataFrame
    fingerprints: pd.DataFrame
    model_id: str | None
    incremental: bool
    trained: bool
    changed_records: int
    reclustered_records: int


def _connect(n: int, memory_limit: str | None, threads: int | None, engine: str = "duckdb") -> tuple[Any, str | None]:
    """A DuckDB connection (in memory, or on a file above ``ON_DISK_FROM`` records), or a
    ``spark_engine.SparkConnection`` when ``engine`` is ``spark``; and the temporary folder to remove after."""
    if engine == "spark":
        return spark_engine.SparkConnection(spark_engine.session()), None
    tmpdir = None
    if n >= ON_DISK_FROM:
        tmpdir = tempfile.mkdtemp(prefix="identity_")
        con = duckdb.connect(os.path.join(tmpdir, "identity.duckdb"))
        con.execute(f"set temp_directory = '{os.path.join(tmpdir, 'spill')}'")
    else:
        con = duckdb.connect(":memory:")
    # No progress bar drawn on stdout (into `cdp run`'s output) for the queries over two seconds of a large resolution.
    con.execute("set enable_progress_bar = false")
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
    engine: str | None = None,
) -> pd.DataFrame | tuple[pd.DataFrame, pd.DataFrame]:
    """Group person records that belong to one person.

    Args:
        records: one row per source record with ``record_id`` (unique) and any of ``first_name``,
            ``last_name``, ``email``, ``phone``, ``date_of_birth``, ``address``, ``city``, ``postcode``,
            ``country`` (``source_system`` and other columns are carried along but not compared).
        model_path: JSON file of the trained model (its term frequencies beside it); loaded when it exists and
            fits the data, else the model is trained and written there. None: train in memory every call.
        retrain: train even if ``model_path`` holds a fitting model (and overwrite it).
        return_evidence: also return the scored pairs (``record_id_l``, ``record_id_r``,
            ``match_weight``, ``match_probability``, ``gamma_<comparison>``) with probability at least
            ``evidence_threshold``.
        must_link / cannot_link: analyst overrides as pairs of record IDs. A must-link makes the clusters of its
            two records one, unconditionally; cannot-links are never joined by scored pairs.
        match_threshold: minimum pair probability for a merge.
        max_cluster_size: no cluster grows beyond this through scored pairs.
        memory_limit / threads: DuckDB limits (default 4GB, all cores).
        engine: ``duckdb`` or ``spark`` (Splink's Spark backend on ``spark_engine.session()``); default the
            ``CDP_ENGINE`` setting, else ``duckdb``. The same features, blocking, comparisons and training on either.

    Returns:
        DataFrame ``record_id``, ``cluster_id`` (str), one row per input record in input order; the
        cluster ID is the smallest record ID of the cluster, so it is deterministic.
    """
    result = _resolve(
        records,
        None,
        model_path=model_path,
        retrain=retrain,
        must_link=must_link,
        cannot_link=cannot_link,
        match_threshold=match_threshold,
        evidence_threshold=evidence_threshold,
        max_cluster_size=max_cluster_size,
        memory_limit=memory_limit,
        threads=threads,
        keep_evidence=return_evidence,
        fingerprint=False,
        engine=engine,
    )
    return (result.clusters, result.evidence) if return_evidence else result.clusters


def resolve_incremental(
    records: pd.DataFrame,
    previous: PreviousRun | None,
    *,
    model_path: str | os.PathLike[str] | None = None,
    retrain: bool = False,
    must_link: Iterable[tuple[str, str]] = (),
    cannot_link: Iterable[tuple[str, str]] = (),
    match_threshold: float = MATCH_THRESHOLD,
    evidence_threshold: float = EVIDENCE_THRESHOLD,
    max_cluster_size: int = cluster.DEFAULT_MAX_CLUSTER_SIZE,
    memory_limit: str | None = None,
    threads: int | None = None,
    engine: str | None = None,
) -> Resolution:
    """Resolve ``records`` (all of them, as ``resolve`` takes them), doing only the work their changes since
    ``previous`` call for.

    Incremental when there is a ``previous`` run and ``model_path`` holds a model that fits the data: pairs that
    involve a new or changed record are scored with that model, the others keep their previous scores, and only
    the groups of records connected to a change are clustered again. Otherwise (no previous run, ``retrain``, no
    model or one that no longer fits) a full resolution, which trains the model when it must. Either way the
    result is what ``resolve`` with the same model gives. Arguments as for :func:`resolve`; the evidence is
    always returned, since the next run starts from it.

    On Spark (``engine``, or ``CDP_ENGINE=spark``) every run is a full one for now: the result is the same, the work
    is not saved.
    """
    return _resolve(
        records,
        previous,
        model_path=model_path,
        retrain=retrain,
        must_link=must_link,
        cannot_link=cannot_link,
        match_threshold=match_threshold,
        evidence_threshold=evidence_threshold,
        max_cluster_size=max_cluster_size,
        memory_limit=memory_limit,
        threads=threads,
        keep_evidence=True,
        fingerprint=True,
        engine=engine,
    )


def _resolve(
    records: pd.DataFrame,
    previous: PreviousRun | None,
    *,
    model_path: str | os.PathLike[str] | None,
    retrain: bool,
    must_link: Iterable[tuple[str, str]],
    cannot_link: Iterable[tuple[str, str]],
    match_threshold: float,
    evidence_threshold: float,
    max_cluster_size: int,
    memory_limit: str | None,
    threads: int | None,
    keep_evidence: bool,
    fingerprint: bool,
    engine: str | None = None,
) -> Resolution:
    global last_timings
    engine = spark_engine.engine_name(engine)
    if engine == "spark":
        previous = None  # incremental scoring is DuckDB's only, for now: a full resolution
    timings = Timings()
    t0 = time.perf_counter()
    must = [(str(a), str(b)) for a, b in must_link]
    cannot = [(str(a), str(b)) for a, b in cannot_link]
    if set(map(frozenset, must)) & set(map(frozenset, cannot)):
        raise ValueError("a pair is in both must_link and cannot_link")

    # On either engine normalising runs here, in pandas on the driver: each distinct value is cleaned once (names,
    # emails, postcodes repeat a lot), where a pandas UDF would clean every row's value again in each batch, and the
    # records arrive as a pandas frame anyway (CONTRACT §5). Spark gets the normalised columns.
    norm = prepare.normalise_records(records)
    if len(norm) > 100_000:  # per-value caches have served this call; do not hold them in a long process
        nz.clear_caches()
    timings.phases["normalise"] = time.perf_counter() - t0
    n = len(norm)
    if n == 0:
        empty = pd.DataFrame({"record_id": pd.Series(dtype=str), "cluster_id": pd.Series(dtype=str)})
        return Resolution(
            empty,
            pd.DataFrame(columns=[*EVIDENCE_KEY, "match_weight", "match_probability"]),
            pd.DataFrame({"record_id": pd.Series(dtype=str), "fingerprint": pd.Series(dtype=str)}),
            model_id=None,
            incremental=False,
            trained=False,
            changed_records=0,
            reclustered_records=0,
        )

    con, tmpdir = _connect(n, memory_limit, threads, engine)
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
        fingerprints = _fingerprints(con) if fingerprint or previous is not None else pd.DataFrame()
        timings.phases["features"] = time.perf_counter() - t

        run = _Run(con, present, block_keys, n, timings)
        model = run.model(model_path, retrain) if present and block_keys and n > 1 else None
        changed: set[str] | None = None
        if previous is not None and model is not None and previous.model_id == model.identity:
            changed = _changed(fingerprints, previous.fingerprints)
        evidence = run.score(model, changed, match_threshold, evidence_threshold, keep_evidence)
        if changed is not None:
            evidence = _merge_evidence(previous.evidence, evidence, changed, set(norm["record_id"]))
            run.edges_from(evidence, match_threshold)
        timings.edges = con.execute("select count(*) from _edges").fetchall()[0][0]

        t = time.perf_counter()
        cluster_con = _edges_on_driver(con, must, cannot, timings) if spark_engine.is_spark(con) else con
        guards = model.guards if model else {}
        touched = None
        if changed is not None:
            gone = set(previous.clusters["record_id"].astype(str)) - set(norm["record_id"])  # type: ignore[union-attr]
            touched = _touched(changed | gone, previous, must, cannot)  # type: ignore[arg-type]
        rep = _cluster(cluster_con, must, cannot, max_cluster_size, bool(guards.get("dob_outweighs_names")), touched)
        if cluster_con is not con:
            cluster_con.close()
        out = pd.DataFrame({"record_id": norm["record_id"]})
        if changed is None:
            out["cluster_id"] = out["record_id"]
        else:
            # Untouched records keep their previous cluster; a touched one is alone unless clustering joins it.
            kept = _previous_cluster_ids(out["record_id"], previous.clusters)  # type: ignore[union-attr]
            out["cluster_id"] = kept.where(~out["record_id"].isin(touched), out["record_id"])
        if len(rep):
            mapped = out["record_id"].map(rep)
            out["cluster_id"] = mapped.where(mapped.notna(), out["cluster_id"]).astype(str)
        timings.phases["cluster"] = time.perf_counter() - t
    finally:
        splink_logger.setLevel(old_level)
        con.close()
        if tmpdir:
            shutil.rmtree(tmpdir, ignore_errors=True)
    timings.phases["total"] = time.perf_counter() - t0
    last_timings = timings
    return Resolution(
        out,
        evidence,
        fingerprints,
        model_id=model.identity if model else None,
        incremental=changed is not None,
        trained=timings.trained,
        changed_records=n if changed is None else len(changed),
        reclustered_records=len(rep),
    )


def _fingerprints(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """``record_id``, ``fingerprint``: a hash of everything a record is matched on, including what other records
    make of it (a shared email, a blocking key dropped as too common), so a change anywhere that alters how a
    record is compared changes its fingerprint."""
    cols = [
        c for c in con.execute("select * from features limit 0").df().columns if c not in ("record_id", "source_system")
    ]
    parts = ", ".join(f"coalesce({c}::varchar, '\x00')" for c in cols)
    return con.execute(
        f"select record_id, md5(concat_ws('\x1f', {parts})) as fingerprint from features order by record_id"
    ).df()


def _changed(current: pd.DataFrame, before: pd.DataFrame) -> set[str]:
    """Record IDs that are new or whose fingerprint moved."""
    merged = current.merge(before[["record_id", "fingerprint"]], on="record_id", how="left", suffixes=("", "_before"))
    return set(merged.loc[merged["fingerprint"] != merged["fingerprint_before"], "record_id"])


def _merge_evidence(before: pd.DataFrame, scored: pd.DataFrame, changed: set[str], present: set[str]) -> pd.DataFrame:
    """The previous evidence of pairs between unchanged records still present, with this run's scored pairs."""
    if before is None or before.empty:
        kept = before
    else:
        gone = changed | (set(before["record_id_l"]) | set(before["record_id_r"])) - present
        kept = before[~before["record_id_l"].isin(gone) & ~before["record_id_r"].isin(gone)]
    frames = [f for f in (kept, scored) if f is not None and len(f)]
    if not frames:
        return scored
    merged = pd.concat(frames, ignore_index=True)
    return merged.sort_values(EVIDENCE_KEY, ignore_index=True)


def _touched(
    changed: set[str], previous: PreviousRun, must: list[tuple[str, str]], cannot: list[tuple[str, str]]
) -> set[str]:
    """Records whose clustering may differ from the previous run's: the ``changed`` ones (new, changed or gone),
    the records that shared a cluster or a scored pair with one, and every record of an override (this run's or
    the previous run's)."""
    touched = set(changed)
    clusters = previous.clusters
    labels = set(clusters.loc[clusters["record_id"].isin(changed), "cluster_id"])
    touched |= set(clusters.loc[clusters["cluster_id"].isin(labels), "record_id"])
    ev = previous.evidence
    if ev is not None and len(ev):
        hit = ev["record_id_l"].isin(changed) | ev["record_id_r"].isin(changed)
        touched |= set(ev.loc[hit, "record_id_l"]) | set(ev.loc[hit, "record_id_r"])
    for pairs in (must, cannot, previous.must_link, previous.cannot_link):
        touched |= {str(x) for pair in pairs for x in pair}
    return touched


def _previous_cluster_ids(record_ids: pd.Series, clusters: pd.DataFrame) -> pd.Series:
    """Each record's previous cluster as a cluster ID (its smallest record ID still present); a record new since
    then is alone."""
    label = record_ids.map(clusters.set_index("record_id")["cluster_id"])
    frame = pd.DataFrame({"record_id": record_ids, "label": label})
    first = frame.dropna(subset=["label"]).groupby("label")["record_id"].transform("min")
    out = record_ids.copy()
    out.loc[first.index] = first
    return out.astype(str)


class _Run:
    """The scoring half of one resolution, on the ``features`` table of ``con``."""

    def __init__(
        self, con: duckdb.DuckDBPyConnection, present: set[str], block_keys: list[str], n: int, timings: Timings
    ) -> None:
        self.con, self.present, self.block_keys, self.n, self.timings = con, present, block_keys, n, timings
        con.execute("create or replace temp table _edges (record_id_l varchar, record_id_r varchar, w double)")

    def model(self, model_path: str | os.PathLike[str] | None, retrain: bool) -> train.Model:
        """The saved model when it fits the data, else a model trained on it (and saved)."""
        from splink import Linker

        t = time.perf_counter()
        con = self.con
        settings.create_macros(con)
        profile = train.data_profile(con, self.present)
        model = None if retrain else train.load_model(con, model_path, profile)
        if model is None:
            sdf = _db_api(con).register("features", dataset_display_name="features_train")
            spec = settings.for_engine(settings.settings(self.present, self.block_keys), _dialect(con))
            trained = train.train(
                lambda s: Linker(sdf, s, log_level=None),
                spec,
                self.present,
                self.n,
                u_chunks=1 if spark_engine.is_spark(con) else 10,
            )
            model = train.Model(train.calibrate_prior(con, trained), train.learn_guards(con, self.present), profile)
            frequencies.count_values(con, _tf_columns(model.settings))
            self.timings.trained = True
            if model_path:
                train.save_model(con, model, model_path)
        self.timings.phases["train" if self.timings.trained else "load_model"] = time.perf_counter() - t
        return model

    def score(
        self,
        model: train.Model | None,
        changed: set[str] | None,
        match_threshold: float,
        evidence_threshold: float,
        keep_evidence: bool,
    ) -> pd.DataFrame:
        """Score the blocked pairs (only those with a ``changed`` record, when given) into ``_edges``; return them
        as evidence when ``keep_evidence``."""
        from splink import Linker

        evidence_cols = [*EVIDENCE_KEY, "match_weight", "match_probability"]
        if model is None:
            return pd.DataFrame(columns=evidence_cols)
        con = self.con
        t = time.perf_counter()
        table, rules = "features", [f"l.{k} = r.{k}" for k in self.block_keys]
        if changed is not None:
            table = _with_neighbours(con, changed, self.block_keys)
            rules = [f"{rule} AND (l._changed OR r._changed)" for rule in rules]
        spec = dict(model.settings)
        spec["blocking_rules_to_generate_predictions"] = [
            {"blocking_rule": r, "sql_dialect": _dialect(con)} for r in rules
        ]
        spec["retain_matching_columns"] = True  # gamma_* columns, the evidence, come with them
        db_api = _db_api(con)
        linker = Linker(db_api.register(table, dataset_display_name=f"{table}_predict"), spec, log_level=None)
        frequencies.register(linker, db_api, con, _tf_columns(spec), table)
        n_scored = con.execute(f"select count(*) from {table}").fetchall()[0][0]
        # Chunks bound DuckDB's memory on one machine; Spark spreads the blocked pairs over its partitions instead.
        chunks = 1 if spark_engine.is_spark(con) else max(1, n_scored // 400_000)
        kwargs: dict[str, Any] = {"num_chunks_left": chunks, "num_chunks_right": 1} if chunks > 1 else {}
        pred = linker.inference.predict(threshold_match_probability=evidence_threshold, **kwargs)
        self.timings.phases["predict"] = time.perf_counter() - t

        t = time.perf_counter()
        pt = pred.physical_name
        con.execute(
            f"insert into _edges select record_id_l, record_id_r, match_weight from {pt} "
            f"where match_probability >= {float(match_threshold)}"
        )
        evidence = pd.DataFrame(columns=evidence_cols)
        if keep_evidence:
            keep = set(evidence_cols)
            cols = [
                c
                for c in con.execute(f"select * from {pt} limit 0").df().columns
                if c in keep or c.startswith("gamma_")
            ]
            evidence = con.execute(f"select {', '.join(cols)} from {pt} order by record_id_l, record_id_r").df()
        self.timings.pairs_kept = con.execute(f"select count(*) from {pt}").fetchall()[0][0]
        self.timings.phases["edges"] = time.perf_counter() - t
        return evidence

    def edges_from(self, evidence: pd.DataFrame, match_threshold: float) -> None:
        """Replace ``_edges`` by the merge-strength pairs of ``evidence``."""
        self.con.execute("delete from _edges")
        if evidence is None or evidence.empty:
            return
        strong = evidence.loc[evidence["match_probability"] >= match_threshold, [*EVIDENCE_KEY, "match_weight"]]
        self.con.register("_strong", strong)
        self.con.execute("insert into _edges select record_id_l, record_id_r, match_weight from _strong")
        self.con.unregister("_strong")


def _dialect(con: Any) -> str:
    return "spark" if spark_engine.is_spark(con) else "duckdb"


def _db_api(con: Any) -> Any:
    """Splink's database API for ``con``: DuckDB's, or Spark's on the connection's own session."""
    if spark_engine.is_spark(con):
        return con.splink_api()
    from splink import DuckDBAPI

    return DuckDBAPI(connection=con)


def _edges_on_driver(
    con: Any, must: list[tuple[str, str]], cannot: list[tuple[str, str]], timings: Timings
) -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB connection holding ``_edges`` collected from Spark and the ``features`` clustering reads
    (of the records with an edge or an override only).

    Clustering (``cluster.constrained_clusters``, a union-find with guards, strongest pair first) runs on the driver:
    its merges depend on each other in weight order, which does not partition. The edges are the pairs over the match
    threshold, a few per matched record (``last_timings.edges``), and those records' names and birth date
    (``last_timings.collected_bytes`` for both, benchmarks/identity_engines.py: 0.33 MB at 4,897 records and 27,668
    edges at 49,226 records in 3.4 MB, so about 70 bytes a record; a million records, some 70 MB on the driver).
    """
    ids = pd.DataFrame({"record_id": [x for pair in [*must, *cannot] for x in pair]}, dtype="object")
    con.register("_override_ids", ids)
    nodes = con.execute(
        """
        select record_id, first_toks, name_toks, dob from features where record_id in (
            select record_id_l from _edges union select record_id_r from _edges
            union select record_id from _override_ids
        )
        """
    ).arrow()
    edges = con.execute("select record_id_l, record_id_r, w from _edges").arrow()
    con.unregister("_override_ids")
    timings.collected_bytes = nodes.nbytes + edges.nbytes
    local = duckdb.connect(":memory:")
    local.execute("set enable_progress_bar = false")
    local.register("_nodes_arrow", nodes)
    local.register("_edges_arrow", edges)
    local.execute("create table features as select * from _nodes_arrow")
    local.execute("create table _edges as select * from _edges_arrow")
    local.unregister("_nodes_arrow")
    local.unregister("_edges_arrow")
    return local


def _tf_columns(spec: dict[str, Any]) -> list[str]:
    return sorted(
        {
            lv["tf_adjustment_column"]
            for c in spec["comparisons"]
            for lv in c["comparison_levels"]
            if lv.get("tf_adjustment_column")
        }
    )


def _with_neighbours(con: duckdb.DuckDBPyConnection, changed: set[str], block_keys: list[str]) -> str:
    """Table ``_scored``: the changed records and every record sharing a blocking key value with one, with a
    ``_changed`` flag. Only pairs with a changed record are scored, so the rest of the warehouse is not read."""
    con.register("_changed_ids", pd.DataFrame({"record_id": sorted(changed)}, dtype="object"))
    con.execute("create or replace temp table _ch as select f.* from features f join _changed_ids using (record_id)")
    near = " union ".join(
        f"select f.record_id from features f join (select distinct {k} from _ch where {k} is not null) c using ({k})"
        for k in block_keys
    )
    con.execute(
        f"""
        create or replace table _scored as
        select f.*, f.record_id in (select record_id from _changed_ids) as _changed
        from features f where f.record_id in (select record_id from _changed_ids union {near})
        """
    )
    con.unregister("_changed_ids")
    return "_scored"


def _cluster(
    con: duckdb.DuckDBPyConnection,
    must_link: list[tuple[str, str]],
    cannot_link: list[tuple[str, str]],
    max_cluster_size: int,
    dob_outweighs_names: bool,
    touched: set[str] | None = None,
) -> pd.Series:
    """Cluster ID (smallest member record ID) of every record that has an edge or an override, or, given
    ``touched``, of every record connected (by edges and must-links) to a touched one.

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
    edges = con.execute(
        """
        select nl.i as l, nr.i as r, e.w as w from _edges e
        join _nodes nl on e.record_id_l = nl.record_id join _nodes nr on e.record_id_r = nr.record_id
        """
    ).df()
    if touched is not None:
        ids_all = [r[0] for r in con.execute("select record_id from _nodes order by i").fetchall()]
        pos = {r: i for i, r in enumerate(ids_all)}
        keep = cluster.connected_to(
            len(ids_all),
            edges,
            [(pos[a], pos[b]) for a, b in must_link if a in pos and b in pos],
            [pos[r] for r in touched if r in pos],
        )
        con.register("_keep", pd.DataFrame({"i": keep}))
        con.execute(
            "create or replace temp table _nodes as "
            "select record_id, (row_number() over (order by record_id)) - 1 as i "
            "from _nodes where i in (select i from _keep)"
        )
        con.unregister("_keep")
        edges = con.execute(
            """
            select nl.i as l, nr.i as r, e.w as w from _edges e
            join _nodes nl on e.record_id_l = nl.record_id join _nodes nr on e.record_id_r = nr.record_id
            """
        ).df()
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
    labels = cluster.constrained_clusters(
        ids,
        names,
        dobs,
        edges,
        must_link=must_link,
        cannot_link=cannot_link,
        max_cluster_size=max_cluster_size,
        dob_outweighs_names=dob_outweighs_names,
    )
    # ids are sorted, so the smallest record ID of a cluster is its first member.
    rep = pd.Series(ids).groupby(labels).transform("first")
    return pd.Series(rep.to_numpy(), index=ids)
