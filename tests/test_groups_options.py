"""Options one group takes, with several groups: lavaan's numbers (issue 14: G = 1 is a case).

Fixtures: ``tests/reference/make_groups_options.R`` (``tests/fixtures/groups_options/*.json``;
R, lavaan 0.6.14 and jsonlite versions in each file). Holzinger–Swineford by school:

- ``meanstructure = FALSE`` with groups (ML, MLM, equal loadings);
- summary statistics per group, ``sample.cov = S, sample.mean = M, sample.nobs = N`` as named
  and unnamed lists (with and without means, with equal loadings);
- ``missing = "pairwise"`` with groups, on the data with x1 and x5 set missing in the rows
  the fixture names.

Every free (and fixed) parameter row is matched on both sides (a row on one side only fails);
estimates ``atol=1e-4``, SEs ``rtol=1e-3``, chi-square ``rtol=1e-4``, fit indices
``atol=1e-4`` (design.md §4). The options lavaan refuses (or that cannot be served) raise
typed errors naming the option; bad per-group summary statistics too, checked also by a
hypothesis property test of their reader (:func:`loyaltysem.sem.group_blocks.summary_blocks`).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from numpy.testing import assert_allclose

import loyaltysem as ls
from loyaltysem.datasets import load_frame
from loyaltysem.errors import ModelSpecError, SurveyDataError
from loyaltysem.sem.group_blocks import MultiGroupResult, one_block, summary_blocks
from loyaltysem.sem.moments import moments_from_summary
from loyaltysem.sem.multigroup import fit_groups

FIXTURES = Path(__file__).parent / "fixtures" / "groups_options"
MODEL = "visual =~ x1 + x2 + x3\ntextual =~ x4 + x5 + x6\nspeed =~ x7 + x8 + x9"
OV = [f"x{i}" for i in range(1, 10)]

ATOL_EST = 1e-4
RTOL_SE = 1e-3
ATOL_SE_ZERO = 1e-8  # fixed parameters: 0 on both sides
RTOL_CHISQ = 1e-4
ATOL_INDEX = 1e-4
#: measures compared relatively (chi-square-like, likelihoods, counts)
RELATIVE = {
    "npar", "df", "chisq", "baseline.chisq", "baseline.df", "logl", "unrestricted.logl",
    "aic", "bic", "bic2", "cn_05", "cn_01", "ntotal", "fmin", "ecvi",
    "chisq.scaled", "df.scaled", "baseline.chisq.scaled", "baseline.df.scaled",
}  # fmt: skip

CASES = sorted(p.stem for p in FIXTURES.glob("*.json"))


def _load(name: str) -> dict[str, Any]:
    return json.loads((FIXTURES / f"{name}.json").read_text(encoding="utf-8"))


def _hs() -> pd.DataFrame:
    return load_frame("holzinger_swineford")


def _by_school() -> dict[str, pd.DataFrame]:
    """Each school's x1..x9, in order of first appearance (lavaan's group order)."""
    return {str(k): g[OV] for k, g in _hs().groupby("school", sort=False)}


def _summary(named: bool, means: bool) -> dict[str, Any]:
    by = _by_school()
    cov = {k: g.cov() for k, g in by.items()}  # R's cov(): divisor n - 1
    mean = {k: g.mean() for k, g in by.items()}
    nobs = {k: len(g) for k, g in by.items()}
    if not named:
        return {"sample_cov": list(cov.values()), "sample_nobs": list(nobs.values())}
    out: dict[str, Any] = {"sample_cov": cov, "sample_nobs": nobs}
    if means:
        out["sample_mean"] = mean
    return out


def _with_missing(d: dict[str, Any]) -> pd.DataFrame:
    """The data of a pairwise fixture: the rows it names (1-based) set missing."""
    data = _hs().copy()
    for name, rows in d["na_rows"].items():
        data.loc[np.asarray(rows, dtype=int) - 1, name] = np.nan
    return data


def _fit(name: str) -> MultiGroupResult:
    d = _load(name)
    equal = list(d["options"]["group_equal"])
    with _no_warning():
        if name.startswith("hs_no_meanstructure"):
            res = ls.fit(
                MODEL,
                _hs(),
                group="school",
                meanstructure=False,
                estimator="MLM" if name.endswith("_mlm") else "ML",  # lavaan's: "ML"
                group_equal=equal,
            )
        elif name.startswith("hs_summary"):
            res = ls.fit(
                MODEL,
                group_equal=equal,
                **_summary(named="unnamed" not in name, means="means" in name),
            )
        else:
            res = ls.fit(
                MODEL, _with_missing(d), group="school", missing="pairwise", group_equal=equal
            )
    assert isinstance(res, MultiGroupResult)
    return res


class _no_warning:
    """Nothing is warned (the fits of complete data and summary statistics)."""

    def __enter__(self) -> None:
        import warnings

        self._ctx = warnings.catch_warnings()
        self._ctx.__enter__()
        warnings.simplefilter("error")

    def __exit__(self, *exc: object) -> None:
        self._ctx.__exit__(*exc)


_CACHE: dict[str, MultiGroupResult] = {}


def _result(name: str) -> MultiGroupResult:
    if name not in _CACHE:
        _CACHE[name] = _fit(name)
    return _CACHE[name]


def test_every_case_has_a_fixture() -> None:
    assert CASES == [
        "hs_no_meanstructure",
        "hs_no_meanstructure_loadings",
        "hs_no_meanstructure_mlm",
        "hs_pairwise",
        "hs_pairwise_scalar",
        "hs_summary_cov",
        "hs_summary_cov_unnamed",
        "hs_summary_means",
        "hs_summary_means_loadings",
    ]


@pytest.mark.parametrize("name", CASES)
def test_fixture_provenance(name: str) -> None:
    d = _load(name)
    pv = d["provenance"]
    assert pv["generator"] == "tests/reference/make_groups_options.R"
    assert pv["lavaan_version"] == "0.6.14"
    assert pv["r_version"].startswith("R version") and pv["jsonlite_version"]
    assert d["converged"] is True


@pytest.mark.parametrize("name", CASES)
def test_estimates(name: str) -> None:
    d = _load(name)
    res = _result(name)
    assert res.converged
    assert [str(v) for v in res.group_labels] == d["group_labels"]
    assert res.provenance.options["meanstructure"] is d["options"]["meanstructure"]
    assert res.provenance.options["missing"] == d["options"]["missing"]
    ref = pd.DataFrame(d["parameter_estimates"])
    key = ["lhs", "op", "rhs", "group"]
    m = ref.merge(res.estimates, on=key, how="outer", indicator=True, suffixes=("_R", ""))
    one_sided = m[m["_merge"] != "both"]
    assert one_sided.empty, one_sided[[*key, "_merge"]]
    assert len(res.estimates) == len(ref)
    assert_allclose(m["est"], m["est_R"], atol=ATOL_EST)
    assert_allclose(m["se"], m["se_R"], rtol=RTOL_SE, atol=ATOL_SE_ZERO)
    assert_allclose(m["std_all"], m["std.all"], atol=ATOL_EST)
    assert (m["label"].fillna("") == m["label_R"].fillna("")).all()


@pytest.mark.parametrize("name", CASES)
def test_fit_measures(name: str) -> None:
    d = _load(name)
    fm = _result(name).fit_measures
    ref = d["fit_measures"]
    absent = sorted(set(ref) - set(fm.index))
    assert not absent, f"lavaan reports measures we do not: {absent}"
    assert int(fm["df"]) == int(ref["df"])
    for key, value in ref.items():
        if value is None:
            assert np.isnan(fm[key]), key
        elif key in RELATIVE:
            assert_allclose(fm[key], value, rtol=RTOL_CHISQ, err_msg=key)
        else:
            assert_allclose(fm[key], value, atol=ATOL_INDEX, err_msg=key)


@pytest.mark.parametrize("name", ["hs_pairwise", "hs_summary_means"])
def test_group_sizes(name: str) -> None:
    d = _load(name)
    res = _result(name)
    ref = d["nobs"]  # a named vector (summary statistics) or a list
    assert [int(n) for n in res.nobs] == list(ref.values() if isinstance(ref, dict) else ref)


def test_summary_statistics_give_the_fit_of_the_data() -> None:
    """Each school's matrix and means fit as the data does (R: the same ``cfa``)."""
    summ = _result("hs_summary_means")
    data = ls.fit(MODEL, _hs(), group="school")
    assert_allclose(summ.estimates["est"], data.estimates["est"], atol=1e-6)
    assert_allclose(summ.fit_measures["chisq"], data.fit_measures["chisq"], rtol=1e-8)
    assert summ.provenance.options["source"] == "summary statistics"


