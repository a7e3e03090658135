"""Mean structure and robust ML (MLM, MLR) of ``loyaltysem.fit()`` against lavaan 0.6.14.

Fixtures: ``tests/reference/make_robust.R`` (``meanstructure_*.json`` and
``robust_*.json``; R and lavaan versions recorded in each). Every estimate, standard
error and standardized value, and every fit measure lavaan reports that we report,
is compared under design.md §4 tolerances; a parameter on one side only fails, and
so does a fit measure of :data:`REQUIRED` missing on either side.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose

from loyaltysem import fit, load_ecommerce
from loyaltysem.datasets import dataset_path

FIXTURES = Path(__file__).parent / "fixtures" / "estimation"
DATASETS = dataset_path("mobi").parent  # the packaged copies (src/loyaltysem/data)

ATOL_EST = 1e-4
RTOL_SE = 1e-3
RTOL_CHISQ = 1e-4
ATOL_INDEX = 1e-4
OPS = ["=~", "~", "~~", "~1", ":="]
DATA_FILES = {"hs": "HolzingerSwineford1939.csv", "pd": "PoliticalDemocracy.csv"}

MEANSTRUCTURE = [
    "meanstructure_hs_cfa",
    "meanstructure_hs_latent_means",
    "meanstructure_poldem_sem",
    "meanstructure_hs_fixed_x",
]
ROBUST = [
    "robust_hs_cfa_mlm",
    "robust_hs_cfa_mlr",
    "robust_hs_cfa_mlm_meanstructure",
    "robust_hs_cfa_mlr_meanstructure",
    "robust_hs_cfa_mlr_expected",
    "robust_hs_cfa_ml_observed",
    "robust_hs_cfa_ml_se_robust",
    "robust_poldem_sem_mlm",
    "robust_poldem_sem_mlr",
    "robust_ecommerce_default_mlm",
    "robust_ecommerce_default_mlr",
]

CHISQ_LIKE = {
    "npar", "df", "chisq", "baseline.chisq", "baseline.df", "logl", "unrestricted.logl",
    "aic", "bic", "bic2", "cn_05", "cn_01", "chisq.scaled", "df.scaled",
    "baseline.chisq.scaled", "baseline.df.scaled",
}  # fmt: skip
ML_MEASURES = [
    "npar", "fmin", "chisq", "df", "pvalue", "baseline.chisq", "baseline.df",
    "baseline.pvalue", "cfi", "tli", "nnfi", "rfi", "nfi", "pnfi", "ifi", "rni", "logl",
    "unrestricted.logl", "aic", "bic", "ntotal", "bic2", "rmsea", "rmsea.ci.lower",
    "rmsea.ci.upper", "rmsea.ci.level", "rmsea.pvalue", "rmsea.close.h0",
    "rmsea.notclose.pvalue", "rmsea.notclose.h0", "rmr", "rmr_nomean", "srmr",
    "srmr_bentler", "srmr_bentler_nomean", "crmr", "crmr_nomean", "srmr_mplus",
    "srmr_mplus_nomean", "cn_05", "cn_01", "gfi", "agfi", "pgfi", "mfi", "ecvi",
]  # fmt: skip
SCALED_MEASURES = [
    "chisq.scaled", "df.scaled", "pvalue.scaled", "chisq.scaling.factor",
    "baseline.chisq.scaled", "baseline.df.scaled", "baseline.pvalue.scaled",
    "baseline.chisq.scaling.factor", "cfi.scaled", "tli.scaled", "cfi.robust", "tli.robust",
    "nnfi.scaled", "nnfi.robust", "rfi.scaled", "nfi.scaled", "pnfi.scaled", "ifi.scaled",
    "rni.scaled", "rni.robust", "rmsea.scaled", "rmsea.ci.lower.scaled",
    "rmsea.ci.upper.scaled", "rmsea.pvalue.scaled", "rmsea.notclose.pvalue.scaled",
    "rmsea.robust", "rmsea.ci.lower.robust", "rmsea.ci.upper.robust", "rmsea.pvalue.robust",
    "rmsea.notclose.pvalue.robust",
]  # fmt: skip
YUAN_BENTLER = ["scaling.factor.h1", "scaling.factor.h0"]


def load(name: str) -> dict:
    return json.loads((FIXTURES / f"{name}.json").read_text(encoding="utf-8"))


def run(fx: dict):
    call = fx["provenance"]["call"]
    syntax = fx["provenance"]["model_syntax"]
    options = {"meanstructure": "meanstructure = TRUE" in call}
    for key in ("estimator", "information", "se"):
        if f'{key} = "' in call:
            options[key] = call.split(f'{key} = "')[1].split('"')[0]
    if "data = ecom" in call:
        return fit(syntax, load_ecommerce(), **options)
    key = call.split("data = ")[1].split(")")[0].split(",")[0]
    return fit(syntax, pd.read_csv(DATASETS / DATA_FILES[key]), **options)


@pytest.fixture(scope="module", params=MEANSTRUCTURE + ROBUST)
def case(request):
    fx = load(request.param)
    return request.param, fx, run(fx)


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
    assert_allclose(m["std_all"], m["est.std"], atol=ATOL_EST)
    assert_allclose(m.loc[positive, "se_std_all"], m.loc[positive, "se_R"], rtol=RTOL_SE)


def required_measures(fx: dict) -> list[str]:
    """Every measure lavaan reports for the fit's test (a missing one fails)."""
    test = fx["options"]["test"][0]
    out = list(ML_MEASURES)
    if test in ("satorra.bentler", "yuan.bentler.mplus"):
        out += SCALED_MEASURES
    if test == "yuan.bentler.mplus":
        out += YUAN_BENTLER
    return out


