"""bootstrap(result): lavaan's bootstrapLavaan reproduced with its own resample indices.

Fixture: tests/fixtures/bootstrap/poldem_indirect.json (tests/reference/make_bootstrap.R):
200 draws of the Political Democracy model with ind := a*b, lavaan's boot.idx, and per draw
lavaan's free parameters, the defined parameter and the standardized solution.

Tolerances: lavaan's refits stop on nlminb's relative change of the objective (rel.tol 1e-10),
which leaves its draws up to ~1.4e-4 from the optimum in flat directions (its largest gradient
entry is 5e-5; ours 1e-7, and our objective is never higher than lavaan's on the same draw, as
checked below). So single draws agree to ATOL_DRAW, bootstrap SEs to ATOL_SE.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from numpy.testing import assert_allclose

import loyaltysem as ls
from loyaltysem._kernels.ml import MLKernel
from loyaltysem.datasets import load_frame
from loyaltysem.errors import ModelSpecError, SurveyDataError
from loyaltysem.sem.bootstrap import SEMBootstrap, _Refitter, bootstrap
from loyaltysem.sem.engine import BlockTable
from loyaltysem.sem.specification import specify

FX = json.loads(
    (Path(__file__).parent / "fixtures" / "bootstrap" / "poldem_indirect.json").read_text(
        encoding="utf-8"
    )
)
ATOL_DRAW = 2e-4
ATOL_STD_DRAW = 1e-4
ATOL_SE = 1e-5
RTOL_CHISQ = 1e-4


@pytest.fixture(scope="module")
def fitted():
    data = load_frame("political_democracy")
    return ls.fit(FX["model"], data), data


@pytest.fixture(scope="module")
def with_lavaan_indices(fitted):
    res, data = fitted
    idx = np.array(FX["indices"])[0] - 1  # R's 1-based indices
    return bootstrap(res, data=data, indices=idx)


def _free_columns(res: ls.SEMResult) -> list[str]:
    e = res.estimates
    free = e[e["free"] > 0].drop_duplicates("free").sort_values("free")
    return [
        f"est:{a} {o} {b}" for a, o, b in zip(free["lhs"], free["op"], free["rhs"], strict=True)
    ]


def test_every_draw_is_lavaans_draw(fitted, with_lavaan_indices):
    res, _ = fitted
    boot = with_lavaan_indices
    lav = np.array(FX["draws"])
    q = len(FX["coef_names"])
    assert isinstance(boot, SEMBootstrap)
    assert boot.n_ok == 200 and boot.n_failed == 0 and FX["error_idx"] == []
    draws = boot.draws.draws
    ours = draws[_free_columns(res)].to_numpy()
    assert ours.shape == lav[:, :q].shape
    assert_allclose(ours, lav[:, :q], atol=ATOL_DRAW)
    assert_allclose(draws["est:ind := a*b"], lav[:, q], atol=ATOL_DRAW)
    std = draws[[c for c in draws.columns if c.startswith("std:")]].to_numpy()
    ref = lav[:, q + 1 :]
    assert std.shape == ref.shape  # every row of standardizedSolution(), := included
    ok = ~np.isnan(ref)
    assert np.array_equal(ok, ~np.isnan(std))
    assert_allclose(std[ok], ref[ok], atol=ATOL_STD_DRAW)
    # bootstrap SEs: the SD of the draws
    se = boot.draws.table()["boot_se"]
    assert_allclose(se[_free_columns(res)], lav[:, :q].std(axis=0, ddof=1), atol=ATOL_SE)
    table = boot.estimates
    assert np.isfinite(table.loc[res.estimates["free"].to_numpy() > 0, "boot_se"]).all()


def test_nonadmissible_draws_are_counted_as_lavaan_counts_them(with_lavaan_indices):
    names = FX["coef_names"]
    lav = np.array(FX["draws"])
    variances = [
        i for i, n in enumerate(names) if "~~" in n and n.split("~~")[0] == n.split("~~")[1]
    ]
    lavaan_nonadmissible = int((lav[:, variances] < 0).any(axis=1).sum())
    assert with_lavaan_indices.n_inadmissible == lavaan_nonadmissible > 0
    assert "nonadmissible" in with_lavaan_indices.summary()


def test_our_draws_are_at_least_as_converged_as_lavaans(fitted):
    res, data = fitted
    spec = specify(FX["model"])
    ov = list(res.sample_cov.index)
    x = data[ov].to_numpy(float)
    refit = _Refitter(
        BlockTable.one_group(spec.partable()), spec.definitions, ov,
        [res.sample_cov.to_numpy()], [None], [len(x)], res._x,
    )  # fmt: skip
    idx = np.array(FX["indices"])[0] - 1
    lav = np.array(FX["draws"])[:, : len(FX["coef_names"])]
    for i in range(0, 200, 20):
        xb = x[idx[i]]
        c = xb - xb.mean(axis=0)
        kernel = MLKernel(refit.compiled[0].layout, c.T @ c / len(xb))
        values = refit(np.column_stack([xb, np.zeros(len(xb))]))  # block 0
        ours = values[-2] / len(xb)  # chisq / N = F_ML
        theirs = kernel.objective(kernel.state(lav[i]))
        assert ours <= theirs + 1e-12


def test_bollen_stine_chisq_and_pvalue(fitted):
    res, data = fitted
    bs = FX["bollen_stine"]
    boot = bootstrap(res, data=data, indices=np.array(bs["indices"])[0] - 1, kind="bollen-stine")
    chisq = boot.draws.draws["chisq"].to_numpy()
    assert_allclose(chisq, bs["chisq"], rtol=RTOL_CHISQ)
    expected = np.mean(np.array(bs["chisq"]) >= bs["chisq_observed"])
    assert boot.chisq_pvalue == pytest.approx(expected, abs=1e-12)
    assert "Bollen-Stine p-value" in boot.summary()


def test_seeded_parallel_and_serial_are_identical(fitted):
    res, data = fitted
    a = bootstrap(res, 40, data=data, random_state=7)
    b = bootstrap(res, 40, data=data, random_state=7, n_jobs=2)
    assert a.random_state == 7
    assert_allclose(a.draws.draws.to_numpy(), b.draws.draws.to_numpy(), atol=0)
    c = bootstrap(res, 40, data=data, random_state=8)
    assert not np.allclose(a.draws.draws.to_numpy(), c.draws.draws.to_numpy())


def test_intervals_contain_the_estimate_and_fixed_rows_are_blank(fitted):
    res, data = fitted
    boot = bootstrap(res, 100, data=data, random_state=3, ci="bc")
    t = boot.estimates
    ind = t[t["op"] == ":="].iloc[0]
    assert ind["ci_lower"] < ind["est"] < ind["ci_upper"]
    fixed = t[(res.estimates["free"] == 0) & (t["op"] != ":=")]
    assert fixed["boot_se"].isna().all()


def test_bad_input(fitted):
    res, data = fitted
    with pytest.raises(SurveyDataError, match="needs the data"):
        bootstrap(res, 10)
    with pytest.raises(SurveyDataError, match="not the data the model was fitted to"):
        bootstrap(res, 10, data=data.iloc[:60])
    with pytest.raises(SurveyDataError, match="unknown kind"):
        bootstrap(res, 10, data=data, kind="parametric")
    summary = ls.fit(FX["model"], sample_cov=res.sample_cov, sample_nobs=75)
    with pytest.raises(ModelSpecError, match="summary statistics"):
        bootstrap(summary, 10, data=data)


# ------------------------------------------------------------ multi-group bootstrap
FXG = json.loads(
    (Path(__file__).parent / "fixtures" / "bootstrap" / "hs_groups_indirect.json").read_text(
        encoding="utf-8"
    )
)


@pytest.fixture(scope="module")
def groups_fitted():
    from loyaltysem.sem.multigroup import fit_groups

    hs = load_frame("holzinger_swineford")
    res = fit_groups(FXG["model"], hs, FXG["group"], group_equal=FXG["group_equal"])
    return res, hs


@pytest.fixture(scope="module")
def groups_with_lavaan_indices(groups_fitted):
    res, hs = groups_fitted
    idx = [np.array(block) - 1 for block in FXG["indices"]]  # R's 1-based, per group
    return bootstrap(res, data=hs, indices=idx)


def test_multigroup_draws_are_lavaans_draws(groups_fitted, groups_with_lavaan_indices):
    # bootstrapLavaan resamples within each group; with its indices, every draw's
    # estimates, := effects and std.all of every row (both groups) are lavaan's
    res, _ = groups_fitted
    boot = groups_with_lavaan_indices
    assert [str(v) for v in res.group_labels] == FXG["group_labels"]
    assert boot.n_boot == 200 and boot.n_ok + boot.n_failed == 200
    assert boot.n_failed == len(FXG["error_idx"]) == 0
    rows = FXG["rows"]
    k = len(rows["lhs"])
    lav = np.array(FXG["draws"], dtype=float)
    assert lav.shape == (200, 2 * k)
    ours_rows = list(
        zip(res.estimates["lhs"], res.estimates["op"], res.estimates["rhs"],
            res.estimates["group"], strict=True)
    )  # fmt: skip
    theirs = list(zip(rows["lhs"], rows["op"], rows["rhs"], rows["group"], strict=True))
    assert sorted(ours_rows) == sorted(theirs)  # one row missing on either side fails
    draws = boot.draws.draws
    for j, (a, o, b, g) in enumerate(theirs):
        name = f"{a} {o} {b} [{g}]"
        assert_allclose(draws[f"est:{name}"], lav[:, j], atol=ATOL_DRAW, err_msg=name)
        ref_std = lav[:, k + j]
        if np.all(np.isfinite(ref_std)):
            assert_allclose(draws[f"std:{name}"], ref_std, atol=ATOL_STD_DRAW, err_msg=name)
    table = boot.draws.table()
    for j, (a, o, b, g) in enumerate(theirs):
        if o == ":=" or np.ptp(lav[:, j]) > 0:
            se = lav[:, j].std(ddof=1)
            assert_allclose(table.loc[f"est:{a} {o} {b} [{g}]", "boot_se"], se, atol=ATOL_SE)
    est = boot.estimates
    assert "group" in est.columns
    diff = est[est["lhs"] == "diff"].iloc[0]
    j = theirs.index(("diff", ":=", "ind1-ind2", 0))
    lo, hi = np.quantile(lav[:, j], [0.025, 0.975])
    assert_allclose([diff["ci_lower"], diff["ci_upper"]], [lo, hi], atol=ATOL_DRAW)


def test_multigroup_bootstrap_is_seeded_and_refuses_what_it_cannot_do(groups_fitted):
    res, hs = groups_fitted
    a = bootstrap(res, 20, data=hs, random_state=3)
    b = bootstrap(res, 20, data=hs, random_state=3)
    assert a.random_state == 3
    assert_allclose(a.draws.draws.to_numpy(), b.draws.draws.to_numpy(), rtol=0, atol=0)
    with pytest.raises(SurveyDataError, match="do not fit the groups"):
        bootstrap(res, data=hs, indices=[np.zeros((5, 10), dtype=int)])
    with pytest.raises(SurveyDataError, match="not the data"):
        bootstrap(res, 20, data=hs.iloc[:-1])


# ------------------------- tightly converged lavaan refits: the 1e-6 agreement target
#: lavaan's refits converged by Gauss-Newton to optim.gn.tol.x = 1e-12 (fixture "tight"):
#: with lavaan's own optimizer error removed, SEs and percentile intervals agree to this
ATOL_TIGHT = 1e-6


def _percentiles(values: np.ndarray) -> np.ndarray:
    return np.quantile(values, [0.025, 0.975], axis=0)  # R's quantile type 7


def test_tight_lavaan_bootstrap_agrees_to_1e6(fitted):
    res, data = fitted
    t = FX["tight"]
    assert t["options"]["optim.method"] == "GN" and t["gradient"] < 1e-9
    assert np.array_equal(np.array(t["indices"]), np.array(FX["indices"]))  # same draws
    assert t["error_idx"] == []
    boot = bootstrap(res, data=data, indices=np.array(t["indices"])[0] - 1)
    lav = np.array(t["draws"])
    q = len(FX["coef_names"])
    draws = boot.draws.draws
    ours = np.column_stack([draws[_free_columns(res)].to_numpy(), draws["est:ind := a*b"]])
    ref = lav[:, : q + 1]
    assert_allclose(ours, ref, atol=ATOL_TIGHT)
    assert_allclose(ours.std(axis=0, ddof=1), ref.std(axis=0, ddof=1), atol=ATOL_TIGHT)
    assert_allclose(_percentiles(ours), _percentiles(ref), atol=ATOL_TIGHT)
    std = draws[[c for c in draws.columns if c.startswith("std:")]].to_numpy()
    std_ref = lav[:, q + 1 :]
    ok = ~np.isnan(std_ref)
    assert_allclose(std[ok], std_ref[ok], atol=ATOL_TIGHT)
    # the table of the result: the SEs and intervals of every free parameter and of ind
    table = boot.estimates
    row = table[table["lhs"] == "ind"].iloc[0]
    assert_allclose(row["boot_se"], ref[:, q].std(ddof=1), atol=ATOL_TIGHT)
    assert_allclose([row["ci_lower"], row["ci_upper"]], _percentiles(ref[:, q]), atol=ATOL_TIGHT)


def test_tight_lavaan_multigroup_bootstrap_agrees_to_1e6(groups_fitted):
    res, hs = groups_fitted
    t = FXG["tight"]
    assert t["gradient"] < 1e-9 and t["error_idx"] == []
    boot = bootstrap(res, data=hs, indices=[np.array(b) - 1 for b in t["indices"]])
    lav = np.array(t["draws"], dtype=float)
    rows = FXG["rows"]
    k = len(rows["lhs"])
    draws = boot.draws.draws
    names = [f"{a} {o} {b} [{g}]" for a, o, b, g in
             zip(rows["lhs"], rows["op"], rows["rhs"], rows["group"], strict=True)]  # fmt: skip
    ours = draws[[f"est:{n}" for n in names]].to_numpy()
    assert_allclose(ours, lav[:, :k], atol=ATOL_TIGHT)
    assert_allclose(ours.std(axis=0, ddof=1), lav[:, :k].std(axis=0, ddof=1), atol=ATOL_TIGHT)
    assert_allclose(_percentiles(ours), _percentiles(lav[:, :k]), atol=ATOL_TIGHT)
    std = draws[[f"std:{n}" for n in names]].to_numpy()
    ok = np.isfinite(lav[:, k:])
    assert_allclose(std[ok], lav[:, k:][ok], atol=ATOL_TIGHT)


def test_multigroup_bollen_stine_chisq_and_pvalue(groups_fitted):
    # every group transformed to its implied covariances and means, then resampled
    # within groups: lavaan's bootstrapLavaan(type = "bollen.stine") draw by draw
    res, hs = groups_fitted
    bs = FXG["bollen_stine"]
    assert bs["error_idx"] == []
    boot = bootstrap(
        res, data=hs, indices=[np.array(b) - 1 for b in bs["indices"]], kind="bollen-stine"
    )
    chisq = boot.draws.draws["chisq"].to_numpy()
    assert_allclose(chisq, bs["chisq"], rtol=RTOL_CHISQ)
    assert_allclose(res.fit_measures["chisq"], bs["chisq_observed"], rtol=RTOL_CHISQ)
    p_lavaan = float(np.mean(np.array(bs["chisq"]) >= bs["chisq_observed"]))
    assert boot.chisq_pvalue == p_lavaan


def test_ordinal_multigroup_bootstrap_is_refused():
    from loyaltysem.sem.ordinal_multigroup import fit_groups_ordinal

    survey = ls.load_ecommerce()
    with pytest.warns(Warning):
        res = fit_groups_ordinal("TRU =~ TRU1 + TRU2 + TRU3", survey, "wave")
    with pytest.raises(ModelSpecError, match="ordinal multi-group"):
        bootstrap(res, 10, data=survey)


# ------------------------------------------------ full-information ML bootstraps
FXF = json.loads(
    (Path(__file__).parent / "fixtures" / "bootstrap" / "ecommerce_fiml_indirect.json").read_text(
        encoding="utf-8"
    )
)
#: lavaan's FIML refits stop ~1e-5 from each draw's optimum (nlminb; its Gauss-Newton
#: optimizer does not converge with missing = "ml"): draws, SEs and intervals to these
ATOL_FIML_DRAW = 1e-4
ATOL_FIML_SE = 1e-5
ATOL_FIML_CI = 1e-4


def _compare_draws(boot, rows, lav, with_group):
    k = len(rows["lhs"])
    groups = rows.get("group") or [0] * k  # single group: no group column in lavaan
    keys = zip(rows["lhs"], rows["op"], rows["rhs"], groups, strict=True)
    names = [f"{a} {o} {b}" + (f" [{g}]" if with_group else "") for a, o, b, g in keys]
    draws = boot.draws.draws
    ours = draws[[f"est:{n}" for n in names]].to_numpy()
    ref = np.asarray(lav, dtype=float)[:, :k]
    assert_allclose(ours, ref, atol=ATOL_FIML_DRAW)
    assert_allclose(ours.std(axis=0, ddof=1), ref.std(axis=0, ddof=1), atol=ATOL_FIML_SE)
    assert_allclose(_percentiles(ours), _percentiles(ref), atol=ATOL_FIML_CI)
    std = draws[[f"std:{n}" for n in names]].to_numpy()
    ok = np.isfinite(np.asarray(lav, dtype=float)[:, k:])
    assert_allclose(std[ok], np.asarray(lav, dtype=float)[:, k:][ok], atol=ATOL_FIML_DRAW)


def test_fiml_bootstrap_resamples_incomplete_rows_as_lavaan():
    survey = ls.load_ecommerce()
    res = ls.fit(FXF["model"], survey, missing="ml")
    assert res.provenance.n == FXF["nobs"]  # every respondent with an answer
    ref = FXF["default"]
    assert ref["error_idx"] == []
    boot = bootstrap(res, data=survey, indices=np.array(ref["indices"][0]) - 1)
    assert boot.n_ok == 200 and boot.n_failed == 0
    _compare_draws(boot, FXF["rows"], ref["draws"], with_group=False)
    # the same with MLR: its estimates are ML, so are the bootstrap's
    mlr = ls.fit(FXF["model"], survey, missing="ml", estimator="MLR")
    boot_mlr = bootstrap(mlr, data=survey, indices=np.array(ref["indices"][0]) - 1)
    assert_allclose(boot_mlr.draws.draws.to_numpy(), boot.draws.draws.to_numpy(), atol=1e-9)


def test_fiml_multigroup_bootstrap_resamples_within_waves_as_lavaan():
    from loyaltysem.sem.multigroup import fit_groups

    survey = ls.load_ecommerce()
    g = FXF["groups"]
    res = fit_groups(FXF["model"], survey, g["group"], group_equal=g["group_equal"], missing="ml")
    assert [str(v) for v in res.group_labels] == g["group_labels"]
    assert res.nobs.tolist() == g["nobs"]
    ref = g["default"]
    assert ref["error_idx"] == []
    boot = bootstrap(res, data=survey, indices=[np.array(b) - 1 for b in ref["indices"]])
    _compare_draws(boot, g["rows"], ref["draws"], with_group=True)


def test_fiml_bootstrap_refuses_bollen_stine():
    survey = ls.load_ecommerce()
    res = ls.fit(FXF["model"], survey, missing="ml")
    with pytest.raises(ModelSpecError, match="Bollen-Stine"):
        bootstrap(res, 10, data=survey, kind="bollen-stine")


def test_fiml_multigroup_bootstrap_with_a_covariate_is_refused():
    from loyaltysem.sem.multigroup import fit_groups

    hs = load_frame("holzinger_swineford")
    res = fit_groups("visual =~ x1 + x2 + x3\nvisual ~ ageyr", hs, "school", missing="ml")
    with pytest.raises(ModelSpecError, match=r"fixed\.x covariates") as info:
        bootstrap(res, 10, data=hs)
    assert "ageyr" in str(info.value)
