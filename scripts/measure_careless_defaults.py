"""Measure what the default careless-responding policy flags on simulated surveys.

Writes the table behind docs/screening.md ("What the defaults flag: measured"):
respondents drawn from the default population model by
:func:`loyaltysem.planning.simulation.simulate_survey` (fixed seeds), indices on the answers
as given, long-string threshold ceil(k / 2) - 1 (Curran 2016) and IRV <= 0.

    PYTHONPATH=src python scripts/measure_careless_defaults.py
"""

from __future__ import annotations

import dataclasses
import math

import pandas as pd

from loyaltysem.planning.simulation import PopulationModel, simulate_survey
from loyaltysem.survey.screening import irv, longstring

SEEDS = range(10)
N = 300
#: 5-point items whose answers lean towards agreement (a common thesis survey).
SKEWED_5_POINT = (-2.0, -1.3, -0.5, 0.5)
SHORT_SETS = {
    "TRU, SAT, LOY (10 items)": [f"{c}{i}" for c in ("TRU", "SAT") for i in (1, 2, 3)]
    + [f"LOY{i}" for i in (1, 2, 3, 4)],
    "REP, SEC, SQ (10 items)": [f"{c}{i}" for c in ("REP", "SEC") for i in (1, 2, 3)]
    + [f"SQ{i}" for i in (1, 2, 3, 4)],
}


def count(model: PopulationModel, items: list[str] | None) -> dict[str, int]:
    """Attentive respondents flagged over all seeds (N each)."""
    half = all_alike = irv_zero = 0
    for seed in SEEDS:
        frame = simulate_survey(model, n=N, random_state=seed)
        answers = frame[items or list(model.items)].astype(float)
        k = answers.shape[1]
        runs = longstring(answers)
        half += int((runs > max(math.ceil(k / 2) - 1, 1)).sum())
        all_alike += int((runs == k).sum())
        irv_zero += int((irv(answers) <= 0).sum())
    return {"long string >= half": half, "all items alike": all_alike, "IRV 0": irv_zero}


def main() -> None:
    default = PopulationModel.default()
    skewed = dataclasses.replace(default, thresholds=dict.fromkeys(default.items, SKEWED_5_POINT))
    rows = {
        "29 items, 7-point (default)": count(default, None),
        "29 items, 5-point skewed": count(skewed, None),
    }
    for label, items in SHORT_SETS.items():
        rows[f"{label}, 7-point"] = count(default, items)
    table = pd.DataFrame(rows).T
    print(f"attentive respondents flagged, of {N * len(SEEDS)} (seeds {list(SEEDS)}):")
    print(table.to_string())


if __name__ == "__main__":
    main()