def test_one_group_is_the_builder_with_one_block() -> None:
    """One group's summary statistics: the block of the G = 1 fit, from the same reader."""
    g = _by_school()["Pasteur"]
    moments = moments_from_summary(OV, sample_cov=g.cov(), sample_nobs=len(g))
    one = one_block(moments)
    read = summary_blocks(OV, sample_cov=g.cov(), sample_nobs=len(g))
    assert read.labels == one.labels == (1,)
    assert_allclose(read.covs[0], one.covs[0], rtol=0, atol=0)
    assert read.nobs == one.nobs == (156,)
    several = summary_blocks(OV, sample_cov=[g.cov(), g.cov()], sample_nobs=[156, 156])
    assert several.labels == ("Group 1", "Group 2")
    assert_allclose(several.covs[1], one.covs[0], rtol=0, atol=0)
    res = ls.fit(MODEL, sample_cov=g.cov(), sample_nobs=len(g))
    assert not isinstance(res, MultiGroupResult)  # one matrix: the one-group fit


def test_meanstructure_comes_back_with_equal_intercepts_and_fiml() -> None:
    """lavaan fits the scalar model with meanstructure = FALSE (and FIML forces the means)."""
    scalar = ls.fit(MODEL, _hs(), group="school", group_equal=["loadings", "intercepts"])
    asked = ls.fit(
        MODEL,
        _hs(),
        group="school",
        group_equal=["loadings", "intercepts"],
        meanstructure=False,
    )
    assert asked.provenance.options["meanstructure"] is True
    assert_allclose(asked.fit_measures["chisq"], scalar.fit_measures["chisq"], rtol=1e-10)
    assert int(asked.fit_measures["df"]) == 60


