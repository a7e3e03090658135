"""Full-information ML, ``fit(..., missing="ml")``, against lavaan 0.6.14.

Fixtures: ``tests/reference/make_fiml.R`` (``fiml_*.json``; R and lavaan versions, the
call and the data as used recorded in each). Every estimate, standard error and
standardized value (with its SE), every fit measure lavaan reports (the FIML-corrected
"robust" CFI/TLI/RMSEA of Zhang & Savalei included), R², the implied and the EM
saturated moments are compared under design.md §4 tolerances; a parameter or a fit
measure on one side only fails.
"""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose

from loyaltysem import fit, load_ecommerce
from loyaltysem._kernels import fiml
from loyaltysem._kernels.partable import compile_partable
from loyaltysem.errors import ModelSpecError, SurveyDataError

FIXTURES = Path(__file__).parent / "fixtures" / "estimation"

ATOL_EST = 1e-4
RTOL_SE = 1e-3
RTOL_CHISQ = 1e-4
ATOL_INDEX = 1e-4
RTOL_MI = 1e-3
OPS = ["=~", "~", "~~", "~1", ":="]

CASES = [
    "fiml_hs_cfa",
    "fiml_hs_cfa_expected",
    "fiml_hs_cfa_std_lv",
    "fiml_poldem_sem",
    "fiml_ecommerce_default",
    "fiml_ecommerce_default_mcar10",
    "fiml_hs_cfa_mlr",
    "fiml_poldem_sem_mlr",
    "fiml_ecommerce_default_mcar10_mlr",
    "fiml_hs_fixed_x",
    "fiml_hs_ml_x",
]
CHISQ_LIKE = {
    "npar", "df", "chisq", "baseline.chisq", "baseline.df", "logl", "unrestricted.logl",
    "aic", "bic", "bic2", "cn_05", "cn_01", "ntotal", "chisq.scaled", "df.scaled",
    "baseline.chisq.scaled", "baseline.df.scaled",
}  # fmt: skip


def load(name: str) -> dict:
    return json.loads((FIXTURES / f"{name}.json").read_text(encoding="utf-8"))


def frame(fx: dict) -> pd.DataFrame:
    values = np.array(fx["data"], dtype=float)  # JSON null -> nan
    return pd.DataFrame(values, columns=fx["items"])


def run(name: str, fx: dict):
    call = fx["provenance"]["call"]
    options = {}
    if 'information = "expected"' in call:
        options["information"] = "expected"
    if "std.lv = TRUE" in call:
        options["std_lv"] = True
    if 'estimator = "MLR"' in call:
        options["estimator"] = "MLR"
    # the bundled survey through its codebook (the path a user takes); else the cells as R had them
    data = load_ecommerce() if name == "fiml_ecommerce_default" else frame(fx)
    missing = call.split('missing = "')[1].split('"')[0]
    return fit(fx["provenance"]["model_syntax"], data, missing=missing, **options)


@pytest.fixture(scope="module", params=CASES)
def case(request):
    fx = load(request.param)
    return request.param, fx, run(request.param, fx)


def merged(ours: pd.DataFrame, theirs: pd.DataFrame) -> pd.DataFrame:
    """Join on (lhs, op, rhs); a parameter on one side only fails."""
    ours = ours[ours["op"].isin(OPS)]
    theirs = theirs[theirs["op"].isin(OPS)]
    m = ours.merge(
        theirs, on=["lhs", "op", "rhs"], how="outer", suffixes=("", "_R"), indicator=True
    )
    one_side = m[m["_merge"] != "both"]
    assert one_side.empty, f"parameters on one side only:\n{one_side[['lhs', 'op', 'rhs']]}"
    return m


def test_the_bundled_survey_is_the_data_lavaan_fitted():
    fx = load("fiml_ecommerce_default")
    ours = load_ecommerce().to_frame()[fx["items"]].to_numpy(dtype=float)
    assert_allclose(ours, frame(fx).to_numpy(), rtol=0, atol=0)


