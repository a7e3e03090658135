"""The invariance ladder is climbed by one function for continuous and ordinal items.

``invariance()`` (ML/MLM/MLR levels configural -> metric -> scalar -> strict) and its
ordinal ladder (configural -> thresholds -> scalar (-> strict), ``invariance_ordinal``)
differ in their levels, fits, measures, difference tests and partial searches
(``_Ladder``); the climb, the decisions, the partial search's loop and the notes of the
table are one (``_climb``). The numbers of each ladder are pinned against lavaan in
``test_groups.py`` and ``test_groups_ordinal.py``.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest

from loyaltysem.datasets import load_frame
from loyaltysem.sem import invariance as inv_module
from loyaltysem.sem.invariance import invariance

MODEL = "visual =~ x1 + x2 + x3; textual =~ x4 + x5 + x6; speed =~ x7 + x8 + x9"


@pytest.fixture(scope="module")
def hs() -> pd.DataFrame:
    return load_frame("holzinger_swineford")


@pytest.fixture(scope="module")
def hs5(hs: pd.DataFrame) -> pd.DataFrame:
    """x1..x9 in five quantile categories, and the school."""

    def cut5(v: pd.Series) -> np.ndarray:
        return np.clip(np.searchsorted(np.quantile(v, np.linspace(0, 1, 6)), v), 1, 5)

    out = pd.DataFrame({f"x{i}": cut5(hs[f"x{i}"]) for i in range(1, 10)})
    out["school"] = hs["school"].to_numpy()
    return out


def _spy(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    seen: list[Any] = []
    real = inv_module._climb

    def spy(ladder, levels, *args, **kwargs):
        seen.append((ladder, tuple(levels)))
        return real(ladder, levels, *args, **kwargs)

    monkeypatch.setattr(inv_module, "_climb", spy)
    return seen


def test_both_ladders_are_climbed_by_one_function(monkeypatch, hs, hs5):
    seen = _spy(monkeypatch)
    continuous = invariance(MODEL, hs, "school", partial=True)
    ordinal = invariance(MODEL, hs5, "school", ordered=True, partial=True)
    assert [levels for _, levels in seen] == [
        ("configural", "metric", "scalar", "strict"),
        ("configural", "thresholds", "scalar"),
    ]
    assert [ladder.raise_first for ladder, _ in seen] == [False, True]
    for result in (continuous, ordinal):
        assert list(result.table.columns) == inv_module._COLUMNS
        assert len(result.partial) > 0  # the one partial search ran in both
        assert set(result.partial["decision"]) <= {"supported", "not supported"}
        assert "partially supported" in set(result.table["decision"])


def test_the_ordinal_table_says_what_a_level_above_a_rejected_one_decides(hs5):
    """As the continuous table: a level on top of an unsupported one is about its step."""
    table = invariance(MODEL, hs5, "school", ordered=True).table
    assert table.loc["thresholds", "decision"] == "not supported"
    assert table.loc["scalar", "decision"] == "supported"
    assert "thresholds invariance was not supported" in table.loc["scalar", "reason"]
    assert "the decision is about the step from it only" in table.loc["scalar", "reason"]
