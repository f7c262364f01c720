"""Identity: why records were joined and why near matches were not, in words, and the health of the clustering.

The agreement levels (`gamma_*` of `identity.match_evidence`) are read against the saved match model
(`$CDP_HOME/identity/model.json`): Splink numbers a comparison's levels from the strictest (highest) down to
"everything else" (0), with -1 for a value missing on either side; the model gives each level its label.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb

from cdp_orchestration.console.analytics import rows
from cdp_orchestration.console.i18n import N_
from identity.pipeline import MATCH_THRESHOLD
from resolution import read_overrides
from resolution.report import BORDERLINE_HIGH, BORDERLINE_LOW

NULL_LEVEL = -1
BORDERLINE_SHOWN = 25
GAMMA_PREFIX = "gamma_"
# The comparisons of identity/settings.py and their levels, in words the catalogs translate; a label the model has
# and this list lacks is shown as the model spells it.
FIELD_WORDS = {"name": N_("name"), "dob": N_("birth date"), "email": N_("email"), "phone": N_("phone"),
               "place": N_("address")}  # fmt: skip
LEVEL_WORDS = [
    N_("same name tokens"), N_("one name within the other"), N_("one name token mistyped"),
    N_("given name agrees, family name differs"), N_("single name token within the other"), N_("similar names"),
    N_("names sound alike"), N_("family name only shared"), N_("same birth date"),
    N_("birth date typo or day/month swapped"), N_("one of year, month, day differs"), N_("same email, one name"),
    N_("same email, shared by several names"), N_("email typo"), N_("same phone, one name"),
    N_("same phone, shared by several names"), N_("phone typo"), N_("same street line"), N_("similar street line"),
    N_("same postcode and city"), N_("same postcode"), N_("same city"),
]  # fmt: skip
MISSING = N_("missing on one side")
# Splink's last level of every comparison, "All other comparisons": the values differ.
DIFFERENT = N_("different")


@dataclass(frozen=True)
class FieldAgreement:
    field: str  # the comparison's name in the model: name, dob, email, phone, place
    level: int
    label: str  # the level in words (English; the page translates it)
    strength: str  # agrees | partly | differs | missing


@dataclass
class PairExplanation:
    record_id_l: str
    record_id_r: str
    match_weight: float
    match_probability: float
    fields: list[FieldAgreement]
    reason: str  # why joined or not, in words (English; the page translates it)
    customer_l: str | None
    customer_r: str | None
    decided: str | None = None  # an analyst's decision on the pair, if any

    @property
    def joined(self) -> bool:
        return self.customer_l is not None and self.customer_l == self.customer_r


@dataclass
class PairExplainer:
    """Turns rows of `identity.match_evidence` into explanations, using the saved model and the overrides."""

    levels: dict[str, dict[int, str]]  # comparison → gamma → label
    decisions: dict[frozenset[str], str] = field(default_factory=dict)  # pair → same | different
    candidates_shown: int = 10

    @classmethod
    def load(cls, model_path: Path, override_files: list[Path]) -> PairExplainer:
        levels: dict[str, dict[int, str]] = {}
        if model_path.exists():
            for comparison in json.loads(model_path.read_text()).get("comparisons", []):
                non_null = [lv for lv in comparison["comparison_levels"] if not lv.get("is_null_level")]
                levels[comparison["output_column_name"]] = {
                    len(non_null) - 1 - i: lv.get("label_for_charts") or lv.get("sql_condition", "")
                    for i, lv in enumerate(non_null)
                }
        must, cannot = read_overrides(*override_files)
        decisions = {frozenset(p): "same" for p in must} | {frozenset(p): "different" for p in cannot}
        return cls(levels, decisions)

    def fields(self, pair: dict[str, Any]) -> list[FieldAgreement]:
        found = []
        for column, value in pair.items():
            if not column.startswith(GAMMA_PREFIX) or value is None:
                continue
            name = column.removeprefix(GAMMA_PREFIX)
            level = int(value)
            levels = self.levels.get(name, {})
            top = max(levels, default=level)
            if level == NULL_LEVEL:
                label, strength = MISSING, "missing"
            elif level == 0:
                label, strength = DIFFERENT, "differs"
            else:
                label = levels.get(level, str(level))
                strength = "agrees" if level == top else "partly"
            found.append(FieldAgreement(name, level, label, strength))
        return found

    def explain(self, pair: dict[str, Any]) -> PairExplanation:
        joined = pair.get("customer_l") is not None and pair.get("customer_l") == pair.get("customer_r")
        decided = self.decisions.get(frozenset((pair["record_id_l"], pair["record_id_r"])))
        probability = float(pair["match_probability"])
        if joined:
            if decided == "same":
                reason = N_("joined: an analyst decided they are the same person")
            elif probability >= MATCH_THRESHOLD:
                reason = N_("joined: the evidence is strong enough on its own")
            else:
                reason = N_("joined through other records: this pair alone is not strong enough")
        elif decided == "different":
            reason = N_("not joined: an analyst decided they are different people")
        elif probability < MATCH_THRESHOLD:
            reason = N_("not joined: the evidence is too weak")
        else:
            reason = N_(
                "not joined: strong evidence, but a safety rule held them apart (birth dates or given names that "
                "contradict, or a customer that would hold implausibly many records)"
            )
        return PairExplanation(
            pair["record_id_l"],
            pair["record_id_r"],
            float(pair["match_weight"]),
            probability,
            self.fields(pair),
            reason,
            pair.get("customer_l"),
            pair.get("customer_r"),
            decided,
        )


@dataclass
class IdentityHealth:
    cluster_sizes: list[dict[str, Any]]
    systems: list[dict[str, Any]]
    borderline: list[PairExplanation]
    last_run: dict[str, Any] | None
    threshold: float = MATCH_THRESHOLD


def identity_health(cursor: duckdb.DuckDBPyConnection, explainer: PairExplainer) -> IdentityHealth:
    pairs = rows(
        cursor,
        f"""select e.*, ml.customer_id as customer_l, mr.customer_id as customer_r
            from identity.match_evidence as e
            left join marts.customer_id_map as ml on ml.record_id = e.record_id_l
            left join marts.customer_id_map as mr on mr.record_id = e.record_id_r
            where e.match_probability between ? and ?
            order by abs(e.match_probability - ?), e.record_id_l, e.record_id_r limit {BORDERLINE_SHOWN}""",
        [BORDERLINE_LOW, BORDERLINE_HIGH, MATCH_THRESHOLD],
    )
    borderline = [explainer.explain(p) for p in pairs]
    runs = rows(cursor, "select * from identity.resolution_runs order by resolved_at desc limit 1")
    return IdentityHealth(
        cluster_sizes=rows(
            cursor,
            """select records, count(*) as customers from (
                   select customer_id, count(*) as records from marts.customer_id_map group by 1)
               group by 1 order by 1""",
        ),
        systems=rows(
            cursor,
            """select systems, count(*) as customers, count(*) / sum(count(*)) over () as share from (
                   select customer_id, count(distinct source_system) as systems from marts.customer_id_map group by 1)
               group by 1 order by 1""",
        ),
        borderline=borderline,
        last_run=runs[0] if runs else None,
    )
