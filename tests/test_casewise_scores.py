"""Casewise scores of the likelihood kernels equal lavaan's ``lavScores`` (issue 14).

The kernel interface names casewise scores (the derivatives of each respondent's
log-likelihood with respect to the free parameters); MLR's sandwich is their mean cross
product. Fixtures: ``tests/reference/make_scores.R`` (lavaan 0.6.14 ``lavScores(fit)``)
for a CFA with and without a mean structure, Political Democracy with equality labels,
Holzinger-Swineford by school with equal loadings, and full-information ML on
``tests/data/corp_rep_data2_mcar.csv``.

Two comparisons: at lavaan's own estimates (the formula: to 1e-8 relative to the
largest score) and at ours (the estimates agree within design.md §4's 1e-4, so the
scores within 1e-4 times the largest score).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose

import loyaltysem as ls
from loyaltysem.datasets import load_frame
from loyaltysem.sem import engine

FIXTURES = Path(__file__).parent / "fixtures" / "scores"
DATA = Path(__file__).parent / "data"

CASES = {
    "hs_cfa": ("holzinger_swineford", {}),
    "hs_cfa_means": ("holzinger_swineford", {"meanstructure": True}),
    "poldem_sem_labels": ("political_democracy", {}),
    "hs_groups_loadings": (
        "holzinger_swineford",
        {"group": "school", "group_equal": ("loadings",)},
    ),
    "mcar_fiml": ("corp_rep_data2_mcar.csv", {"missing": "ml"}),
}


def _data(source: str) -> pd.DataFrame:
    if source.endswith(".csv"):
        return pd.read_csv(DATA / source)
    return load_frame(source)


def _fitted(monkeypatch: pytest.MonkeyPatch, name: str) -> tuple[Any, dict[str, Any]]:
    """Our fit of a fixture's model and the pipeline state it was built from."""
    fx = json.loads((FIXTURES / f"{name}.json").read_text())
    source, options = CASES[name]
    seen: dict[str, Any] = {}
    for builder in ("_one_group_result", "_groups_result"):
        real = getattr(engine, builder)

        def spy(fitted, *args, _real=real, **kwargs):
            seen["fitted"] = fitted
            return _real(fitted, *args, **kwargs)

        monkeypatch.setattr(engine, builder, spy)
    res = ls.fit(fx["provenance"]["model_syntax"], _data(source), **options)
    assert res.converged and fx["converged"]
    return seen["fitted"], fx


@pytest.mark.parametrize("name", sorted(CASES))
def test_fixture_provenance(name):
    fx = json.loads((FIXTURES / f"{name}.json").read_text())
    assert fx["provenance"]["generator"] == "tests/reference/make_scores.R"
    assert fx["provenance"]["lavaan_version"] == "0.6.14"
    assert len(fx["scores"]) == len(fx["case_idx"])


@pytest.mark.parametrize("name", sorted(CASES))
def test_kernel_scores_equal_lavscores(monkeypatch, name):
    fitted, fx = _fitted(monkeypatch, name)
    ref = np.asarray(fx["scores"], dtype=float)
    # lavaan's coef() lists a labelled parameter at each of its places; lavScores
    # (remove.duplicated) keeps one column per distinct parameter, first place first
    names = list(dict.fromkeys(fx["coef_names"]))
    first = [fx["coef_names"].index(n) for n in names]
    x_lavaan = np.asarray(fx["coef"], dtype=float)[first]
    assert ref.shape == (len(fx["case_idx"]), len(fitted.x)) == (ref.shape[0], len(names))
    # the same parameters in the same order, within design.md's 1e-4; but lavaan stops
    # short along a flat direction in Political Democracy with labels: y2 ~~ y4 (SE 0.69)
    # 1.44025 against our 1.44013, its gradient there not zero and its F above ours
    off = [names[i] for i in np.flatnonzero(np.abs(fitted.x - x_lavaan) > 1e-4)]
    if name == "poldem_sem_labels":
        assert off == ["y2~~y4"]
        kernel, st_lavaan = fitted.kernel, fitted.kernel.state(x_lavaan)
        assert np.abs(kernel.gradient(st_lavaan)).max() > 1e-6
        assert kernel.objective(st_lavaan) > kernel.objective(fitted.st)
    else:
        assert off == []
    rows = np.asarray(fx["case_idx"]) - 1
    assert np.array_equal(rows, np.arange(len(rows)))  # lavaan keeps the data's order here
    scale = np.abs(ref).max()
    data = fitted.gd.data
    at_lavaan = fitted.kernel.scores(fitted.kernel.state(x_lavaan), data)
    assert_allclose(at_lavaan, ref, rtol=0, atol=1e-8 * scale)
    ours = fitted.kernel.scores(fitted.st, data)
    assert_allclose(ours, ref, rtol=0, atol=1e-4 * scale)
    # at the optimum the scores sum to zero (the gradient of the log-likelihood)
    assert_allclose(ours.sum(axis=0), 0.0, atol=1e-6 * len(ours) * scale)


def test_mlr_meat_is_the_cross_product_of_the_scores(monkeypatch):
    """The robust sandwich reads the same scores (first-order information, one group)."""
    fitted, _ = _fitted(monkeypatch, "hs_cfa_means")
    (values,) = fitted.gd.data
    scores = fitted.kernel.scores(fitted.st, [values])
    res = ls.fit(
        "visual =~ x1 + x2 + x3\ntextual =~ x4 + x5 + x6\nspeed =~ x7 + x8 + x9",
        load_frame("holzinger_swineford"),
        estimator="MLR",
        meanstructure=True,
    )
    info = fitted.kernel.observed_information(fitted.st)
    bread = np.linalg.inv(info)
    vcov = bread @ (scores.T @ scores / len(values)) @ bread / len(values)
    assert_allclose(np.sqrt(np.diag(vcov)), np.sqrt(np.diag(res.vcov.to_numpy())), rtol=1e-8)