def test_converged_with_lavaan_sample_size(case):
    _, fx, res = case
    assert res.converged and fx["converged"]
    assert res.provenance.n == fx["nobs"]
    assert res.provenance.options["missing"] == fx["options"]["missing"]
    assert res.provenance.options["meanstructure"] is True
    assert res.provenance.options["information"] == fx["options"]["information"][0]


def test_same_parameters_in_the_same_order(case):
    _, fx, res = case
    theirs = pd.DataFrame(fx["parameter_estimates"])
    theirs = theirs[theirs["op"].isin(OPS)]
    ours = res.estimates
    assert list(zip(ours.lhs, ours.op, ours.rhs, strict=True)) == list(
        zip(theirs.lhs, theirs.op, theirs.rhs, strict=True)
    )


def test_estimates_standard_errors_and_standardized_values(case):
    _, fx, res = case
    m = merged(res.estimates, pd.DataFrame(fx["parameter_estimates"]))
    free = m["se_R"] > 0
    assert free.sum() >= fx["npar"]
    assert_allclose(m["est"], m["est_R"], atol=ATOL_EST)
    assert_allclose(m.loc[free, "se"], m.loc[free, "se_R"], rtol=RTOL_SE)
    assert_allclose(m.loc[free, "z"], m.loc[free, "z_R"], rtol=RTOL_SE)
    assert_allclose(m.loc[free, "pvalue"], m.loc[free, "pvalue_R"], atol=ATOL_INDEX)
    assert_allclose(m["std_lv"], m["std.lv"], atol=ATOL_EST)
    assert_allclose(m["std_all"], m["std.all"], atol=ATOL_EST)


def test_standardized_solution_standard_errors(case):
    _, fx, res = case
    m = merged(res.estimates, pd.DataFrame(fx["standardized_solution"]))
    positive = m["se_R"] > 1e-8
    assert positive.sum() > 0
    assert_allclose(m["std_all"], m["est.std"], atol=ATOL_EST)
    assert_allclose(m.loc[positive, "se_std_all"], m.loc[positive, "se_R"], rtol=RTOL_SE)


def test_every_fit_measure_lavaan_reports(case):
    _, fx, res = case
    theirs = fx["fit_measures"]
    ours = res.fit_measures
    assert set(theirs) <= set(ours.index), f"we lack {sorted(set(theirs) - set(ours.index))}"
    assert "cfi.robust" in theirs and "rmsea.ci.upper.robust" in theirs
    for key, value in theirs.items():
        expected = np.nan if value is None else value
        tol = {"rtol": RTOL_CHISQ} if key in CHISQ_LIKE else {"atol": ATOL_INDEX}
        assert_allclose(ours[key], expected, err_msg=key, **tol)


def test_rsquare(case):
    _, fx, res = case
    theirs = pd.Series(fx["rsquare"], dtype=float)
    assert set(res.r2.index) == set(theirs.index)
    assert_allclose(res.r2.reindex(theirs.index), theirs, atol=ATOL_EST)


def _matrix(block: dict) -> pd.DataFrame:
    return pd.DataFrame(block["values"], index=block["names"], columns=block["names"])


def test_implied_and_saturated_moments_and_residuals(case):
    _, fx, res = case
    names = list(res.implied_cov.index)
    assert_allclose(res.implied_cov, _matrix(fx["implied_cov"]).loc[names, names], atol=ATOL_EST)
    mean = pd.Series(fx["implied_mean"], dtype=float)
    assert_allclose(res.implied_mean.reindex(mean.index), mean, atol=ATOL_EST)
    # the EM moments take the place of the sample moments (lavaan em.h1.tol = 1e-5)
    assert_allclose(res.sample_cov, _matrix(fx["h1_cov"]).loc[names, names], atol=ATOL_EST)
    assert_allclose(
        res.residuals("raw"), _matrix(fx["residual_cov"]).loc[names, names], atol=ATOL_EST
    )


