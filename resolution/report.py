"""A readable report of identity resolution: the trained model, and the borderline pairs an analyst should look at.

Written to `$CDP_HOME/identity/report.html` each run. It names records by ID and shows which fields agreed,
never the personal values themselves, so it can be shared with whoever reviews the matching.
"""

from __future__ import annotations

import html
import json
import math
from pathlib import Path

import pandas as pd

# Pairs the model was least sure about, on both sides of the merge threshold.
BORDERLINE_LOW, BORDERLINE_HIGH = 0.5, 0.99
BORDERLINE_SHOWN = 100


def _bayes_factor(level: dict) -> str:
    m, u = level.get("m_probability"), level.get("u_probability")
    if not m or not u:
        return "—"
    return f"{math.log2(m / u):+.1f}"


def model_table(model: dict) -> str:
    rows = []
    for comparison in model.get("comparisons", []):
        for level in comparison["comparison_levels"]:
            if level.get("is_null_level"):
                continue
            rows.append(
                "<tr>"
                + "".join(
                    f"<td>{html.escape(str(v))}</td>"
                    for v in (
                        comparison["output_column_name"],
                        level.get("label_for_charts", level.get("sql_condition", "")),
                        f"{level.get('m_probability', 0) or 0:.4f}",
                        f"{level.get('u_probability', 0) or 0:.6f}",
                        _bayes_factor(level),
                        "yes" if level.get("tf_adjustment_column") else "",
                    )
                )
                + "</tr>"
            )
    return (
        "<table><tr><th>comparison</th><th>level</th><th>m</th><th>u</th><th>weight (bits)</th>"
        "<th>term frequency</th></tr>" + "".join(rows) + "</table>"
    )


def borderline_table(evidence: pd.DataFrame, threshold: float) -> str:
    near = evidence[
        (evidence["match_probability"] >= BORDERLINE_LOW) & (evidence["match_probability"] < BORDERLINE_HIGH)
    ]
    near = near.assign(distance=(near["match_probability"] - threshold).abs()).sort_values("distance")
    gammas = [c for c in evidence.columns if c.startswith("gamma_")]
    head = "".join(
        f"<th>{html.escape(c)}</th>"
        for c in ["record_id_l", "record_id_r", "match_weight", "match_probability", "decision", *gammas]
    )
    rows = []
    for pair in near.head(BORDERLINE_SHOWN).itertuples(index=False):
        values = [
            pair.record_id_l,
            pair.record_id_r,
            f"{pair.match_weight:.2f}",
            f"{pair.match_probability:.3f}",
            "merged" if pair.match_probability >= threshold else "kept apart",
            *(getattr(pair, g) for g in gammas),
        ]
        rows.append("<tr>" + "".join(f"<td>{html.escape(str(v))}</td>" for v in values) + "</tr>")
    shown = min(len(near), BORDERLINE_SHOWN)
    return (
        f"<p>{len(near):,} pairs between {BORDERLINE_LOW} and {BORDERLINE_HIGH}; the {shown} nearest the threshold "
        f"({threshold}) are shown. Clustering may still refuse a pair above it (contradicting birth dates or names "
        f"in one customer).</p><table><tr>{head}</tr>{''.join(rows)}</table>"
    )


def write_report(path: Path, model_path: Path, evidence: pd.DataFrame, threshold: float, summary: dict) -> None:
    model = json.loads(model_path.read_text()) if model_path.exists() else {}
    facts = "".join(f"<li>{html.escape(k)}: {html.escape(str(v))}</li>" for k, v in summary.items())
    prior = model.get("probability_two_random_records_match")
    path.write_text(f"""<!doctype html><meta charset="utf-8"><title>Identity resolution report</title>
<style>body{{font-family:sans-serif;margin:2em}}table{{border-collapse:collapse}}td,th{{border:1px solid #ccc;
padding:2px 6px;font-size:13px}}</style>
<h1>Identity resolution report</h1><ul>{facts}</ul>
<h2>Trained model</h2><p>Prior probability that two random records match: {prior}. Weight = log2(m/u): how much an
agreement at that level moves the evidence.</p>{model_table(model)}
<h2>Borderline pairs</h2>{borderline_table(evidence, threshold)}
<p>Force a pair together or apart in the console (Identity, or a profile) or in
<code>dbt_project/seeds/identity_overrides.csv</code>.</p>
""")
