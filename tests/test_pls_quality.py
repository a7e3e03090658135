"""PLS quality measures (``loyaltysem.pls.quality``) against seminr, and by formula.

References (provenance in ``tests/thirdparty/README.md``):

- ``seminr_ts_expected/M7_evaluation_m2.json`` (full ECSI) and ``M7_evaluation_m1.json``
  (M1, Value mode B): Fornell–Larcker, item and antecedent VIFs, f², total and total
  indirect effects (seminr 2.5.0.9000, ``summary()`` and ``total_effects()``);
- ``M11_mediation.json``: "Original Est." of ``specific_effect_significance`` on ECSI;
- ``seminr_fixtures_V_3_6_0/fsquared1.csv``, ``fsquared2.csv``, ``fl_table.csv``,
  ``vifs/*.csv``: seminr's ``test-metric.R`` and ``test-validity.R`` (4-construct
  model, all composites mode A; ``fsquared2`` the 2-construct model).

SRMR, d_ULS and d_G have no published PLS output in the fixtures: they are checked
against the definitions (cSEM ``fit()``, ``calculateSRMR``/``DL``/``DG``) on a small
model whose implied correlations are written out here by path tracing — a different
code path from the matrix algebra of the module.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import scipy.linalg
from numpy.testing import assert_allclose

import loyaltysem as ls
from loyaltysem.instruments import ECSI_MODEL
from loyaltysem.pls import fit_pls, quality

REF = Path(__file__).resolve().parent / "thirdparty"
SEMINR_TS = REF / "seminr_ts_expected"
SEMINR_FIX = REF / "seminr_fixtures_V_3_6_0"
ATOL = 1e-6  # paths, effects, f², VIF (computed from paths and weights)
ATOL_REL = 1e-4  # reliability-type quantities (issue 16); FL's √AVE

FOUR = """
Image =~ IMAG1 + IMAG2 + IMAG3 + IMAG4 + IMAG5
Expectation =~ CUEX1 + CUEX2 + CUEX3
Value =~ PERV1 + PERV2
Satisfaction =~ CUSA1 + CUSA2 + CUSA3
Satisfaction ~ Image + Expectation + Value
"""
M1 = FOUR.replace("Value =~", "Value <~")


def json_table(block: dict) -> pd.DataFrame:
    cols = block["cols"] if isinstance(block["cols"], list) else [block["cols"]]
    rows = block["values"]
    if rows and not isinstance(rows[0], list):
        rows = [[v] for v in rows]
    values = np.array([[np.nan if v is None else v for v in row] for row in rows], dtype=float)
    return pd.DataFrame(values, index=block["rows"], columns=cols)


def same(ours: pd.DataFrame, ref: pd.DataFrame, what: str, atol: float = ATOL) -> float:
    assert set(ours.index) >= set(ref.index) and set(ours.columns) >= set(ref.columns), what
    a = ours.loc[ref.index, ref.columns].to_numpy(float)
    b = ref.to_numpy(float)
    assert_allclose(a, b, rtol=0, atol=atol, err_msg=what, equal_nan=True)
    return float(np.nanmax(np.abs(a - b)))


@pytest.fixture(scope="module")
def mobi() -> pd.DataFrame:
    return ls.load_mobi().data


@pytest.fixture(scope="module")
def ecsi() -> ls.PLSResult:
    return fit_pls(ECSI_MODEL, ls.load_mobi())


@pytest.fixture(scope="module")
def m1(mobi) -> ls.PLSResult:
    return fit_pls(M1, mobi)


# ----------------------------------------------------------------------------- seminr


@pytest.mark.parametrize("which", ["m1", "m2"])
def test_m7_effects_f2_fl(which, request):
    res = request.getfixturevalue({"m1": "m1", "m2": "ecsi"}[which])
    ref = json.loads((SEMINR_TS / f"M7_evaluation_{which}.json").read_text())
    same(res.total_effects, json_table(ref["totalEffects"]), "total effects")
    same(res.indirect_effects, json_table(ref["totalIndirectEffects"]), "total indirect")
    same(res.f2, json_table(ref["fSquare"]), "f²")
    fl = json_table(ref["flCriteria"])
    same(res.fornell_larcker, fl, "Fornell–Larcker", ATOL_REL)
    assert np.isnan(res.fornell_larcker.to_numpy()[np.triu_indices(len(fl), 1)]).all()


@pytest.mark.parametrize("which", ["m1", "m2"])
def test_m7_vifs(which, request):
    res = request.getfixturevalue({"m1": "m1", "m2": "ecsi"}[which])
    ref = json.loads((SEMINR_TS / f"M7_evaluation_{which}.json").read_text())
    items = {item: v for block in ref["itemVifs"].values() for item, v in block.items()}
    assert set(items) == set(res.vif_outer.index)
    assert_allclose(res.vif_outer.loc[list(items), "vif"], list(items.values()), atol=ATOL)
    for construct, block in ref["itemVifs"].items():
        assert set(res.vif_outer.index[res.vif_outer["construct"] == construct]) == set(block)
    for target, block in ref["antecedentVifs"].items():
        for source, value in block.items():
            # seminr prints NA for a lone antecedent; its VIF is 1 (SmartPLS)
            expected = 1.0 if value is None else value
            assert res.vif_inner.loc[source, target] == pytest.approx(expected, abs=ATOL)
    n_paths = sum(len(b) for b in ref["antecedentVifs"].values())
    assert int(res.vif_inner.notna().to_numpy().sum()) == n_paths == len(res.structural)


def test_seminr_testthat_f2_fl_vifs(mobi):
    four = fit_pls(FOUR, mobi)
    f2 = pd.read_csv(SEMINR_FIX / "fsquared1.csv", index_col=0).iloc[0, 0]
    assert four.f2.loc["Image", "Satisfaction"] == pytest.approx(f2, abs=ATOL)
    two = fit_pls(
        "Image =~ IMAG1 + IMAG2 + IMAG3 + IMAG4 + IMAG5\n"
        "Satisfaction =~ CUSA1 + CUSA2 + CUSA3\nSatisfaction ~ Image",
        mobi,
    )
    f2 = pd.read_csv(SEMINR_FIX / "fsquared2.csv", index_col=0).iloc[0, 0]
    assert two.f2.loc["Image", "Satisfaction"] == pytest.approx(f2, abs=ATOL)
    fl = pd.read_csv(SEMINR_FIX / "fl_table.csv")
    fl.index = fl.columns
    same(four.fornell_larcker, fl, "fl_table.csv", ATOL_REL)
    items = pd.read_csv(SEMINR_FIX / "vifs" / "flat_item_vifs1.csv")
    for key, value in items.iloc[0].items():
        construct, item = key.split("*")
        assert four.vif_outer.loc[item, "construct"] == construct
        assert four.vif_outer.loc[item, "vif"] == pytest.approx(value, abs=ATOL)
    two_paths = fit_pls(FOUR + "Value ~ Image + Expectation\n", mobi)
    for name, res in (("flat_vif_antecedents1", four), ("flat_vif_antecedents2", two_paths)):
        ref = pd.read_csv(SEMINR_FIX / "vifs" / f"{name}.csv").iloc[0]
        for key, value in ref.items():
            target, source = key.split("*")
            assert res.vif_inner.loc[source, target] == pytest.approx(value, abs=ATOL), key


def test_m11_specific_indirect_effects(ecsi):
    ref = json.loads((SEMINR_TS / "M11_mediation.json").read_text())["specificEffects"]
    table = ecsi.specific_effects.set_index("path")
    for entry in ref.values():
        estimate = entry["values"][entry["columns"].index("Original Est.")]
        if not entry["through"]:
            assert ecsi.paths.loc[entry["from"], entry["to"]] == pytest.approx(estimate, abs=ATOL)
            continue
        row = table.loc[entry["label"]]
        assert row["estimate"] == pytest.approx(estimate, abs=ATOL)
        assert row["through"] == " -> ".join(entry["through"])
    # the specific effects of one pair add up to its total indirect effect
    sums = ecsi.specific_effects.groupby(["source", "target"])["estimate"].sum()
    for (s, t), total in sums.items():
        assert ecsi.indirect_effects.loc[s, t] == pytest.approx(total, abs=1e-12)
    assert len(ecsi.specific_effects) == 49


# ----------------------------------------------------------------------------- formulas


def traced_sigma(res: ls.PLSResult, s: np.ndarray, rho: dict[tuple[str, str], float]):
    """Implied indicator correlations written out element by element."""
    items = list(res.loadings.index)
    owner = {i: c for c, block in res.measurement.items() for i in block}
    sigma = np.eye(len(items))
    for a, i in enumerate(items):
        for b, k in enumerate(items):
            if a == b:
                continue
            ci, ck = owner[i], owner[k]
            li, lk = res.loadings.loc[i, ci], res.loadings.loc[k, ck]
            if ci == ck:
                sigma[a, b] = s[a, b] if res.modes[ci] == "B" else li * lk
            else:
                r = rho.get((ci, ck), rho.get((ck, ci)))
                sigma[a, b] = li * lk * r
    return sigma


def by_definition(s: np.ndarray, sigma: np.ndarray) -> tuple[float, float, float]:
    p = s.shape[0]
    total = sum((s[i, k] - sigma[i, k]) ** 2 for i in range(p) for k in range(i + 1))
    srmr = (total / (p * (p + 1) / 2)) ** 0.5
    d_uls = 0.5 * sum((s[i, k] - sigma[i, k]) ** 2 for i in range(p) for k in range(p))
    phi = scipy.linalg.eigh(sigma, s, eigvals_only=True)  # eigenvalues of S^-1 Sigma
    d_g = 0.5 * sum(np.log(phi) ** 2)
    return srmr, d_uls, d_g


def test_srmr_duls_dg_by_path_tracing(mobi):
    res = fit_pls(
        "X =~ IMAG1 + IMAG2 + IMAG3\nM <~ CUEX1 + CUEX2 + CUEX3\nY =~ CUSA1 + CUSA2 + CUSA3\n"
        "M ~ X\nY ~ M",
        mobi,
    )
    items = list(res.loadings.index)
    s = mobi[items].corr().to_numpy()
    c = res.construct_cor
    b1, b2 = res.paths.loc["X", "M"], res.paths.loc["M", "Y"]
    estimated = {("X", "M"): b1, ("M", "Y"): b2, ("X", "Y"): b1 * b2}  # path tracing
    saturated = {(a, b): c.loc[a, b] for a, b in estimated}
    table = res.fit_measures
    for column, rho in (("estimated", estimated), ("saturated", saturated)):
        sigma = traced_sigma(res, s, rho)
        assert_allclose(
            quality.implied_correlation(res, saturated=column == "saturated"),
            sigma,
            atol=1e-12,
        )
        assert_allclose(table[column], by_definition(s, sigma), rtol=1e-10, atol=1e-12)
    assert table.loc["srmr", "estimated"] > table.loc["srmr", "saturated"] > 0


def test_saturated_structure_reproduces_construct_correlations(mobi):
    """Every pair of constructs linked: the estimated model is the saturated one."""
    res = fit_pls(
        "X =~ IMAG1 + IMAG2 + IMAG3\nM =~ CUEX1 + CUEX2 + CUEX3\nY =~ CUSA1 + CUSA2 + CUSA3\n"
        "M ~ X\nY ~ X + M",
        mobi,
    )
    assert_allclose(res.fit_measures["estimated"], res.fit_measures["saturated"], atol=1e-12)


def test_total_effects_by_enumeration(ecsi):
    """Total effect = direct path + sum of the specific indirect effects (seminr)."""
    sums = ecsi.specific_effects.groupby(["source", "target"])["estimate"].sum()
    for s in ecsi.constructs:
        for t in ecsi.constructs:
            expected = ecsi.paths.loc[s, t] + sums.get((s, t), 0.0)
            assert ecsi.total_effects.loc[s, t] == pytest.approx(expected, abs=1e-12)


def test_f2_of_a_lone_predictor_is_r2_ratio(mobi):
    """Cohen: one predictor, R²_excl = 0, so f² = R² / (1 − R²)."""
    res = fit_pls("A =~ IMAG1 + IMAG2\nB =~ CUSA1 + CUSA2\nC =~ CUEX1\nB ~ A\nC ~ B", mobi)
    for s, t in res.structural:
        r2 = res.r2.loc[t, "r2"]
        assert res.f2.loc[s, t] == pytest.approx(r2 / (1 - r2), abs=1e-12)


def test_summary_shows_the_quality_tables(ecsi):
    text = ecsi.summary()
    for title in (
        "Fornell–Larcker",
        "VIF, items",
        "VIF, antecedents",
        "f²",
        "Total effects",
        "Specific indirect effects",
        "SRMR",
    ):
        assert title in text


# ----------------------------------------------------------------------------- reporting


def test_pls_tables_hold_full_precision(ecsi):
    from loyaltysem.report.pls import pls_tables

    tables = pls_tables(ecsi, start=3)
    assert [t.number for t in tables] == list(range(3, 11))
    meas, rel, fl, htmt, paths, r2, effects, fit = tables
    assert_allclose(r2.data["adj_r2"], ecsi.r2["adj_r2"])
    assert_allclose(paths.data["beta"], [ecsi.paths.loc[s, t] for s, t in ecsi.structural])
    assert_allclose(paths.data["f2"], [ecsi.f2.loc[s, t] for s, t in ecsi.structural])
    assert_allclose(rel.data["rho_a"], ecsi.reliability["rho_a"])
    assert_allclose(
        meas.data["weight"],
        [ecsi.weights.loc[i, c] for c, v in ecsi.measurement.items() for i in v],
    )
    assert_allclose(fit.data["estimated"], ecsi.fit_measures["estimated"])
    total = effects.data[effects.data["kind"] == "total"]
    assert len(total) == ecsi.specific_effects.groupby(["source", "target"]).ngroups
    assert fl.cells()[0][:2] == ["Image", f"{ecsi.fornell_larcker.iloc[0, 0]:.2f}"[1:]]
    assert htmt.status.ok and "No bootstrap" in paths.note and "N = 250" in paths.note
    assert paths.cells()[0][0] == "Image → Expectation"
    assert not any("*" in cell for row in paths.cells() for cell in row)  # no p-values
    zh = pls_tables(ecsi, lang="zh")
    assert zh[0].title.startswith("PLS 测量模型") and "路径加权" in zh[4].note


def test_not_converged_is_visible_everywhere(mobi, tmp_path):
    from loyaltysem import report
    from loyaltysem.report.diagrams import diagram
    from loyaltysem.report.pls import pls_methods_text, pls_tables

    with pytest.warns(ls.errors.ConvergenceWarning):
        res = fit_pls(FOUR, mobi, max_iter=1)
    assert not res.status.ok and "NOT converged" in res.summary()
    for table in pls_tables(res):
        assert table.warning.startswith("WARNING") and "WARNING" in table.to_markdown()
    drawn = diagram(res)
    assert drawn.improper and "did not converge" in drawn.title + drawn.caption + str(
        res.status.reasons
    )
    assert not pls_methods_text(res).ok
    (md,) = report.write(tmp_path, pls=res, formats=("md",))
    assert "WARNING" in md.read_text(encoding="utf-8")


def test_diagram_of_a_pls_model(mobi):
    from loyaltysem.report.diagrams import diagram, format_coef

    res = fit_pls(M1 + "Value ~ Image\n", mobi)
    d = diagram(res)
    assert not d.improper and "PLS-SEM estimates" in d.caption
    assert d.edge_label("Image", "Satisfaction") == format_coef(
        res.paths.loc["Image", "Satisfaction"]
    )
    assert d.edge_label("Value", "PERV1") == format_coef(res.weights.loc["PERV1", "Value"])
    assert d.edge_label("Image", "IMAG1") == format_coef(res.loadings.loc["IMAG1", "Image"])
    assert d.nodes["Satisfaction"].r2 == (pytest.approx(res.r2.loc["Satisfaction", "r2"]),)

    def distance(point, name):
        node = d.nodes[name]
        return float(np.hypot(point[0] - node.x, point[1] - node.y))

    composite = d.edge("Value", "PERV1").points  # drawn from the item into the composite
    assert distance(composite[-1], "Value") < distance(composite[0], "Value")
    reflective = d.edge("Image", "IMAG1").points  # drawn from the construct to the item
    assert distance(reflective[0], "Image") < distance(reflective[-1], "Image")


def test_report_write_takes_a_pls_result(ecsi, tmp_path):
    from loyaltysem import report
    from loyaltysem.errors import ReportError

    paths = report.write(tmp_path / "a", pls=ecsi, formats=("md", "html", "docx", "xlsx"))
    assert [p.name for p in paths] == ["report.md", "report.html", "report.docx", "report.xlsx"]
    text = paths[0].read_text(encoding="utf-8")
    assert "## 2 PLS path model" in text and "partial least squares" in text
    assert "Table 8" in text and "Figure 1" in text
    import openpyxl

    assert len(openpyxl.load_workbook(paths[3]).sheetnames) >= 8
    survey = ls.load_ecommerce()
    both = report.write(
        tmp_path / "b",
        survey=survey,
        fit=ls.fit(ls.DEFAULT_MODEL, survey),
        pls=fit_pls(ls.DEFAULT_MODEL, survey),
        formats=("md",),
        figures=False,
    )[0].read_text(encoding="utf-8")
    assert "## 3 Model" in both and "## 4 PLS path model" in both and "## 5 Results" in both
    with pytest.raises(ReportError, match="does not know this pls result"):
        report.write(tmp_path / "c", pls="not a result", formats=("md",))
