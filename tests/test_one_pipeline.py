"""One pipeline for one group and for several (issue 14, item 1).

``loyaltysem.fit`` without ``group=`` and with it both run ``sem.engine.fit_blocks``: one
group is the block G = 1. These tests check that the one-group fit IS that case (the
pipeline is called with one block), that the several-group machinery (the multi-group
parameter table with its labels, a grouped result) given one block gives the one-group
numbers, that the one-block kernel path is the general one, and that the names of the
module that was split still import.
"""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose
from test_bootstrap_batched import PD_MODEL as PD

import loyaltysem as ls
from loyaltysem._kernels.multigroup import MultiGroupKernel
from loyaltysem.datasets import load_frame
from loyaltysem.sem import engine
from loyaltysem.sem.engine import DEFAULTS, BlockTable, fit_blocks
from loyaltysem.sem.group_blocks import _multigroup_table, one_block
from loyaltysem.sem.moments import moments_from_data
from loyaltysem.sem.specification import specify

ATOL_EST, RTOL_SE, RTOL_CHISQ, ATOL_INDEX = 1e-4, 1e-3, 1e-4, 1e-4  # design.md section 4
HS = "visual =~ x1 + x2 + x3\ntextual =~ x4 + x5 + x6\nspeed =~ x7 + x8 + x9"


@pytest.fixture()
def calls(monkeypatch):
    seen: list[tuple[int, str | None]] = []
    real = engine.fit_blocks

    def spy(table, gd, ov, **kwargs):
        seen.append((table.n_groups, kwargs.get("group")))
        return real(table, gd, ov, **kwargs)

    import loyaltysem.sem.multigroup as multigroup
    import loyaltysem.sem.single_group as single_group

    monkeypatch.setattr(single_group, "fit_blocks", spy)
    monkeypatch.setattr(multigroup, "fit_blocks", spy)
    return seen


@pytest.mark.parametrize(
    "options",
    [{}, {"estimator": "MLR"}, {"missing": "ml"}, {"meanstructure": True, "estimator": "MLM"}],
)
def test_one_group_is_the_pipeline_with_one_block(calls, options):
    res = ls.fit(HS, load_frame("holzinger_swineford"), **options)
    assert calls == [(1, None)]
    assert res.n_groups == 1 and type(res) is ls.SEMResult
    assert (res.estimates["group"] == 1).all()


def test_several_groups_are_the_same_pipeline(calls):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = ls.fit(HS, load_frame("holzinger_swineford"), group="school")
    assert calls == [(2, "school")]
    assert res.n_groups == 2


def test_summary_statistics_are_one_block_too(calls):
    hs = load_frame("holzinger_swineford")
    cov = hs[[f"x{i}" for i in range(1, 10)]].cov()
    res = ls.fit(HS, sample_cov=cov, sample_nobs=len(hs))
    assert calls == [(1, None)]
    assert_allclose(res.fit_measures["chisq"], ls.fit(HS, hs).fit_measures["chisq"], rtol=1e-8)


@pytest.mark.parametrize(
    "model, name",
    [(HS, "holzinger_swineford"), (PD, "political_democracy")],
    ids=["hs", "poldem"],
)
def test_the_multigroup_table_of_one_group_gives_the_one_group_fit(model, name):
    """The several-group machinery given one block: the one-group numbers, another path.

    The parameter table comes from the multi-group builder (lavaan's group.equal labels,
    the ``plabel`` column), the result is grouped (``group_label``, per-group tables);
    estimates, SEs, the standardized solution and the fit measures equal the one-group
    fit with a mean structure (a multi-group model always has one).
    """
    data = load_frame(name)
    spec = specify(model, meanstructure=True)
    mt = _multigroup_table(spec, 1, (), ())
    table = BlockTable.from_frame(mt.frame, mt.n_free, mt.eq_pairs)
    moments, notes = moments_from_data(data, list(spec.ov))
    grouped = fit_blocks(
        table, one_block(moments, notes), spec.ov, how=DEFAULTS["ML"],
        model_text=spec.syntax, definitions=spec.definitions, group="all",
    )  # fmt: skip
    one = ls.fit(model, data, meanstructure=True)
    assert isinstance(grouped, ls.MultiGroupResult) and grouped.n_groups == 1
    key = ["lhs", "op", "rhs"]
    both = one.estimates.merge(grouped.estimates, on=key, suffixes=("", "_g"), validate="1:1")
    assert len(both) == len(one.estimates) == len(grouped.estimates)
    for column in ("est", "se", "std_all", "se_std_all"):
        assert_allclose(both[column], both[f"{column}_g"], atol=1e-10, err_msg=column)
    common = one.fit_measures.index.intersection(grouped.fit_measures.index)
    assert len(common) >= 40
    assert_allclose(one.fit_measures[common], grouped.fit_measures[common], rtol=1e-10, atol=1e-12)
    assert grouped.group_labels == (1,)  # one_block names its one group 1
    assert_allclose(grouped.implied_cov(1), one.implied_cov, atol=1e-12)