def test_fiml_equals_ml_without_missing_values(hs_complete):
    """With no missing value FIML is ML with a mean structure: same numbers."""
    syntax = "visual =~ x1 + x2 + x3\ntextual =~ x4 + x5 + x6\nspeed =~ x7 + x8 + x9"
    ml = fit(syntax, hs_complete, meanstructure=True, information="observed")
    fi = fit(syntax, hs_complete, missing="ml")
    assert_allclose(fi.estimates["est"], ml.estimates["est"], atol=1e-6)
    assert_allclose(fi.estimates["se"], ml.estimates["se"], rtol=1e-5)
    for key in ("chisq", "df", "cfi", "tli", "rmsea", "srmr", "logl", "unrestricted.logl"):
        assert_allclose(fi.fit_measures[key], ml.fit_measures[key], rtol=1e-6, err_msg=key)


@pytest.fixture(scope="module")
def hs_complete():
    fx = load("fiml_hs_cfa")
    hs = pd.read_csv(Path(__file__).parents[1] / "src/loyaltysem/data/HolzingerSwineford1939.csv")
    return hs[fx["items"]]


@pytest.fixture(scope="module")
def hs_missing():
    return frame(load("fiml_hs_cfa"))


HS = "visual =~ x1 + x2 + x3\ntextual =~ x4 + x5 + x6\nspeed =~ x7 + x8 + x9"


def test_mlr_keeps_the_fiml_estimates_and_test(hs_missing):
    ml = fit(HS, hs_missing, missing="ml")
    mlr = fit(HS, hs_missing, missing="ml", estimator="MLR")
    assert mlr.provenance.estimator == "MLR"
    assert_allclose(mlr.estimates["est"], ml.estimates["est"], rtol=1e-12)
    assert_allclose(mlr.fit_measures["chisq"], ml.fit_measures["chisq"], rtol=1e-12)
    scaled = mlr.fit_measures["chisq"] / mlr.fit_measures["chisq.scaling.factor"]
    assert_allclose(mlr.fit_measures["chisq.scaled"], scaled, rtol=1e-12)
    assert not np.allclose(mlr.estimates["se"], ml.estimates["se"], rtol=1e-3, equal_nan=True)


def test_first_order_information_is_the_mean_cross_product_of_numerical_scores(hs_missing):
    """The casewise scores are the derivatives of each respondent's log-likelihood."""
    x = hs_missing.to_numpy()[:40]
    pat = fiml.patterns(x)
    h1 = fiml.em_saturated(pat)
    rows, cols, _ = fiml.vech_index(9)
    theta = np.concatenate([h1.mu, h1.sigma[rows, cols]])

    def casewise(theta_):
        s = np.zeros((9, 9))
        s[rows, cols] = theta_[9:]
        s[cols, rows] = theta_[9:]
        return np.array([fiml.loglik(fiml.patterns(row[None, :]), theta_[:9], s) for row in x])

    h = 1e-6
    z = np.column_stack(
        [(casewise(theta + h * e) - casewise(theta - h * e)) / (2 * h) for e in np.eye(len(theta))]
    )
    expected = z.T @ z / len(x)
    assert_allclose(fiml.first_order_information(pat, x, h1.mu, h1.sigma), expected, atol=1e-5)


def test_rows_without_any_answer_are_counted_and_reported(hs_missing):
    data = pd.concat(
        [hs_missing, pd.DataFrame(np.nan, index=range(3), columns=hs_missing.columns)],
        ignore_index=True,
    )
    res = fit(HS, data, missing="ml")
    ref = fit(HS, hs_missing, missing="ml")
    assert res.provenance.n == 301 and res.provenance.n_excluded == 3
    assert any("3 of 304 rows have no observed value" in w for w in res.warnings)
    assert_allclose(res.estimates["est"], ref.estimates["est"], atol=1e-8)


def test_warnings_report_the_missing_values_and_patterns(hs_missing):
    res = fit(HS, hs_missing, missing="ml")
    n_missing = int(hs_missing.isna().sum().sum())
    n_patterns = len(fiml.patterns(hs_missing.to_numpy()).freq)
    assert any(
        f"{n_missing} missing values in {n_patterns} response patterns" in w for w in res.warnings
    )


def test_a_variable_never_observed_is_refused(hs_missing):
    data = hs_missing.copy()
    data["x5"] = np.nan
    with pytest.raises(SurveyDataError, match="never observed") as err:
        fit(HS, data, missing="ml")
    assert "x5" in str(err.value)


