"""EFA: psych reference numbers (KMO, Bartlett, fa.parallel, fa), conventions, bad input.

Fixtures come from ``tests/reference/make_efa.R`` (psych 2.2.9, GPArotation) on the data
the tests load through :mod:`loyaltysem.datasets`; R is not needed here.
"""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose

from loyaltysem import datasets
from loyaltysem.errors import HeywoodWarning, IdentificationError, SurveyDataError
from loyaltysem.measurement.efa import (
    BartlettResult,
    EFAResult,
    FactorSuggestions,
    KMOResult,
    ParallelResult,
    bartlett,
    efa,
    kmo,
    parallel_analysis,
    suggest_factors,
)

# Tolerances (measured maxima in docs/efa.md).
# KMO and Bartlett are closed-form: rounding error only.
ATOL_CLOSED = 1e-12
RTOL_CHISQ = 1e-12
# fa: the optimiser (L-BFGS-B on uniquenesses scaled by .01, R optim's stopping rule,
# psych's gradients) and the rotations (GPArotation GPFoblq, stats::varimax, psych
# kaiser/Promax) follow psych step by step. minres agrees to ~1e-13; ml to ~3e-6 on
# corp_rep, where scipy's L-BFGS-B 3.0 and R's lbfgsb.c (2.3) take slightly different
# steps near the optimum.
ATOL_LOADINGS = {"minres": 1e-9, "ml": 1e-5}
# observed eigenvalues of fa.parallel: R and R reduced by a one-factor minres fit.
ATOL_OBSERVED_EIGEN = 1e-9
# Monte-Carlo: simulated means from independent random streams (R's and numpy's), each
# with n_iter = 500 draws. Their difference has standard error sqrt(2) * sd / sqrt(500)
# per position; we allow Z_MC standard errors (sd estimated from our draws), and in any
# case no more than ATOL_MC_MAX (the ~0.02 the design asked for).
N_ITER_MC = 500
Z_MC = 5.0
ATOL_MC_MAX = 0.025
SEED = 20261122

REPO = Path(__file__).resolve().parents[1]
FIXTURES = REPO / "tests" / "fixtures"
CORP_ITEMS = [
    "comp_1",
    "comp_2",
    "comp_3",
    "like_1",
    "like_2",
    "like_3",
    "cusl_1",
    "cusl_2",
    "cusl_3",
]
NAMES = ["holzinger", "ecommerce", "corp_rep"]
FITS = [(fm, rot) for fm in ("minres", "ml") for rot in ("oblimin", "varimax", "promax")]


def load_data(name: str) -> pd.DataFrame:
    if name == "holzinger":
        return datasets.load_holzinger_swineford().data
    if name == "ecommerce":
        return datasets.load_ecommerce().data  # -99 -> NaN, LOY4 reversed by the codebook
    if name == "corp_rep":
        return datasets.load_corp_rep().data[CORP_ITEMS]
    raise AssertionError(name)  # pragma: no cover


def load_fixture(name: str) -> dict:
    with open(FIXTURES / f"efa_{name}.json", encoding="utf-8") as fh:
        return json.load(fh)


def present(value, what: str):
    """A quantity missing on either side fails."""
    assert value is not None, f"{what}: missing"
    arr = np.asarray(value, dtype=float)
    assert np.all(np.isfinite(arr)), f"{what}: non-finite values"
    return arr


# --------------------------------------------------------------------------- fixtures


@pytest.mark.parametrize("name", NAMES)
def test_fixture_provenance_and_data(name):
    fx = load_fixture(name)
    prov = fx["provenance"]
    assert prov["r_version"].startswith("R version ")
    assert prov["psych_version"] and prov["gparotation_version"] and prov["date"]
    data = load_data(name)
    assert [str(c) for c in data.columns] == prov["items"]
    assert fx["n_rows"] == len(data)
    assert fx["n_complete"] == int(data.notna().all(axis=1).sum())


def test_ecommerce_fixture_sees_reversed_loy4():
    # R reverses LOY4 as 8 - x; the codebook does the same: the pairwise correlation of
    # LOY4 with LOY1 must be positive on both sides (the KMO of LOY4 agrees below).
    data = load_data("ecommerce")
    assert data["LOY4"].corr(data["LOY1"]) > 0


# --------------------------------------------------------------------------- KMO, Bartlett


