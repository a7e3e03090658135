"""lavaan syntax → parameter table, against ``parTable(sem(..., do.fit = FALSE))``.

Fixture: ``tests/fixtures/estimation/partable_cases.json`` from
``tests/reference/make_estimation.R`` (lavaan 0.6.14): each case exercises one part of
lavaan's syntax and ``sem()`` defaults. Rows, their order, which are free, fixed values,
fixed.x rows and the observed-variable order must match exactly.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from loyaltysem.errors import IdentificationError, ModelSpecError
from loyaltysem.sem.specification import specify

CASES = json.loads(
    (Path(__file__).parent / "fixtures" / "estimation" / "partable_cases.json").read_text(
        encoding="utf-8"
    )
)["cases"]
OPTIONS = {
    "std.lv": "std_lv",
    "orthogonal": "orthogonal",
    "fixed.x": "fixed_x",
    "meanstructure": "meanstructure",
}
PARAM_OPS = ["=~", "~", "~~", "~1"]
MEAN_STRUCTURE: set[str] = set()


def options(case: dict) -> dict:
    return {OPTIONS[k]: v for k, v in case["options"].items()}


@pytest.mark.parametrize(
    "case", [c for c in CASES if c["name"] not in MEAN_STRUCTURE], ids=lambda c: c["name"]
)
def test_parameter_table_as_lavaan(case):
    spec = specify(case["syntax"], **options(case))
    theirs = pd.DataFrame(case["partable"])
    theirs = theirs[theirs["op"].isin(PARAM_OPS)].reset_index(drop=True)
    ours = spec.table[spec.table["op"].isin(PARAM_OPS)].reset_index(drop=True)
    key = ["lhs", "op", "rhs"]
    assert ours[key].to_numpy().tolist() == theirs[key].to_numpy().tolist()
    assert (ours["free"] > 0).tolist() == (theirs["free"] > 0).tolist()
    assert ours["exo"].tolist() == theirs["exo"].tolist()
    assert ours["user"].tolist() == theirs["user"].tolist()
    fixed = (theirs["free"] == 0) & theirs["ustart"].notna()
    np.testing.assert_array_equal(
        ours.loc[fixed, "ustart"], theirs.loc[fixed, "ustart"].astype(float)
    )
    labels = theirs["label"].fillna("")
    assert ours["label"].tolist() == labels.tolist()
    assert list(spec.ov) == case["names"]["ov"]
    assert list(spec.lv) == case["names"]["lv"]


@pytest.mark.parametrize(
    "case", [c for c in CASES if c["name"] not in MEAN_STRUCTURE], ids=lambda c: c["name"]
)
def test_number_of_parameters_after_equality_constraints(case):
    spec = specify(case["syntax"], **options(case))
    theirs = pd.DataFrame(case["partable"])
    n_equalities = int((theirs["op"] == "==").sum())
    # lavaan keeps equal parameters apart and adds '==' rows (one per label pair and
    # per explicit constraint); we give them one index: npar drops by the constraints
    assert spec.npar == case["npar"] - n_equalities


def test_equal_labels_share_one_free_parameter():
    case = next(c for c in CASES if c["name"] == "labels_equality_constraints")
    t = specify(case["syntax"]).table.set_index(["lhs", "op", "rhs"])["free"]
    assert t[("visual", "=~", "x2")] == t[("visual", "=~", "x3")] > 0
    assert t[("textual", "=~", "x5")] == t[("textual", "=~", "x6")] > 0
    assert t[("visual", "=~", "x2")] != t[("textual", "=~", "x5")]


def test_defined_parameters_are_parsed_in_order():
    case = next(c for c in CASES if c["name"] == "defined_parameters")
    spec = specify(case["syntax"])
    assert [d.name for d in spec.definitions] == ["ind", "total", "ratio"]
    assert spec.definitions[1].labels == ("c", "a", "b")
    theirs = pd.DataFrame(case["partable"])
    theirs = theirs[theirs["op"] == ":="]
    ours = spec.table[spec.table["op"] == ":="]
    assert ours["lhs"].tolist() == theirs["lhs"].tolist()
    assert ours["rhs"].tolist() == theirs["rhs"].tolist()
    values = {"a": 0.5, "b": -0.25, "c": 0.3}
    out = {}
    for d in spec.definitions:
        out[d.name] = d.evaluate({**values, **out})
    assert out["ind"] == pytest.approx(-0.125)
    assert out["total"] == pytest.approx(0.175)
    assert out["ratio"] == pytest.approx(0.5 / 1.25)


def test_intercept_lines_turn_the_mean_structure_on():
    case = next(c for c in CASES if c["name"] == "intercepts_meanstructure")
    spec = specify(case["syntax"])
    assert spec.options["meanstructure"]
    t = spec.table.set_index(["lhs", "op"])
    assert t.loc[("x1", "~1"), "free"] == 0 and t.loc[("x1", "~1"), "ustart"] == 0.0
    assert t.loc[("visual", "~1"), "free"] > 0  # a user-freed latent mean
    assert t.loc[("textual", "~1"), "free"] == 0  # latent means fixed at 0 by default
    assert t.loc[("ageyr", "~1"), "exo"] == 1  # fixed.x: the sample mean, not a parameter


def test_meanstructure_option_adds_free_intercepts():
    spec = specify("f =~ x1 + x2 + x3", meanstructure=True)
    rows = spec.table[spec.table["op"] == "~1"]
    assert rows["lhs"].tolist() == ["x1", "x2", "x3", "f"]
    assert (rows["free"] > 0).tolist() == [True, True, True, False]
    assert spec.npar == 6 + 3


def test_labelled_intercepts_are_equal():
    spec = specify("f =~ x1 + x2 + x3\nx2 ~ a*1\nx3 ~ a*1")
    t = spec.table.set_index(["lhs", "op"])["free"]
    assert t[("x2", "~1")] == t[("x3", "~1")] > 0


@pytest.mark.parametrize(
    ("syntax", "line", "needle"),
    [
        ("f =~ x1 + x2\nf <~ x3", 2, "composites"),
        ("f =~ x1 + x2\nthis is not a model", 2, "without an operator"),
        ("f =~ x1 + + x2", 1, "empty term"),
        ("f =~ x1 + 2x*x2", 1, "modifier"),
        ("f =~ x1 + x2\nf =~ x1", 2, "specified twice"),
        ("f =~ x1 + a*x2 + x3\nd := a*zz", 2, "does not define"),
        ("f =~ x1 + a*x2 + x3\nd := __import__('os')", 2, "not an allowed function"),
        ("f =~ x1 + a*x2 + x3\nd := a.__class__", 2, "does not define"),
        ("f =~ x1 + a*x2\nb == a", 2, "unknown label"),
        ("f =~ x1 + x2\nx1 =~ 1", 2, "intercept"),
        ("f =~ x1 + x2\nx9 ~ 1", 2, "intercept"),
        ("group: 1\nf =~ x1 + x2", 1, "blocks"),
        ("f =~ x1 + a*x2 + x3\na > 0", 2, "inequality"),
    ],
)
def test_syntax_errors_name_the_line(syntax, line, needle):
    with pytest.raises(ModelSpecError) as err:
        specify(syntax)
    assert err.value.line == line
    assert needle in str(err.value)
    assert err.value.fix


def test_a_latent_without_scale():
    with pytest.raises(IdentificationError) as err:
        specify("f =~ NA*x1 + x2 + x3")
    assert "no scale" in str(err.value) and err.value.line == 1
    # fixing the variance instead is fine
    spec = specify("f =~ NA*x1 + x2 + x3\nf ~~ 1*f")
    assert spec.npar == 6


def test_comments_continuations_and_semicolons():
    spec = specify(
        "# a comment\nf =~ x1 +   # trailing comment\n     x2 + x3 ! lavaan's other comment\n"
        "g =~ y1 + y2\n   + y3; f ~~ g"
    )
    assert spec.ov == ("x1", "x2", "x3", "y1", "y2", "y3")
    assert spec.table.query("op == '=~'").shape[0] == 6
    assert spec.line_of("x2") == 2 and spec.line_of("y1") == 4


def test_unicode_variable_names():
    spec = specify("信任 =~ 信任1 + 信任2 + 信任3")
    assert spec.lv == ("信任",) and spec.ov == ("信任1", "信任2", "信任3")


def test_model_must_be_text():
    with pytest.raises(ModelSpecError, match="string"):
        specify(42)  # type: ignore[arg-type]


def test_a_label_shared_with_a_fixed_parameter_fixes_it():
    # lavaan: the marker x1 is fixed at 1 and labelled m, so 'm*x2' equals 1 too
    t = specify("f =~ m*x1 + m*x2 + x3").table.set_index(["lhs", "op", "rhs"])
    assert t.loc[("f", "=~", "x2"), "free"] == 0
    assert t.loc[("f", "=~", "x2"), "ustart"] == 1.0
    assert t.loc[("f", "=~", "x3"), "free"] > 0
    with pytest.raises(ModelSpecError, match="different values"):
        specify("f =~ a*x1 + x2 + x3\ng =~ y1 + y2 + 0.5*a*y3")
