"""The default instrument, its model templates and population values."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from loyaltysem.errors import ModelSpecError
from loyaltysem.instruments import (
    DEFAULT_MODEL,
    ECSI_MODEL,
    POPULATION,
    RIVAL_MODEL,
    default_instrument,
    measurement_model,
)
from loyaltysem.survey import Codebook

DATA = Path(__file__).resolve().parents[1] / "src" / "loyaltysem" / "data"
MOBI = DATA / "mobi.csv"
CONSTRUCTS = {
    "REP": 3,
    "SEC": 3,
    "SQ": 4,
    "PQ": 3,
    "PRI": 3,
    "ASS": 3,
    "TRU": 3,
    "SAT": 3,
    "LOY": 4,
}
_OPS = ("=~", "~~", ":=", "~")


def _statements(model: str) -> list[str]:
    return [line.split("#")[0].strip() for line in model.splitlines() if line.split("#")[0].strip()]


def _observed(model: str) -> set[str]:
    """Indicators named on the right of ``=~`` lines."""
    out: set[str] = set()
    for line in _statements(model):
        if "=~" in line:
            rhs = line.split("=~")[1]
            out |= {term.split("*")[-1].strip() for term in rhs.split("+")}
    return out


def _latent(model: str) -> list[str]:
    return [line.split("=~")[0].strip() for line in _statements(model) if "=~" in line]


def _regressions(model: str) -> dict[str, dict[str, str]]:
    """outcome -> {predictor: label}."""
    out: dict[str, dict[str, str]] = {}
    for line in _statements(model):
        if re.search(r"(?<![=~])~(?![~])", line) and "=~" not in line and ":=" not in line:
            lhs, rhs = line.split("~")
            for term in rhs.split("+"):
                label, _, var = term.strip().rpartition("*")
                out.setdefault(lhs.strip(), {})[var] = label
    return out


def _defined(model: str) -> dict[str, str]:
    return {
        line.split(":=")[0].strip(): line.split(":=")[1].strip()
        for line in _statements(model)
        if ":=" in line
    }


# ------------------------------------------------------------------ the instrument


def test_default_instrument_has_29_items_in_9_constructs() -> None:
    cb = default_instrument()
    assert len(cb.items) == 29
    assert {c: len(i) for c, i in cb.construct_items.items()} == CONSTRUCTS
    assert list(cb.construct_items) == list(CONSTRUCTS)
    assert cb.reversed_items == ["LOY4"]
    assert cb.missing_codes == (-99.0,)
    assert all(it.min == 1 and it.max == 7 and it.type == "likert" for it in cb.items)
    assert all(it.text and it.text_zh for it in cb.items)
    assert len({it.text for it in cb.items}) == 29
    assert len({it.text_zh for it in cb.items}) == 29
    loy4 = cb.item("LOY4")
    assert loy4.text == "I am likely to switch to another platform soon."
    assert loy4.text_zh == "我近期可能会转向其他平台。"
    assert cb.construct_labels("zh") == {
        "REP": "平台口碑",
        "SEC": "交易安全",
        "SQ": "服务质量",
        "PQ": "产品质量",
        "PRI": "价格竞争力",
        "ASS": "售后服务",
        "TRU": "信任",
        "SAT": "满意度",
        "LOY": "忠诚度",
    }
    assert cb.construct_labels("en")["PRI"] == "Price competitiveness"
    assert default_instrument() is cb  # cached


def test_value_labels_en_and_zh() -> None:
    cb = default_instrument()
    assert cb.value_labels["en"] == {
        1.0: "Strongly disagree",
        2.0: "Disagree",
        3.0: "Somewhat disagree",
        4.0: "Neither agree nor disagree",
        5.0: "Somewhat agree",
        6.0: "Agree",
        7.0: "Strongly agree",
    }
    assert list(cb.value_labels["zh"].values()) == [
        "非常不同意",
        "不同意",
        "有点不同意",
        "一般",
        "有点同意",
        "同意",
        "非常同意",
    ]
    assert cb.label_lookup("SAT1")["非常同意"] == 7.0
    assert cb.label_lookup("SAT1")["neither agree nor disagree"] == 4.0


def test_toml_files_load_and_agree() -> None:
    instrument = Codebook.read(DATA / "ecommerce_instrument.toml")
    dataset = Codebook.read(DATA / "ecommerce_codebook.toml")
    assert instrument.items == default_instrument().items
    assert dataset.items == instrument.items
    assert dataset.constructs == instrument.constructs
    assert dataset.value_labels == instrument.value_labels
    assert dataset.missing_codes == (-99.0,)
    assert dataset.id_column == "respondent_id"
    assert dict(dataset.columns) == {
        "wave": "group",
        "gender": "group",
        "platform": "group",
        "age": "covariate",
        "respondent_id": "id",
    }
    assert dict(instrument.columns) == {}


# ------------------------------------------------------------------------- models


def test_default_model_names_exactly_the_instrument() -> None:
    cb = default_instrument()
    assert _observed(DEFAULT_MODEL) == set(cb.item_names)
    assert _observed(RIVAL_MODEL) == set(cb.item_names)
    assert _latent(DEFAULT_MODEL) == list(CONSTRUCTS)
    assert measurement_model(cb) in DEFAULT_MODEL
    assert measurement_model(cb) in RIVAL_MODEL


def test_default_and_rival_structural_parts() -> None:
    assert _regressions(DEFAULT_MODEL) == {
        "TRU": {"REP": "a1", "SEC": "a2", "SQ": "a3"},
        "SAT": {"TRU": "b1", "PQ": "c1", "PRI": "c2", "ASS": "c3"},
        "LOY": {"TRU": "d1", "SAT": "d2"},
    }
    rival = _regressions(RIVAL_MODEL)
    assert rival["LOY"] == {"TRU": "d1", "SAT": "d2", "PQ": "e1", "PRI": "e2", "ASS": "e3"}
    assert {k: v for k, v in rival.items() if k != "LOY"} == {
        k: v for k, v in _regressions(DEFAULT_MODEL).items() if k != "LOY"
    }
    defined = _defined(DEFAULT_MODEL)
    assert _defined(RIVAL_MODEL) == defined
    assert defined["ind_REP_TRU"] == "a1*d1"
    assert defined["ind_REP_TRU_SAT"] == "a1*b1*d2"
    assert defined["ind_REP"] == "a1*d1 + a1*b1*d2"
    assert defined["ind_SEC"] == "a2*d1 + a2*b1*d2"
    assert defined["ind_SQ"] == "a3*d1 + a3*b1*d2"
    assert defined["ind_PQ_SAT"] == "c1*d2"
    assert defined["ind_PRI_SAT"] == "c2*d2"
    assert defined["ind_ASS_SAT"] == "c3*d2"
    assert defined["ind_TRU_SAT"] == "b1*d2"
    assert defined["total_TRU"] == "d1 + b1*d2"
    assert len(defined) == 14


@pytest.mark.parametrize("model", [DEFAULT_MODEL, RIVAL_MODEL, ECSI_MODEL])
def test_models_use_only_the_agreed_syntax(model: str) -> None:
    for line in _statements(model):
        assert sum(line.count(op) for op in ("=~", ":=")) <= 1, line
        assert any(op in line for op in _OPS), line
        assert ";" not in line
        assert re.fullmatch(r"[A-Za-z0-9_ =~:*+.]+", line), line


def test_ecsi_model_names_exactly_the_mobi_items() -> None:
    header = MOBI.read_text(encoding="utf-8").splitlines()[0]
    mobi_items = {c.strip('"') for c in header.split(",")}
    assert _observed(ECSI_MODEL) == mobi_items
    assert len(mobi_items) == 24
    assert _latent(ECSI_MODEL) == [
        "Image",
        "Expectation",
        "Quality",
        "Value",
        "Satisfaction",
        "Complaints",
        "Loyalty",
    ]
    paths = {(p, o) for o, preds in _regressions(ECSI_MODEL).items() for p in preds}
    assert paths == {
        ("Image", "Expectation"),
        ("Image", "Satisfaction"),
        ("Image", "Loyalty"),
        ("Expectation", "Quality"),
        ("Expectation", "Value"),
        ("Expectation", "Satisfaction"),
        ("Quality", "Value"),
        ("Quality", "Satisfaction"),
        ("Value", "Satisfaction"),
        ("Satisfaction", "Complaints"),
        ("Satisfaction", "Loyalty"),
        ("Complaints", "Loyalty"),
    }
    assert "CUSCO ~~ 0*CUSCO" in _statements(ECSI_MODEL)


def test_measurement_model_from_mapping_and_errors() -> None:
    assert measurement_model({"A": ["a1", "a2"], "B": ("b1",)}) == "A =~ a1 + a2\nB =~ b1\n"
    with pytest.raises(ModelSpecError, match="at least one construct"):
        measurement_model({})
    with pytest.raises(ModelSpecError, match="no indicators"):
        measurement_model({"A": []})
    with pytest.raises(ModelSpecError, match="listed under 'A' and 'B'"):
        measurement_model({"A": ["x"], "B": ["x"]})
    with pytest.raises(ModelSpecError, match="not a valid lavaan variable name"):
        measurement_model({"A": ["x 1"]})


# ---------------------------------------------------------------- population values


def test_population_values() -> None:
    cb = default_instrument()
    assert set(POPULATION.loadings) == set(cb.item_names)
    lam = {k: v for k, v in POPULATION.loadings.items() if k != "LOY4"}
    assert min(lam.values()) >= 0.70
    assert max(lam.values()) <= 0.85
    assert POPULATION.loadings["LOY4"] == 0.65
    assert POPULATION.paths["TRU"] == {"REP": 0.30, "SEC": 0.25, "SQ": 0.30}
    assert POPULATION.paths["SAT"] == {"TRU": 0.35, "PQ": 0.25, "PRI": 0.15, "ASS": 0.20}
    assert POPULATION.paths["LOY"] == {"TRU": 0.30, "SAT": 0.45}
    assert len(POPULATION.correlations) == 15
    assert all(0.30 <= r <= 0.45 for r in POPULATION.correlations.values())
    for item, cut in POPULATION.thresholds.items():
        assert len(cut) == 6, item
        assert list(cut) == sorted(cut), item
    # category shares of the base thresholds: mean near 5, skewed to the left
    from scipy.stats import norm

    cut = np.array(POPULATION.thresholds["REP1"])
    shares = np.diff(np.concatenate([[0.0], norm.cdf(cut), [1.0]]))
    mean = float((shares * np.arange(1, 8)).sum())
    assert mean == pytest.approx(4.93, abs=0.01)
    assert shares.argmax() >= 4
    with pytest.raises(TypeError):
        POPULATION.loadings["REP1"] = 0.5  # type: ignore[index]


def test_instrument_table_round_trips_through_csv(tmp_path: Path) -> None:
    frame = default_instrument().to_frame()
    path = tmp_path / "cb.csv"
    frame.to_csv(path, encoding="utf-8")
    back = Codebook.read(path, missing_codes=[-99])
    assert back.item_names == default_instrument().item_names
    assert back.reversed_items == ["LOY4"]
    pd.testing.assert_frame_equal(back.to_frame(), frame)