@pytest.mark.parametrize("name", NAMES)
def test_kmo_matches_psych(name):
    fx = load_fixture(name)["kmo"]
    data = load_data(name)
    res = kmo(data)
    assert isinstance(res, KMOResult)
    assert_allclose(res.msa, present(fx["msa"], "MSA"), atol=ATOL_CLOSED, rtol=0)
    assert_allclose(res.msa_items.to_numpy(), present(fx["msai"], "MSAi"), atol=ATOL_CLOSED)
    assert list(res.msa_items.index) == list(data.columns)
    assert res.n == len(data)
    assert res.n_complete == int(data.notna().all(axis=1).sum())


@pytest.mark.parametrize("name", NAMES)
def test_bartlett_matches_psych(name):
    fx = load_fixture(name)["bartlett"]
    res = bartlett(load_data(name))
    assert isinstance(res, BartlettResult)
    assert_allclose(res.chisq, present(fx["chisq"], "chisq"), rtol=RTOL_CHISQ)
    assert res.df == fx["df"]
    assert res.n == fx["n"]
    assert_allclose(res.pvalue, present(fx["p_value"], "p"), atol=ATOL_CLOSED, rtol=1e-9)


def test_missing_data_is_pairwise_not_listwise():
    data = load_data("ecommerce")
    assert data.isna().any().any()
    res = kmo(data)
    # pairwise: the listwise-deleted frame gives a different answer
    listwise = kmo(data.dropna())
    assert res.n_complete == len(data.dropna()) < res.n
    assert abs(res.msa - listwise.msa) > 1e-6
    assert res.min_pairwise_n < res.n
    assert "complete:" in res.summary()


def test_survey_input_equals_its_data():
    survey = datasets.load_holzinger_swineford()
    assert kmo(survey).msa == kmo(survey.data).msa


# --------------------------------------------------------------------------- fa


def _fa_fixture(name: str, fm: str, rot: str) -> dict:
    return load_fixture(name)["fa"][f"{fm}_{rot}"]


def _frame(entry: dict) -> pd.DataFrame:
    return pd.DataFrame(
        present(entry["values"], "matrix"), index=entry["rows"], columns=entry["columns"]
    )


def _aligned(ours: pd.DataFrame, theirs: pd.DataFrame) -> tuple[np.ndarray, list[int]]:
    """Align our factor columns to R's by best absolute congruence, with sign."""
    a, b = ours.to_numpy(), theirs.to_numpy()
    k = b.shape[1]
    out = np.empty_like(b)
    used: list[int] = []
    for j in range(k):
        scores = [abs(float(a[:, i] @ b[:, j])) if i not in used else -1.0 for i in range(k)]
        i = int(np.argmax(scores))
        used.append(i)
        out[:, j] = a[:, i] * np.sign(a[:, i] @ b[:, j])
    return out, used


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize(("fm", "rot"), FITS)
def test_fa_matches_psych(name, fm, rot):
    fx = _fa_fixture(name, fm, rot)
    nf = load_fixture(name)["provenance"]["nfactors"]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        res = efa(load_data(name), nf, rotation=rot, method=fm)
    assert isinstance(res, EFAResult)
    assert res.converged and res.rotation_converged
    tol = ATOL_LOADINGS[fm]
    theirs = _frame(fx["loadings"])
    assert list(res.loadings.index) == list(theirs.index)
    # Aligned comparison (column order and sign free) ...
    aligned, used = _aligned(res.loadings, theirs)
    assert_allclose(aligned, theirs.to_numpy(), atol=tol, rtol=0)
    # ... and, since we follow psych's reflection and ordering, also as printed.
    assert list(res.loadings.columns) == list(theirs.columns)
    assert used == list(range(nf))
    assert_allclose(res.loadings.to_numpy(), theirs.to_numpy(), atol=tol, rtol=0)
    assert_allclose(res.structure.to_numpy(), _frame(fx["structure"]).to_numpy(), atol=tol, rtol=0)
    if rot in ("oblimin", "promax"):
        assert res.phi is not None, "phi missing in loyaltysem"
        phi = _frame(fx["phi"])
        assert_allclose(res.phi.loc[phi.index, phi.columns].to_numpy(), phi.to_numpy(), atol=tol)
    else:
        assert res.phi is None and fx["phi"] is None
    assert_allclose(res.communalities.to_numpy(), present(fx["communality"], "h2"), atol=tol)
    assert_allclose(res.uniquenesses.to_numpy(), present(fx["uniquenesses"], "u2"), atol=tol)
    assert_allclose(res.eigenvalues["common"], present(fx["values"], "values"), atol=tol)
    assert_allclose(
        res.eigenvalues["observed"], present(fx["e_values"], "e.values"), atol=ATOL_CLOSED
    )
    va = _frame(fx["vaccounted"])
    assert list(res.variance.index) == list(va.index)
    assert_allclose(res.variance[va.columns].to_numpy(), va.to_numpy(), atol=tol)
    assert res.dof == fx["dof"]
    assert res.n == fx["n_obs"]
    order = [res.loadings.index.get_loc(i) + 1 for i in res.sort_order]
    assert order == fx["sort_order"], "fa.sort order differs"


