"""Residuals of multi-group fits against lavaan 0.6.14's ``residuals(fit, type = ...)``.

Fixtures: ``tests/reference/make_groups_residuals.R`` (``tests/fixtures/groups/
residuals_*.json``, R and lavaan versions in each): raw, ``cor.bollen`` and standardized
covariance residuals of every group, for ML, MLM and MLR fits with equality constraints,
full-information ML (``missing = "ml"``: the e-commerce survey's own missing answers, ML
and MLR) and a fixed.x covariate (complete data; and with missing cells, the data of
``hs_fixed_x_ml.json``, ``missing = "ml"`` and ``"ml.x"``).
The standardized residuals are ratios of small numbers, so they carry lavaan's optimizer
tolerance (estimates within 5e-5) magnified: compared to ATOL/RTOL_STD_RESID.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose

from loyaltysem import load_ecommerce
from loyaltysem.datasets import load_frame
from loyaltysem.errors import ModelSpecError
from loyaltysem.sem.multigroup import fit_groups
from loyaltysem.sem.ordinal_multigroup import fit_groups_ordinal

FIXTURES = Path(__file__).parent / "fixtures" / "groups"
ATOL_RESID = 1e-4  # raw and correlation residuals: differences of moments
ATOL_STD_RESID = 1e-3
RTOL_STD_RESID = 1e-3
CASES = [
    "hs_configural",
    "hs_metric",
    "hs_scalar_mlr",
    "hs_metric_mlm",
    "ecommerce_metric",
    "ecommerce_metric_fiml",
    "ecommerce_metric_fiml_mlr",
    "hs_fixed_x",
    "hs_fixed_x_fiml",
    "hs_fixed_x_fiml_mlr",
    "hs_fixed_x_fiml_x",
]


def _data(name: str) -> pd.DataFrame:
    """The data of a case; the FIML covariate cases use the rows of ``hs_fixed_x_ml.json``."""
    if name.startswith("ecommerce"):
        return load_ecommerce()
    if name.startswith("hs_fixed_x_fiml"):
        d = json.loads((FIXTURES / "hs_fixed_x_ml.json").read_text(encoding="utf-8"))
        frame = pd.DataFrame(np.array(d["data"], dtype=float), columns=d["data_columns"])
        frame[d["provenance"]["group"]] = d["data_groups"]
        return frame
    return load_frame("holzinger_swineford")


@pytest.mark.parametrize("name", CASES)
def test_residuals_are_lavaans(name: str) -> None:
    d = json.loads((FIXTURES / f"residuals_{name}.json").read_text(encoding="utf-8"))
    pv = d["provenance"]
    assert pv["lavaan_version"] == "0.6.14"
    res = fit_groups(
        pv["model_syntax"], _data(name), pv["group"], group_equal=pv["group_equal"],
        estimator=pv["estimator"], missing=pv.get("missing", "listwise"),
    )  # fmt: skip
    assert res.provenance.options["missing"] == pv.get("missing", "listwise")
    assert [str(g) for g in res.group_labels] == d["group_labels"]
    names = d["variables"]
    for group, label in zip(res.group_labels, d["group_labels"], strict=True):
        tolerances = {
            "raw": {"atol": ATOL_RESID},
            "cor": {"atol": ATOL_RESID},
            "standardized": {"atol": ATOL_STD_RESID, "rtol": RTOL_STD_RESID},
        }
        for kind, tol in tolerances.items():
            ours = res.residuals(group, kind)
            assert list(ours.index) == list(ours.columns)
            ref = np.array(d[kind][label], dtype=float)
            got = ours.loc[names, names].to_numpy()
            assert np.array_equal(np.isnan(ref), np.isnan(got)), (label, kind)
            assert_allclose(got, ref, err_msg=f"{label} {kind}", **tol)


def test_residuals_bad_input() -> None:
    hs = load_frame("holzinger_swineford")
    res = fit_groups("visual =~ x1 + x2 + x3\nvisual ~ ageyr", hs, "school")
    assert np.isfinite(res.residuals("Pasteur", "raw").to_numpy()).all()
    with pytest.raises(ModelSpecError, match="unknown kind"):
        res.residuals("Pasteur", "normalized")
    with pytest.raises(ModelSpecError, match="no such group"):
        res.residuals("Eton")
    quartiles = {v: np.quantile(hs[v], [0.25, 0.5, 0.75]) for v in ("x1", "x2", "x3")}
    ordinal = pd.DataFrame({v: np.digitize(hs[v], q) + 1 for v, q in quartiles.items()})
    ordinal["school"] = hs["school"]
    fit = fit_groups_ordinal("visual =~ x1 + x2 + x3", ordinal, "school")
    with pytest.raises(ModelSpecError, match="not available yet"):
        fit.residuals("Pasteur", "standardized")  # ordinal multi-group fits