@pytest.mark.parametrize("missing", ["ml", "pairwise"])
def test_a_constant_item_is_refused(hs_missing, missing):
    data = hs_missing.copy()
    data.loc[data["x4"].notna(), "x4"] = 3.0
    with pytest.raises(SurveyDataError, match="no variance") as err:
        fit(HS, data, missing=missing)
    assert "x4" in str(err.value)


def test_summary_statistics_cannot_be_fitted_by_fiml(hs_complete):
    with pytest.raises(SurveyDataError, match="raw data"):
        fit(HS, sample_cov=hs_complete.cov(), sample_nobs=301, missing="ml")


@pytest.mark.parametrize(
    ("options", "needle"),
    [
        ({"missing": "available.cases"}, "missing="),
        ({"missing": "ml", "estimator": "MLM"}, "MLM"),
        ({"missing": "ml", "se": "robust"}, "se="),
        ({"missing": "ml", "se": "robust.sem"}, "se="),
    ],
)
def test_unavailable_combinations_are_refused(hs_missing, options, needle):
    with pytest.raises(ModelSpecError) as err:
        fit(HS, hs_missing, **options)
    assert needle in str(err.value)


def test_rows_missing_a_fixed_x_covariate_are_counted_and_ml_x_keeps_them():
    fx = load("fiml_hs_fixed_x")
    data = frame(fx)
    syntax = fx["provenance"]["model_syntax"]
    res = fit(syntax, data, missing="ml")
    n_x = int(data["ageyr"].isna().sum())
    assert res.provenance.n == len(data) - n_x == fx["nobs"]
    assert res.provenance.n_excluded == n_x
    assert any(f"{n_x} of {len(data)} rows have a missing value on an exogenous" in w
               for w in res.warnings)  # fmt: skip
    kept = fit(syntax, data, missing="ml.x")
    assert kept.provenance.n == len(data) and kept.provenance.n_excluded == 0
    assert "missing = 'ml.x' (full-information ML)" in kept.summary()


def test_pairwise_ml_is_lavaan_s():
    """ML on pairwise-present covariances (lavaan missing = "pairwise"): every number."""
    fx = load("pairwise_hs_cfa")
    res = fit(fx["provenance"]["model_syntax"], frame(fx), missing="pairwise")
    assert res.provenance.n == fx["nobs"]
    m = merged(res.estimates, pd.DataFrame(fx["parameter_estimates"]))
    free = m["se_R"] > 0
    assert_allclose(m["est"], m["est_R"], atol=ATOL_EST)
    assert_allclose(m.loc[free, "se"], m.loc[free, "se_R"], rtol=RTOL_SE)
    assert_allclose(m["std_all"], m["std.all"], atol=ATOL_EST)
    theirs = fx["fit_measures"]
    assert set(theirs) <= set(res.fit_measures.index)
    for key, value in theirs.items():
        expected = np.nan if value is None else value
        tol = {"rtol": RTOL_CHISQ} if key in CHISQ_LIKE else {"atol": ATOL_INDEX}
        assert_allclose(res.fit_measures[key], expected, err_msg=key, **tol)
    assert any("pairwise deletion" in w for w in res.warnings)
    with pytest.raises(SurveyDataError, match="raw data"):
        fit(HS, sample_cov=res.sample_cov, sample_nobs=301, missing="pairwise")


def test_robust_standard_errors_need_complete_rows_with_pairwise(hs_missing):
    with pytest.raises(ModelSpecError, match="pairwise"):
        fit(HS, hs_missing, missing="pairwise", estimator="MLR")


def _mi_merged(ours: pd.DataFrame, fx: dict) -> pd.DataFrame:
    theirs = pd.DataFrame(fx["modindices"])
    theirs = theirs[theirs["mi"].notna()]
    m = theirs.merge(
        ours, on=["lhs", "op", "rhs"], how="outer", suffixes=("_R", ""), indicator=True
    )
    one_side = m[m["_merge"] != "both"]
    assert one_side.empty, one_side[["lhs", "op", "rhs", "mi", "mi_R"]]
    return m