def test_fa_sorted_loadings_and_display():
    res = efa(load_data("holzinger"), 3)
    srt = res.sorted_loadings()
    assert list(srt.index[:3]) == ["x5", "x4", "x6"]
    text = res.summary()
    assert "Factor correlations" in text and "degrees of freedom: 12" in text
    assert "<h3>" in res._repr_html_()
    # full precision stored
    assert res.loadings.iloc[0, 0] != round(res.loadings.iloc[0, 0], 3)


def test_fa_one_factor_and_no_rotation():
    data = load_data("holzinger")
    one = efa(data, 1)
    assert list(one.loadings.columns) == ["MR1"] and one.phi is None
    assert (one.loadings["MR1"].sum()) > 0
    none = efa(data, 3, rotation=None)
    assert none.phi is None
    # unrotated communalities are those of every rotation
    assert_allclose(none.communalities, efa(data, 3).communalities, atol=1e-12)


def test_factor_analyzer_cross_check():
    """An independent implementation agrees on complete data (unrotated minres)."""
    import factor_analyzer as fa_mod  # the crosscheck extra (in .[test]): fail, never skip

    data = load_data("holzinger")
    with warnings.catch_warnings():
        # factor_analyzer 0.5.1 passes sklearn's deprecated force_all_finite (FutureWarning)
        warnings.simplefilter("ignore", FutureWarning)
        model = fa_mod.FactorAnalyzer(n_factors=3, rotation=None, method="minres")
        model.fit(data)
    theirs = pd.DataFrame(model.loadings_, index=data.columns)
    ours = efa(data, 3, rotation=None)
    aligned, _ = _aligned(ours.loadings, theirs)
    # factor_analyzer stops its optimiser at scipy's default tolerances
    assert_allclose(aligned, theirs.to_numpy(), atol=1e-3)


# --------------------------------------------------------------------------- parallel


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("smc", [False, True])
def test_parallel_observed_eigenvalues_exact(name, smc):
    fx = load_fixture(name)["parallel_smc" if smc else "parallel"]
    assert fx["smc"] is smc
    res = parallel_analysis(load_data(name), n_iter=2, smc=smc, random_state=1)
    ev = res.eigenvalues
    assert_allclose(ev["pc_observed"], present(fx["pc_values"], "pc"), atol=ATOL_OBSERVED_EIGEN)
    assert_allclose(ev["fa_observed"], present(fx["fa_values"], "fa"), atol=ATOL_OBSERVED_EIGEN)


@pytest.fixture(scope="module")
def parallel_runs() -> dict[str, ParallelResult]:
    return {
        name: parallel_analysis(load_data(name), n_iter=N_ITER_MC, random_state=SEED)
        for name in NAMES
    }


@pytest.mark.parametrize("name", NAMES)
def test_parallel_monte_carlo_agrees_with_psych(name, parallel_runs):
    fx = load_fixture(name)["parallel"]
    res = parallel_runs[name]
    ev, draws = res.eigenvalues, res.draws
    pairs = {
        "pc_simulated": "pc_sim",
        "fa_simulated": "fa_sim",
        "pc_resampled": "pc_simr",
        "fa_resampled": "fa_simr",
    }
    for ours, theirs in pairs.items():
        ref = present(fx[theirs], theirs)
        se = np.sqrt(2.0) * draws[ours].std(axis=0, ddof=1).to_numpy() / np.sqrt(N_ITER_MC)
        diff = np.abs(ev[ours].to_numpy() - ref)
        assert np.all(diff <= np.minimum(Z_MC * se, ATOL_MC_MAX) + 1e-12), (ours, diff, se)
    for ours, theirs in (("pc_threshold", "pc_sim_q95"), ("fa_threshold", "fa_sim_q95")):
        assert_allclose(ev[ours], present(fx[theirs], theirs), atol=ATOL_MC_MAX)
    assert res.n_factors == fx["nfact"]
    assert res.n_components == fx["ncomp"]
    assert res.message.startswith("Parallel analysis suggests that the number of factors = ")