# ------------------------------------------------------------------------- refused
def test_robust_estimators_with_pairwise_are_refused() -> None:
    data = _with_missing(_load("hs_pairwise"))
    for estimator in ("MLM", "MLR"):
        with pytest.raises(ModelSpecError, match="missing='pairwise'") as err:
            ls.fit(MODEL, data, group="school", missing="pairwise", estimator=estimator)
        assert "fix:" in str(err.value) and estimator in str(err.value)


def test_summary_statistics_refuse_what_needs_rows() -> None:
    summ = _summary(named=True, means=True)
    with pytest.raises(SurveyDataError, match="robust standard errors"):
        ls.fit(MODEL, estimator="MLR", **summ)
    with pytest.raises(SurveyDataError, match="needs the raw data"):
        ls.fit(MODEL, missing="ml", **summ)
    with pytest.raises(SurveyDataError, match="either data or summary statistics"):
        ls.fit(MODEL, _hs(), group="school", **summ)
    with pytest.raises(SurveyDataError, match="ordinal multi-group fit needs the raw data"):
        ls.fit(MODEL, ordered=True, **summ)
    with pytest.raises(SurveyDataError, match="at least two groups"):
        fit_groups(MODEL, sample_cov=[summ["sample_cov"]["Pasteur"]], sample_nobs=[156])


def test_a_mean_structure_needs_the_means() -> None:
    with pytest.raises(SurveyDataError, match="needs the sample means"):
        ls.fit(MODEL, meanstructure=True, **_summary(named=True, means=False))


def test_bad_meanstructure_and_group() -> None:
    with pytest.raises(ModelSpecError, match="meanstructure must be"):
        ls.fit(MODEL, _hs(), group="school", meanstructure="no")
    with pytest.raises(ModelSpecError, match="needs the grouping column"):
        fit_groups(MODEL, _hs())
    with pytest.raises(ModelSpecError, match="unknown options"):
        ls.fit(MODEL, _hs(), group="school", sample_covs=None)


def test_bad_summary_statistics_name_the_group() -> None:
    summ = _summary(named=True, means=True)
    with pytest.raises(SurveyDataError, match="one entry per group") as err:
        ls.fit(MODEL, sample_cov=summ["sample_cov"], sample_nobs=[156])
    assert "found:" in str(err.value) and "fix:" in str(err.value)
    with pytest.raises(SurveyDataError, match="name different groups"):
        ls.fit(MODEL, sample_cov=summ["sample_cov"], sample_nobs={"Pasteur": 156, "GW": 145})
    broken = dict(summ["sample_cov"])
    s = broken["Grant-White"].copy()
    s.loc["x1", "x1"] = -1.0
    broken["Grant-White"] = s
    with pytest.raises(SurveyDataError, match="of group 'Grant-White' is not positive definite"):
        ls.fit(MODEL, sample_cov=broken, sample_nobs=summ["sample_nobs"])
    short = {k: v.iloc[:8, :8] for k, v in summ["sample_cov"].items()}
    with pytest.raises(SurveyDataError, match="missing from sample_cov of group 'Pasteur'"):
        ls.fit(MODEL, sample_cov=short, sample_nobs=summ["sample_nobs"])
    with pytest.raises(SurveyDataError, match="of group 'Pasteur' need the number"):
        ls.fit(MODEL, sample_cov=summ["sample_cov"], sample_nobs={"Pasteur": 1.5, "Grant-White": 9})