def test_we_report_no_scaled_measure_lavaan_lacks(case):
    _, fx, res = case
    ours = {k for k in res.fit_measures.index if k.endswith((".scaled", ".robust"))}
    assert ours <= set(fx["fit_measures"])


def test_fit_measures(case):
    _, fx, res = case
    theirs = fx["fit_measures"]
    for key in required_measures(fx):
        assert key in theirs, f"lavaan does not report {key}"
        assert key in res.fit_measures.index, f"we do not report {key}"
        expected = np.nan if theirs[key] is None else theirs[key]
        tol = {"rtol": RTOL_CHISQ} if key in CHISQ_LIKE else {"atol": ATOL_INDEX}
        assert_allclose(res.fit_measures[key], expected, err_msg=key, **tol)


def test_implied_means(case):
    _, fx, res = case
    if fx["implied_mean"] is None:
        assert res.implied_mean is None
        return
    theirs = pd.Series(fx["implied_mean"], dtype=float)
    assert_allclose(res.implied_mean.reindex(theirs.index), theirs, atol=ATOL_EST)


def test_saturated_means_leave_the_covariance_fit_unchanged():
    res = run(load("meanstructure_hs_cfa"))
    plain = load("hs_cfa")["fit_measures"]
    for key in ("chisq", "df", "cfi", "tli", "rmsea", "logl", "baseline.df"):
        assert_allclose(res.fit_measures[key], plain[key], rtol=1e-6, err_msg=key)
    assert res.fit_measures["npar"] == plain["npar"] + 9  # nine free intercepts


def test_robust_fits_keep_the_ml_estimates_and_test():
    ml = run(load("hs_cfa"))
    for name in ("robust_hs_cfa_mlm", "robust_hs_cfa_mlr"):
        res = run(load(name))
        assert res.provenance.estimator == name[-3:].upper()
        assert_allclose(res.estimates["est"], ml.estimates["est"], rtol=1e-12)
        assert_allclose(res.fit_measures["chisq"], ml.fit_measures["chisq"], rtol=1e-12)
        scaled = res.fit_measures["chisq"] / res.fit_measures["chisq.scaling.factor"]
        assert_allclose(res.fit_measures["chisq.scaled"], scaled, rtol=1e-12)


@pytest.fixture(scope="module")
def hs():
    return pd.read_csv(DATASETS / DATA_FILES["hs"])


HS = "visual =~ x1 + x2 + x3\ntextual =~ x4 + x5 + x6\nspeed =~ x7 + x8 + x9"


@pytest.mark.parametrize(
    ("options", "needle"),
    [
        ({"estimator": "WLSMV"}, "estimator"),
        ({"estimator": "MLM", "information": "observed"}, "information"),
        ({"estimator": "MLR", "se": "standard"}, "se="),
        ({"estimator": "MLM", "se": "robust.huber.white"}, "se="),
        ({"estimator": "ML", "se": "bootstrap"}, "se="),
    ],
)
def test_unavailable_option_combinations_are_refused(hs, options, needle):
    from loyaltysem.errors import ModelSpecError

    with pytest.raises(ModelSpecError, match=needle) as err:
        fit(HS, hs, **options)
    assert err.value.fix