def test_modification_indices(case):
    """Every candidate lavaan's modindices() lists (FIML score and expected information).

    Compared under the design tolerances where they matter (mi >= 3.84, significant at
    .05): near-zero indices of near-equivalent paths move with lavaan's own stopping
    point (estimates to 1e-5), see the next test.
    """
    _, fx, res = case
    m = _mi_merged(res.modification_indices(), fx)
    assert len(m) == len(pd.DataFrame(fx["modindices"]).dropna(subset=["mi"]))
    big = m[m["mi_R"] >= 3.84]
    assert len(big) > 0
    assert_allclose(big["mi"], big["mi_R"], rtol=RTOL_MI, atol=ATOL_EST)
    assert_allclose(big["epc"], big["epc_R"], atol=ATOL_EST)
    assert_allclose(big["sepc.lv"], big["sepc.lv_R"], atol=ATOL_EST)
    assert_allclose(big["sepc.all"], big["sepc.all_R"], atol=ATOL_EST)
    assert_allclose(m["mi"], m["mi_R"], rtol=5e-3, atol=1e-3)  # all of them, looser


@pytest.mark.parametrize("name", ["fiml_ecommerce_default_mcar10", "fiml_poldem_sem"])
def test_modification_indices_at_lavaan_estimates_are_lavaan_s(name):
    """At lavaan's own estimates every index agrees to rounding: the formula is lavaan's."""
    from loyaltysem.sem import single_group as estimation
    from loyaltysem.sem import specification

    fx = load(name)
    spec = specification.specify(fx["provenance"]["model_syntax"], meanstructure=True)
    moments, _ = estimation.moments_from_data(frame(fx), list(spec.ov), missing="ml")
    pt = spec.partable()
    pe = pd.DataFrame(fx["parameter_estimates"])
    pe = pe[pe["op"].isin(["=~", "~", "~~", "~1"])].reset_index(drop=True)
    assert list(pe["lhs"] + pe["op"] + pe["rhs"]) == list(pt.lhs + pt.op + pt.rhs)
    x = np.zeros(int(pt.free.max()))
    x[pt.free[pt.free > 0] - 1] = pe.loc[pt.free > 0, "est"].to_numpy()
    ours = estimation.modification_indices(
        pt, list(spec.ov), moments.s, moments.n, x, moments.mean, (moments.patterns, moments.h1)
    )
    m = _mi_merged(ours, fx)
    assert_allclose(m["mi"], m["mi_R"], rtol=1e-8, atol=1e-8)
    assert_allclose(m["epc"], m["epc_R"], rtol=1e-8, atol=1e-10)
    assert_allclose(m["sepc.all"], m["sepc.all_R"], rtol=1e-8, atol=1e-10)


# z = residual / SE with residuals of the EM moments: lavaan's EM stops at em.h1.tol = 1e-5,
# which moves z by up to ~2e-4 (exact at lavaan's own moments: the next test)
ATOL_Z = 1e-3


def test_standardized_residuals(case):
    _, fx, res = case
    if fx["options"]["information"][0] == "expected":
        with pytest.raises(ModelSpecError, match="expected"):
            res.residuals("standardized")
        return
    names = list(res.implied_cov.index)
    theirs = _matrix(fx["standardized_residual_cov"]).loc[names, names]
    ours = res.residuals("standardized")
    assert np.isnan(ours.to_numpy()).sum() == np.isnan(theirs.to_numpy()).sum() == 0
    assert_allclose(ours, theirs, atol=ATOL_Z)