# ------------------------------------------------------------ the reader, by property
_NAMES = ["a", "b", "c"]


def _pd_matrix(rng: np.random.Generator, p: int) -> pd.DataFrame:
    x = rng.normal(size=(3 * p, p))
    return pd.DataFrame(np.cov(x, rowvar=False) + 0.1 * np.eye(p), index=_NAMES, columns=_NAMES)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    n_groups=st.integers(1, 4),
    seed=st.integers(0, 2**16),
    named=st.booleans(),
    defect=st.sampled_from(["none", "count", "names", "not_pd", "variable", "nobs"]),
)
def test_summary_reader_property(n_groups: int, seed: int, named: bool, defect: str) -> None:
    """Valid input: one block per group, S (N - 1)/N; any defect: SurveyDataError, nothing else."""
    rng = np.random.default_rng(seed)
    covs = [_pd_matrix(rng, 3) for _ in range(n_groups)]
    nobs = [int(v) for v in rng.integers(5, 400, size=n_groups)]
    labels = [f"g{k}" for k in range(n_groups)]
    if defect == "not_pd":
        bad = covs[-1].to_numpy().copy()
        bad[0, 1] = bad[1, 0] = 2.0 * np.sqrt(bad[0, 0] * bad[1, 1])
        covs[-1] = pd.DataFrame(bad, index=_NAMES, columns=_NAMES)
    if defect == "variable":
        covs[0] = covs[0].rename(index={"c": "z"}, columns={"c": "z"})
    if defect == "nobs":
        nobs[-1] = 1
    cov_arg: Any = dict(zip(labels, covs, strict=True)) if named else covs
    nobs_arg: Any = dict(zip(labels, nobs, strict=True)) if named else nobs
    if n_groups == 1 and not named:  # one group's own statistics, as the one-group fit takes
        cov_arg, nobs_arg = covs[0], nobs[0]
    if defect == "count":
        nobs_arg = [*nobs, 10]
    if defect == "names":
        if not named:
            return  # lists carry no names
        nobs_arg = {f"h{k}": v for k, v in enumerate(nobs)}
    if defect != "none":
        with pytest.raises(SurveyDataError) as err:
            summary_blocks(_NAMES, sample_cov=cov_arg, sample_nobs=nobs_arg)
        assert "expected:" in str(err.value) and "fix:" in str(err.value)
        return
    gd = summary_blocks(_NAMES, sample_cov=cov_arg, sample_nobs=nobs_arg)
    assert len(gd.covs) == len(gd.nobs) == len(gd.labels) == n_groups
    assert gd.nobs == tuple(nobs)
    expected_labels = labels if named else [f"Group {k + 1}" for k in range(n_groups)]
    assert list(gd.labels) == ([1] if n_groups == 1 and not named else expected_labels)
    for s, c, n in zip(gd.covs, covs, nobs, strict=True):
        assert_allclose(s, c.to_numpy() * (n - 1) / n, rtol=1e-12)
    assert gd.data == () and all(m is None for m in gd.means)


# ------------------------------------------------------------------------ bootstrap
def test_bootstrap_of_a_fit_without_means_is_refused() -> None:
    """The batched refits model the means: refused rather than refitting another model."""
    res = ls.fit(MODEL, _hs(), group="school", meanstructure=False)
    with pytest.raises(ModelSpecError, match="without a mean structure is not available"):
        ls.bootstrap(res, 10, data=_hs())


def test_bootstrap_of_a_pairwise_fit_is_refused() -> None:
    data = _with_missing(_load("hs_pairwise"))
    res = ls.fit(MODEL, data, group="school", missing="pairwise")
    with pytest.raises(ModelSpecError, match="missing='pairwise' is not available"):
        ls.bootstrap(res, 10, data=data)