def test_one_block_keeps_its_table():
    pt = specify(HS).partable()
    table = BlockTable.one_group(pt)
    block, idx = table.block(0)
    assert block is pt  # what a fit makes of the table (compiled plans, masks) is kept
    assert_allclose(idx, np.arange(table.n_free))


def test_the_one_block_kernel_is_the_general_one():
    data = load_frame("political_democracy")
    spec = specify(PD, meanstructure=True)
    moments, _ = moments_from_data(data, list(spec.ov))
    res = ls.fit(PD, data, meanstructure=True)
    table = BlockTable.one_group(spec.partable())
    compiled, index, _ = engine.compile_blocks(table, spec.ov, [moments.s], [moments.mean])
    args = ([compiled[0].layout], index, [moments.s], [moments.mean], [moments.n], table.n_free)
    fast, general = MultiGroupKernel(*args), MultiGroupKernel(*args)
    general._one = False
    assert fast._one
    x = res._x
    a, b = fast.state(x), general.state(x)
    assert_allclose(fast.objective(a), general.objective(b), rtol=1e-15)
    assert_allclose(fast.gradient(a), general.gradient(b), atol=1e-15)
    assert_allclose(fast.expected_information(a), general.expected_information(b), atol=1e-15)


def test_the_split_module_keeps_its_old_names():
    import importlib

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        old = importlib.import_module("loyaltysem.estimation")
    from loyaltysem._kernels.starts import _start_values
    from loyaltysem.sem import measures, modindices, moments

    assert old.moments_from_data is moments.moments_from_data
    assert old._fit_measures is measures._fit_measures
    assert old.modification_indices is modindices.one_group_modification_indices
    assert old._start_values is _start_values
    assert old.fit is ls.sem.single_group.fit
    frame = pd.DataFrame(load_frame("holzinger_swineford"))
    assert old.fit(HS, frame).converged


GROUPS_SE = Path(__file__).parent / "fixtures" / "groups_se"


@pytest.mark.parametrize(
    "name, options",
    [
        ("hs_ml_huber_white_observed", {"se": "robust.huber.white", "information": "observed"}),
        ("hs_mlr_expected", {"estimator": "MLR", "information": "expected"}),
        ("hs_ml_observed", {"information": "observed"}),
    ],
)
def test_several_groups_take_every_se_and_information_of_one_group(name, options):
    """se= and information= with groups, as lavaan (tests/reference/make_groups_se.R)."""
    fx = json.loads((GROUPS_SE / f"{name}.json").read_text(encoding="utf-8"))
    assert fx["provenance"]["lavaan_version"] == "0.6.14"
    res = ls.fit(
        HS, load_frame("holzinger_swineford"), group="school",
        group_equal=fx["options"]["group_equal"], **options,
    )  # fmt: skip
    assert res.provenance.options["se"] == fx["options"]["se"]
    assert res.provenance.options["information"] == fx["options"]["information"]
    theirs = pd.DataFrame(fx["parameter_estimates"])
    key = ["lhs", "op", "rhs", "group"]
    both = res.estimates.merge(theirs, on=key, suffixes=("", "_R"), validate="1:1")
    assert len(both) == len(theirs) == len(res.estimates)
    assert_allclose(both["est"], both["est_R"], atol=ATOL_EST)
    assert_allclose(both["se"], both["se_R"], rtol=RTOL_SE, atol=1e-12)
    fm = fx["fit_measures"]
    assert_allclose(res.fit_measures["chisq"], fm["chisq"], rtol=RTOL_CHISQ)
    for key in ("cfi", "tli", "rmsea", "srmr", "cfi.robust", "rmsea.robust"):
        if fm.get(key) is not None:
            assert_allclose(res.fit_measures[key], fm[key], atol=ATOL_INDEX, err_msg=key)
    if fm.get("chisq.scaled") is not None:
        assert_allclose(res.fit_measures["chisq.scaled"], fm["chisq.scaled"], rtol=RTOL_CHISQ)
        assert_allclose(
            res.fit_measures["scaling.factor.h1"], fm["scaling.factor.h1"], atol=ATOL_INDEX
        )
    else:  # lavaan reports no scaled test with the standard one
        assert "chisq.scaled" not in res.fit_measures.index


def test_a_multigroup_mlm_fit_reports_no_yuan_bentler_factors():
    """lavaan's scaling.factor.h1/h0 belong to MLR's Yuan-Bentler test, not to MLM's."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = ls.fit(HS, load_frame("holzinger_swineford"), group="school", estimator="MLM")
    assert "chisq.scaled" in res.fit_measures.index
    assert "scaling.factor.h1" not in res.fit_measures.index