def test_parallel_is_reproducible_and_options():
    data = load_data("holzinger")
    a = parallel_analysis(data, n_iter=5, random_state=3)
    b = parallel_analysis(data, n_iter=5, random_state=3)
    pd.testing.assert_frame_equal(a.eigenvalues, b.eigenvalues)
    assert a.random_state == 3
    pc = parallel_analysis(data, n_iter=5, fa="pc", random_state=3)
    assert pc.n_factors is None and pc.eigenvalues["fa_observed"].isna().all()
    mean = parallel_analysis(data, n_iter=5, quantile=None, random_state=3)
    assert_allclose(mean.eigenvalues["pc_threshold"], mean.eigenvalues["pc_simulated"])
    assert "Parallel analysis" in a.summary()


def test_suggest_factors_table():
    res = suggest_factors(load_data("holzinger"), n_iter=50, random_state=1)
    assert isinstance(res, FactorSuggestions)
    t = res.table
    assert list(t.index) == ["kaiser", "parallel_factors", "parallel_components", "scree"]
    assert t.loc["kaiser", "suggestion"] == 3
    assert "Kaiser (1960)" in t.loc["kaiser", "source"]
    assert "Horn (1965)" in t.loc["parallel_factors", "source"]
    no_scree = suggest_factors(load_data("holzinger"), n_iter=5, scree=False, random_state=1)
    assert "scree" not in no_scree.table.index


# --------------------------------------------------------------------------- bad input


def test_too_many_factors_names_numbers_and_fix():
    data = load_data("holzinger")  # 9 items: dof(5) = 1, dof(6) = -3
    with pytest.warns(HeywoodWarning):  # allowed, but improper on these data
        efa(data, 5)
    with pytest.raises(IdentificationError) as err:
        efa(data, 6)
    msg = str(err.value)
    assert "n_factors=6 with 9 items" in msg and "-3 degrees of freedom" in msg
    assert "n_factors <= 5" in msg
    with pytest.raises(IdentificationError, match="n_factors=9 with 9 items"):
        efa(data, 9)
    with pytest.raises(SurveyDataError, match="n_factors must be"):
        efa(data, 0)
    with pytest.raises(SurveyDataError, match="whole number"):
        efa(data, 2.5)


def test_constant_item_is_rejected():
    data = load_data("holzinger").copy()
    data["x3"] = 4.0
    for func in (kmo, bartlett, lambda d: efa(d, 2), lambda d: parallel_analysis(d, n_iter=2)):
        with pytest.raises(SurveyDataError, match="without variance") as err:
            func(data)
        assert err.value.column == "x3"


def test_fewer_rows_than_items_is_rejected():
    data = load_data("holzinger").iloc[:8]
    with pytest.raises(SurveyDataError, match="more respondents than items") as err:
        kmo(data)
    assert "8 respondents, 9 items" in str(err.value)


def test_singular_matrix_and_bad_types():
    data = load_data("holzinger").copy()
    data["x10"] = data["x1"] + data["x2"]
    with pytest.raises(SurveyDataError, match="singular"):
        kmo(data)
    with pytest.raises(SurveyDataError, match="DataFrame"):
        kmo(data.to_numpy())
    text = load_data("holzinger").astype(str)
    with pytest.raises(SurveyDataError, match="numeric"):
        efa(text, 2)
    with pytest.raises(SurveyDataError, match="rotation"):
        efa(load_data("holzinger"), 2, rotation="quartimax")
    with pytest.raises(SurveyDataError, match="method"):
        efa(load_data("holzinger"), 2, method="pa")
    with pytest.raises(SurveyDataError, match="quantile"):
        parallel_analysis(load_data("holzinger"), quantile=1.5)
    with pytest.raises(SurveyDataError, match="random_state"):
        parallel_analysis(load_data("holzinger"), random_state="x")
