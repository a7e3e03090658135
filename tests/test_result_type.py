"""One result type (issue 14 item 1): a single group is the case G = 1 of SEMResult.

``fit()`` returns a ``SEMResult`` for one group and its named subclass
``MultiGroupResult`` (no fields or methods of its own) for several. The estimates table
always carries lavaan's group number; per-group tables are a table for one group and a
``GroupTables`` for several, as lavaan's ``fitted(fit)`` is a matrix or a list.
"""

from __future__ import annotations

import dataclasses
import pickle
import warnings

import pandas as pd
import pytest
from numpy.testing import assert_allclose

import loyaltysem as ls
from loyaltysem.datasets import load_frame
from loyaltysem.errors import ModelSpecError
from loyaltysem.sem.results import GroupTables, MultiGroupResult, SEMResult

HS = "visual =~ x1 + x2 + x3\ntextual =~ x4 + x5 + x6\nspeed =~ x7 + x8 + x9"
HS_DEFINED = (
    "visual =~ x1 + x2 + x3\ntextual =~ x4 + x5 + x6\nspeed =~ x7 + x8 + x9\n"
    "textual ~ a*visual\nspeed ~ b*textual\nab := a*b"
)


@pytest.fixture(scope="module")
def hs() -> pd.DataFrame:
    return load_frame("holzinger_swineford")


@pytest.fixture(scope="module")
def one(hs):
    return ls.fit(HS_DEFINED, hs)


@pytest.fixture(scope="module")
def two(hs):
    return ls.fit(HS_DEFINED, hs, group="school", group_equal=["loadings"])


def test_one_type_for_every_fit(one, two):
    assert type(one) is SEMResult and one.n_groups == 1
    assert isinstance(two, SEMResult) and isinstance(two, MultiGroupResult)
    assert two.n_groups == 2 and two.group == "school"
    assert two.group_labels == ("Pasteur", "Grant-White")
    # the subclass adds no field: the same dataclass fields, the same methods
    assert [f.name for f in dataclasses.fields(MultiGroupResult)] == [
        f.name for f in dataclasses.fields(SEMResult)
    ]
    # nothing of its own but its title (dunders are the dataclass machinery)
    own = {k for k in vars(MultiGroupResult) if not (k.startswith("__") and k.endswith("__"))}
    assert own == {"_title"}
    assert not isinstance(one, MultiGroupResult)


def test_estimates_always_carry_the_group(one, two):
    est = one.estimates
    assert list(est.columns[:5]) == ["lhs", "op", "rhs", "group", "label"]
    # lavaan's parTable(): group 1 for the one group's rows, 0 for := rows
    assert (est.loc[est["op"] != ":=", "group"] == 1).all()
    assert est.loc[est["op"] == ":=", "group"].tolist() == [0]
    mg = two.estimates
    assert list(mg.columns[:5]) == ["lhs", "op", "rhs", "group", "group_label"]
    assert sorted(set(mg.loc[mg["op"] != ":=", "group"])) == [1, 2]
    # the defined parameter's product equals the product of its parts in the one group
    a = est.query("lhs == 'textual' and op == '~'")["est"].item()
    b = est.query("lhs == 'speed' and op == '~'")["est"].item()
    assert_allclose(est.query("op == ':='")["est"].item(), a * b, rtol=1e-12)


def test_per_group_tables(one, two, hs):
    assert isinstance(one.implied_cov, pd.DataFrame) and one.sample_mean is None
    tables = two.implied_cov
    assert isinstance(tables, GroupTables) and len(tables) == 2
    assert list(tables) == ["Pasteur", "Grant-White"]
    # a call (as before) and an index give the same table, a copy each time
    first = tables("Pasteur")
    pd.testing.assert_frame_equal(first, tables["Pasteur"])
    first.iloc[0, 0] = -1.0
    assert two.implied_cov("Pasteur").iloc[0, 0] > 0
    # the sample moments of a group are that group's data (divisor N_g)
    rows = hs[hs["school"] == "Grant-White"][[f"x{i}" for i in range(1, 10)]]
    assert_allclose(two.sample_cov("Grant-White").to_numpy(), rows.cov(ddof=0).to_numpy(),
                    rtol=1e-10)  # fmt: skip
    assert_allclose(two.sample_mean["Grant-White"].to_numpy(), rows.mean().to_numpy(), rtol=1e-12)
    with pytest.raises(ModelSpecError, match="no such group"):
        two.implied_cov("Eton")
    with pytest.raises(ModelSpecError, match="one group"):
        one.residuals("Pasteur", "raw")


def test_residuals_one_and_several(one, two):
    raw = one.residuals("raw")
    assert_allclose(raw.to_numpy(), (one.sample_cov - one.implied_cov).to_numpy(), atol=1e-12)
    pd.testing.assert_frame_equal(one.residuals(kind="cor"), one.residuals("cor"))
    g = two.residuals("Pasteur", "raw")
    expected = two.sample_cov("Pasteur") - two.implied_cov("Pasteur")
    assert_allclose(g.to_numpy(), expected.to_numpy(), atol=1e-12)
    with pytest.raises(ModelSpecError, match="unknown kind"):
        one.residuals("normalized")


def test_nobs_and_chisq_per_group(one, two):
    assert one.nobs.tolist() == [one.provenance.n]
    assert_allclose(one.chisq_group.to_numpy(), [one.fit_measures["chisq"]], rtol=1e-12)
    assert int(two.nobs.sum()) == two.provenance.n
    assert_allclose(two.chisq_group.sum(), two.fit_measures["chisq"], rtol=1e-10)


def test_score_tests_need_equality_constraints(one, two):
    with pytest.raises(ModelSpecError, match="no equality constraints"):
        one.score_tests()
    table = two.score_tests()
    assert {"group", "group_label", "X2", "pvalue"} <= set(table.columns)
    assert int(two.score_test_total()["df"]) == len(table)


def test_repr_and_summary_name_the_kind(one, two):
    assert repr(one).startswith("<SEMResult") and repr(two).startswith("<MultiGroupResult")
    assert "groups=2" in repr(two) and "groups=" not in repr(one)
    assert "Group 2: school = Grant-White" in two.summary()
    assert "Latent variables (=~)" in one.summary()


def test_a_result_pickles_whole(two):
    back = pickle.loads(pickle.dumps(two))
    assert type(back) is MultiGroupResult and back.n_groups == 2
    pd.testing.assert_frame_equal(back.implied_cov("Grant-White"), two.implied_cov("Grant-White"))


def test_compare_tells_one_group_from_several(hs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        configural = ls.fit(HS, hs, group="school")
        metric = ls.fit(HS, hs, group="school", group_equal=["loadings"])
    table = ls.compare(configural, metric).table
    assert_allclose(
        table["chisq_diff"].dropna().item(),
        metric.fit_measures["chisq"] - configural.fit_measures["chisq"],
        rtol=1e-10,
    )
    with pytest.raises(ModelSpecError, match="single-group and multi-group"):
        ls.compare(ls.fit(HS, hs), configural)