def test_robust_estimators_need_raw_data(hs):
    from loyaltysem.errors import SurveyDataError

    cov = hs[["x1", "x2", "x3", "x4", "x5", "x6"]].cov()
    with pytest.raises(SurveyDataError, match="raw data"):
        fit("f =~ x1 + x2 + x3", sample_cov=cov, sample_nobs=301, estimator="MLR")
    # fixed.x covariates: compared with lavaan in test_robust_fixedx.py
    model = "visual =~ x1 + x2 + x3\nvisual ~ ageyr"
    for fixed_x in (True, False):
        res = fit(model, hs, estimator="MLM", fixed_x=fixed_x)
        assert np.isfinite(res.fit_measures["chisq.scaled"])


def test_mean_structure_from_summary_statistics_needs_means():
    from loyaltysem.errors import SurveyDataError

    fx = load("hs_cfa")
    sc = fx["sample_cov"]
    cov = pd.DataFrame(sc["values"], index=sc["names"], columns=sc["names"])
    with pytest.raises(SurveyDataError, match="sample means"):
        fit(fx["provenance"]["model_syntax"], sample_cov=cov, sample_nobs=301, meanstructure=True)
    hs = pd.read_csv(DATASETS / DATA_FILES["hs"])
    means = hs[sc["names"]].mean()
    res = fit(
        fx["provenance"]["model_syntax"],
        sample_cov=cov * 301 / 300,
        sample_mean=means,
        sample_nobs=301,
        meanstructure=True,
    )
    ref = load("meanstructure_hs_cfa")
    m = merged(res.estimates, pd.DataFrame(ref["parameter_estimates"]))
    assert_allclose(m["est"], m["est_R"], atol=ATOL_EST)


@pytest.mark.parametrize("name", ["hs_three_vs_one_mlr", "hs_three_vs_one_mlm"])
def test_compare_of_robust_fits_is_lavtestlrt(name):
    """compare() on fit(estimator="MLM"/"MLR") results: lavTestLRT's scaled difference."""
    import loyaltysem as ls
    from loyaltysem.sem.comparison import compare

    case = json.loads((FIXTURES.parent / "compare.json").read_text(encoding="utf-8"))["cases"][name]
    hs = ls.load_holzinger_swineford()
    fits = {}
    for model_name, m in case["models"].items():
        fits[model_name] = fit(m["syntax"], hs, estimator=m["options"]["estimator"])
        theirs = m["fit_measures"]["chisq.scaling.factor"]
        assert_allclose(fits[model_name].fit_measures["chisq.scaling.factor"], theirs, rtol=1e-4)
    cmp = compare(*fits.values(), names=list(fits))
    lrt = case["lrt"]
    table = pd.DataFrame(
        {
            c: [np.nan if v is None else v for v in vals]
            for c, vals in zip(lrt["columns"], lrt["values"], strict=True)
        },
        index=lrt["rows"],
    )
    assert list(cmp.table.index) == list(table.index)
    assert_allclose(cmp.table["chisq_diff"].iloc[1], table["Chisq diff"].iloc[1], rtol=RTOL_CHISQ)
    assert_allclose(cmp.table["pvalue"].iloc[1], table["Pr(>Chisq)"].iloc[1], atol=ATOL_INDEX)


def test_summary_reports_the_scaled_test_and_robust_indices(hs):
    text = fit(HS, hs, estimator="MLR").summary()
    assert "estimator: MLR" in text
    # APA: chi-square with its df, no leading zero for CFI (display of issue 11)
    assert "scaled χ²(24) = 87.132" in text and "robust CFI = .930" in text
    assert "robust" in text.split("Fit measures")[1]  # the fit table's robust column


def test_bootstrap_with_a_mean_structure(hs):
    # free intercepts: each draw's intercept is the resample's mean, and every other
    # estimate is the one of the covariance-structure model on the same resample
    import loyaltysem as ls

    res = fit(HS, hs, meanstructure=True)
    plain = fit(HS, hs)
    rng = np.random.default_rng(7)
    idx = rng.integers(0, len(hs), size=(20, len(hs)))
    boot = ls.bootstrap(res, data=hs, indices=idx)
    boot_plain = ls.bootstrap(plain, data=hs, indices=idx)
    draws, draws_plain = boot.draws.draws, boot_plain.draws.draws
    x1 = hs["x1"].to_numpy()
    assert_allclose(draws["est:x1 ~1 "], x1[idx].mean(axis=1), atol=1e-7)  # refit tolerance
    shared = [c for c in draws_plain.columns if c.startswith("est:") and "~~" in c]
    assert_allclose(draws[shared].to_numpy(), draws_plain[shared].to_numpy(), atol=1e-6)