@pytest.mark.parametrize("name", ["fiml_hs_cfa", "fiml_hs_cfa_mlr", "fiml_hs_ml_x"])
def test_standardized_residuals_at_lavaan_moments_are_lavaan_s(name):
    import dataclasses

    from loyaltysem.sem import single_group as estimation
    from loyaltysem.sem import specification

    fx = load(name)
    spec = specification.specify(fx["provenance"]["model_syntax"], meanstructure=True)
    missing = fx["options"]["missing"]
    moments, _ = estimation.moments_from_data(
        frame(fx), list(spec.ov), missing=missing, ov_x=spec.ov_x
    )
    names = list(moments.ov)
    h1 = dataclasses.replace(
        moments.h1,
        mu=np.array([fx["h1_mean"][v] for v in names]),
        sigma=_matrix(fx["h1_cov"]).loc[names, names].to_numpy(),
    )
    cm = compile_partable(spec.partable(), names, h1.sigma, h1.mu)
    kernel = fiml.FIMLKernel(cm.layout, moments.patterns, h1)
    pt = spec.partable()
    pe = pd.DataFrame(fx["parameter_estimates"])
    pe = pe[pe["op"].isin(["=~", "~", "~~", "~1"])].reset_index(drop=True)
    x = np.zeros(int(pt.free.max()))
    x[pt.free[pt.free > 0] - 1] = pe.loc[pt.free > 0, "est"].to_numpy()
    st = kernel.state(x)
    b1 = None
    if fx["options"]["se"] == "robust.huber.white":
        b1 = fiml.first_order_information(moments.patterns, moments.incomplete, h1.mu, h1.sigma)
    ov_x = [names.index(v) for v in spec.ov_x]
    z_mean, z_cov = fiml.standardized_residuals(
        kernel, st, observed=True, first_order=b1, ov_x=ov_x
    )
    theirs = _matrix(fx["standardized_residual_cov"]).loc[names, names].to_numpy()
    keep = ~np.isin(np.arange(len(names)), ov_x)
    assert_allclose(z_cov[np.ix_(keep, keep)], theirs[np.ix_(keep, keep)], atol=1e-8)
    mean = pd.Series(fx["standardized_residual_mean"], dtype=float).reindex(names).to_numpy()
    assert_allclose(z_mean[keep], mean[keep], atol=1e-8)


def test_information_of_the_moments_is_the_hessian_of_the_loglik(hs_missing):
    """The analytic observed information equals the numerical Hessian of the log-likelihood."""
    pat = fiml.patterns(hs_missing.to_numpy())
    h1 = fiml.em_saturated(pat)
    rng = np.random.default_rng(3)
    mu = h1.mu + rng.normal(scale=0.1, size=9)
    sigma = h1.sigma + 0.05 * np.eye(9)
    rows, cols, _ = fiml.vech_index(9)

    def unpack(theta):
        s = np.zeros((9, 9))
        s[rows, cols] = theta[9:]
        s[cols, rows] = theta[9:]
        return theta[:9], s

    def grad(theta):
        m_, s_ = unpack(theta)
        g_mu, g_sigma = fiml.loglik_gradient(pat, m_, s_)
        g_vech = np.where(rows == cols, 1.0, 2.0) * g_sigma[rows, cols]
        return np.concatenate([g_mu, g_vech])

    theta = np.concatenate([mu, sigma[rows, cols]])
    h = 1e-5
    numeric = np.array(
        [(grad(theta + h * e) - grad(theta - h * e)) / (2 * h) for e in np.eye(len(theta))]
    )
    analytic = fiml.information(pat, mu, sigma, observed=True) * pat.n
    assert_allclose(analytic, -(numeric + numeric.T) / 2, rtol=1e-5, atol=1e-4)


def test_expected_information_is_the_mean_observed_one_at_the_saturated_model(hs_missing):
    """At the EM moments the two informations agree on the mean block (d has mean 0 there)."""
    pat = fiml.patterns(hs_missing.to_numpy())
    h1 = fiml.em_saturated(pat)
    exp = fiml.information(pat, h1.mu, h1.sigma, observed=False)
    obs = fiml.information(pat, h1.mu, h1.sigma, observed=True)
    assert_allclose(exp[:9, :9], obs[:9, :9], rtol=1e-12)
    assert not np.allclose(exp[9:, 9:], obs[9:, 9:], atol=1e-3)  # missing data: they differ


def test_available_case_moments_are_r_pairwise(hs_missing):
    mean, cov = fiml.available_moments(fiml.patterns(hs_missing.to_numpy()))
    assert_allclose(mean, hs_missing.mean().to_numpy(), rtol=1e-12)
    assert_allclose(cov, hs_missing.cov().to_numpy(), rtol=1e-10)  # pandas: pairwise, n - 1


def test_no_warning_escapes_a_regular_fit(hs_missing):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        fit(HS, hs_missing, missing="ml")
