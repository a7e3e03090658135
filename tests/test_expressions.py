"""The ``:=`` expression language: lavaan's grammar, no side effects, typed errors only."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.testing import assert_allclose

from loyaltysem import fit, load_political_democracy
from loyaltysem.errors import LoyaltySemError, ModelSpecError
from loyaltysem.sem.expressions import FUNCTIONS, compile_expression
from loyaltysem.sem.specification import specify

POLDEM = """
ind60 =~ x1 + x2 + x3
dem60 =~ y1 + y2 + y3 + y4
dem65 =~ y5 + y6 + y7 + y8
dem60 ~ a*ind60
dem65 ~ c*ind60 + b*dem60
"""


@pytest.fixture(scope="module")
def poldem():
    return load_political_democracy()


@pytest.fixture(scope="module")
def base(poldem):
    return fit(POLDEM + "ab := a*b\n", poldem)


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("a*1e3", 2000.0),
        ("a*1E-3", 0.002),
        ("a*.5 + 5.", 6.0),
        ("1.e2*b", 300.0),
        ("0x1F*a", 62.0),
        ("2L*a", 4.0),
        ("a^2^b", 2.0 ** (2.0**3.0)),
        ("-a^2", -4.0),
        ("log(b, a)", math.log(3.0) / math.log(2.0)),
        ("exp(a)/(1 + exp(a))", math.exp(2.0) / (1.0 + math.exp(2.0))),
        ("a**b", 8.0),
        ("+a - -b", 5.0),
    ],
)
def test_numbers_in_every_notation_and_r_precedence(text, value):
    assert_allclose(compile_expression(text, 1).evaluate({"a": 2.0, "b": 3.0}), value)


def test_labels_with_dots_and_python_keywords_are_labels():
    e = compile_expression(".p1. * lambda + if", 3)
    assert e.labels == (".p1.", "lambda", "if")
    assert float(e.evaluate({".p1.": 2.0, "lambda": 3.0, "if": 1.0})) == 7.0


@pytest.mark.parametrize(
    ("text", "needle"),
    [
        ("sqrt(a, b)", "wrong number of arguments"),
        ("sqrt()", "wrong number of arguments"),
        ("log(a, b, a)", "wrong number of arguments"),
        ("log", "without an argument"),
        ("log + a", "without an argument"),
        ("1/0", "constant part"),
        ("a + 2^5000", "constant part"),
        ("log(0)*a", "constant part"),
        ("a*1e999", "too large"),
        ("__import__('os')", "not an allowed function"),
        ("a.__class__ + (", "cannot read"),
        ("a if b else a", "cannot read"),
        ("a[0]", "other than arithmetic"),
        ("a % b", "other than arithmetic"),
        ("'a'", "other than arithmetic"),
        ("sqrt(x=a)", "not an allowed function"),
        ("(" * 300 + "a" + ")" * 300, "cannot read"),
        ("-" * 150 + "a", "nested too deeply"),
        ("+".join(["a"] * 3000), "too long"),
    ],
)
def test_everything_else_is_a_model_spec_error_naming_the_line(text, needle):
    with pytest.raises(ModelSpecError) as err:
        compile_expression(text, 9)
    assert err.value.line == 9
    assert needle in err.value.reason
    assert err.value.fix


def test_every_function_checks_its_arity():
    for name, (_, least, most) in FUNCTIONS.items():
        args = ", ".join(["a"] * (most + 1))
        with pytest.raises(ModelSpecError, match="wrong number of arguments"):
            compile_expression(f"{name}({args})", 1)
        assert np.isfinite(compile_expression(f"{name}(0.5)", 1).evaluate({}))
        assert least == 1


def test_a_second_argument_never_writes_into_another_quantity(poldem, base):
    # the issue: d := sqrt(a, b) handed b's array to numpy as the output buffer and changed
    # the std_all of an unrelated path; now it is refused, and evaluation copies its inputs
    with pytest.raises(ModelSpecError) as err:
        fit(POLDEM + "ab := a*b\nd := sqrt(a, b)\n", poldem)
    assert err.value.line == 8
    res = fit(POLDEM + "ab := a*b\nd := sqrt(a) + log(b, 2)\n", poldem)
    cols = ["est", "se", "std_all"]
    shared = base.estimates.merge(res.estimates, on=["lhs", "op", "rhs"], suffixes=("", "_d"))
    assert len(shared) == len(base.estimates)
    assert_allclose(shared[cols].to_numpy(float), shared[[c + "_d" for c in cols]].to_numpy(float))
    b = np.array([0.5, 2.0])
    e = compile_expression("sqrt(a) + exp(b)", 1)
    e.evaluate({"a": np.array([4.0, 9.0]), "b": b})
    assert b.tolist() == [0.5, 2.0]


def test_scientific_notation_as_in_lavaan_fits(poldem, base):
    res = fit(POLDEM + "ab := a*b\nab_k := a*b*1e3\n", poldem)
    rows = res.estimates.set_index("lhs")
    assert_allclose(rows.loc["ab_k", "est"], 1e3 * rows.loc["ab", "est"], rtol=1e-12)
    assert_allclose(rows.loc["ab_k", "se"], 1e3 * rows.loc["ab", "se"], rtol=1e-9)


_pieces = st.sampled_from(
    ["a", "b", ".p1.", "1", "2.5", "1e3", "0x1F", "(", ")", "+", "-", "*", "/", "^", ",", " "]
    + [f"{f}(" for f in FUNCTIONS]
    + ["'", "[", "]", "%", "=", "import", "__", ".", "e", "L", "@", "lambda", ":", "{", "\\"]
)


@settings(max_examples=400, deadline=None)
@given(st.lists(_pieces, max_size=25).map("".join))
def test_any_text_is_an_expression_or_a_model_spec_error(text):
    try:
        e = compile_expression(text, 4)
    except ModelSpecError as err:
        assert err.line == 4 and err.fix
        return
    values = {name: np.array([0.5, 2.0]) for name in e.labels}
    before = {k: v.copy() for k, v in values.items()}
    out = np.asarray(e.evaluate(values), dtype=float)
    assert out.shape in ((), (2,))
    assert all(np.array_equal(values[k], before[k]) for k in values)


@settings(max_examples=100, deadline=None)
@given(st.text(max_size=40))
def test_any_definition_line_in_a_model_is_read_or_refused_with_its_line(text):
    syntax = "f =~ x1 + a*x2 + b*x3\nd := " + text
    try:
        spec = specify(syntax)
    except LoyaltySemError as err:
        assert isinstance(err, ModelSpecError) and err.line is not None and err.line >= 2
        return
    assert isinstance(spec.table, pd.DataFrame)