@pytest.mark.parametrize(
    "name", ["poldem_sem", "hs_chain_fixed_x", "meanstructure_hs_latent_means"]
)
def test_observed_information_is_the_hessian_of_half_f(name):
    """The analytic observed information against central differences of the gradient."""
    from loyaltysem._kernels.ml import MLKernel, fisher_scoring
    from loyaltysem._kernels.partable import compile_partable
    from loyaltysem._kernels.starts import _start_values
    from loyaltysem.sem.moments import moments_from_data
    from loyaltysem.sem.specification import specify

    fx = load(name)
    data = pd.read_csv(DATASETS / fx["provenance"]["data_file"])
    spec = specify(fx["provenance"]["model_syntax"])
    moments, _ = moments_from_data(data, list(spec.ov))
    mean = moments.mean if spec.options["meanstructure"] else None
    cm = compile_partable(spec.partable(), moments.ov, moments.s, mean)
    kernel = MLKernel(cm.layout, moments.s, mean)
    x, _, _, _ = fisher_scoring(kernel, _start_values(cm, moments.s, mean))
    x = x + 0.01  # away from the optimum too, where S - Sigma matters
    h = 1e-6
    q = len(x)
    cols = [
        (kernel.gradient(kernel.state(x + h * e)) - kernel.gradient(kernel.state(x - h * e)))
        / (4 * h)
        for e in np.eye(q)
    ]
    numeric = np.array(cols).T
    assert_allclose(
        kernel.observed_information(kernel.state(x)),
        (numeric + numeric.T) / 2,
        rtol=1e-6,
        atol=1e-7 * np.abs(numeric).max(),
    )


def test_standardized_residuals(case):
    """resid(fit, type = "standardized"): ADF covariance of the moments for robust fits."""
    _, fx, res = case
    theirs = fx["standardized_residuals"]
    ref = pd.DataFrame(theirs["values"], index=theirs["names"], columns=theirs["names"])
    ours = res.residuals("standardized").loc[ref.index, ref.columns]
    ok = ref.notna().to_numpy() & (ref.abs().to_numpy() > 1e-4)
    # a z of a near-zero residual (|s - sigma| ~ 3e-4) moves by up to 1.2e-3 with lavaan's
    # looser convergence (estimates differ by ~1e-5): atol 2e-3 on z, rtol as for SEs
    assert_allclose(ours.to_numpy()[ok], ref.to_numpy()[ok], rtol=RTOL_SE, atol=2e-3)


def test_just_identified_model_keeps_the_standard_test(hs):
    """df = 0: lavaan keeps chisq as chisq.scaled, NA scaling factor, robust RMSEA 0.

    In R: ``fitMeasures(cfa("visual =~ x1 + x2 + x3", hs, estimator = "MLR"))``:
    chisq.scaled 4e-13, chisq.scaling.factor NA, baseline.chisq.scaling.factor 1.075404,
    cfi.scaled 1, cfi.robust NA, rmsea.scaled NA, rmsea.robust 0 [0, 0], rmsea.pvalue.robust NA.
    """
    fm = fit("visual =~ x1 + x2 + x3", hs, estimator="MLR").fit_measures
    assert fm["df"] == 0 and abs(fm["chisq.scaled"]) < 1e-8
    assert np.isnan(fm[["chisq.scaling.factor", "pvalue.scaled", "cfi.robust"]]).all()
    assert np.isnan(fm[["rmsea.scaled", "rmsea.pvalue.robust"]]).all()
    assert_allclose(fm["baseline.chisq.scaling.factor"], 1.075404, rtol=1e-5)
    # lavaan: 1 - t1/t2 with chisq.scaled 4e-13 (1 to print precision); ours has a chisq of
    # rounding size too, which may or may not be exactly 0
    assert abs(fm["cfi.scaled"] - 1.0) < 1e-12
    assert fm[["rmsea.robust", "rmsea.ci.lower.robust", "rmsea.ci.upper.robust"]].tolist() == [
        0,
        0,
        0,
    ]
    assert "scaling.factor.h1" not in fm.index  # lavaan leaves them out at df = 0
