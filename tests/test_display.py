"""Displays people can read (issue 11, item 9): APA p-values, compact fit tables, wrapped
tables, short reprs, built on real results from the bundled data.

Numbers stay full precision in the tables; only ``summary()``, ``_repr_html_`` and
``repr`` round. Every public result type is built here with fast settings.
"""

from __future__ import annotations

import dataclasses
import re
import tempfile
import warnings
from functools import cache
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from hypothesis import given
from hypothesis import strategies as st

import loyaltysem as ls
from loyaltysem import _display
from loyaltysem._display import (
    DISPLAY_WIDTH,
    REPR_MAX,
    fit_table,
    format_fit_table,
    format_frame,
    format_p,
    is_p_name,
    short_repr,
    status_text,
    text_section,
)
from loyaltysem.measurement.efa import efa
from loyaltysem.measurement.polychoric import ordinal_alpha, polychoric, thresholds
from loyaltysem.pls import pls

#: what an APA p-value looks like: "< .001", ".032", "1.000"
APA_P = re.compile(r"< \.001|\.\d{3}|1\.000")
CFA = "TRU =~ TRU1 + TRU2 + TRU3\nSAT =~ SAT1 + SAT2 + SAT3"
TRU = ["TRU1", "TRU2", "TRU3"]


# ------------------------------------------------------------------ real results
@cache
def _survey() -> ls.Survey:
    return ls.load_ecommerce()


@cache
def _default_fit() -> ls.SEMResult:
    return ls.fit(ls.DEFAULT_MODEL, _survey())


@cache
def _results() -> dict[str, Any]:
    """One real object of every public result type (fast settings)."""
    sv = _survey()
    res = _default_fit()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        out: dict[str, Any] = {
            "Survey": sv,
            "SEMResult": res,
            "SEMResult MLR": ls.fit(ls.DEFAULT_MODEL, sv, estimator="MLR"),
            "SEMResult WLSMV": ls.fit(CFA, sv, ordered=True),
            "ModelComparison": ls.compare(res, ls.fit(ls.RIVAL_MODEL, sv)),
            "EffectsResult": res.effects(),
            "MultiGroupResult": ls.fit_groups(CFA, sv, "wave"),
            "MultiGroupResult MLR": ls.fit_groups(CFA, sv, "wave", estimator="MLR"),
            "InvarianceResult": ls.invariance(CFA, sv, "wave"),
            "SEMBootstrap": ls.bootstrap(res, 5, data=sv, random_state=1),
            "BootstrapResult": ls.bootstrap_statistic(
                sv.data[TRU].dropna(),
                lambda x: np.atleast_1d(x.mean(axis=0)),
                TRU,
                n_boot=20,
                random_state=1,
            ),
            "MeasurementReport": ls.validate(sv, ls.DEFAULT_MODEL, n_boot=0),
            "ScreeningReport": ls.screen(sv.data, item_min=1, item_max=7),
            "MardiaResult": ls.mardia(sv.data.dropna()),
            "AlphaResult": ls.alpha(sv.data[TRU]),
            "KMOResult": ls.kmo(sv),
            "BartlettResult": ls.bartlett(sv),
            "ParallelResult": ls.parallel_analysis(sv, n_iter=3, random_state=1),
            "EFAResult": efa(sv, 9),
            "FactorSuggestions": ls.suggest_factors(sv),
            "EFAReport": ls.efa_report(sv),
            "ThresholdResult": thresholds(sv.data[TRU]),
            "PolychoricResult": polychoric(sv.data[TRU]),
            "OrdinalAlphaResult": ordinal_alpha(sv.data[TRU], {"TRU": TRU}),
            "MissingPatterns": ls.missing_patterns(sv),
            "SaturatedMoments": ls.saturated_moments(sv.data[TRU]),
            "EstimatorRecommendation": ls.recommend_estimator(sv),
            "PLSResult": pls(
                ls.load_mobi(),
                {"Image": ["IMAG1", "IMAG2", "IMAG3"], "Satisfaction": ["CUSA1", "CUSA2"]},
                "Satisfaction ~ Image",
            ),
        }
        study = ls.run_study(
            ls.load_study(
                {
                    "data": {
                        "file": "bundled:ecommerce",
                        "column": "wave",
                        "codebook": "bundled:ecommerce",
                    },
                    "model": {"syntax": "default", "estimator": "ML"},
                    "study": {"formats": ["md"]},
                    "bootstrap": {"draws": 0},
                }
            ),
            Path(tempfile.mkdtemp()) / "study",
            progress=False,
        )
        out["StudyResult"] = study
        out["DriftReport"] = study.drift
        out.update(_pls_results())
    return out


def _pls_results() -> dict[str, Any]:
    """One of every result built on a PLS model (small, fast settings)."""
    from loyaltysem.pls import cvpat, higher_order_stages, predict_new, simple_slopes

    mobi = ls.load_mobi()
    base = "Image =~ IMAG1 + IMAG2 + IMAG3\nValue =~ PERV1 + PERV2\nSatisfaction =~ CUSA1 + CUSA2"
    small = ls.fit_pls(base + "\nSatisfaction ~ Image + Value", mobi)
    halves = pd.Series(np.arange(small.n) % 2, index=small.data.index)
    moderated = ls.fit_pls(base + "\nSatisfaction ~ Image + Value + Image:Value", mobi)
    return {
        "PLSBootstrap": small.bootstrap(20, random_state=1, jackknife=False),
        "PLSPredict": small.predict(folds=5, repeats=1, random_state=1),
        "PLSNewPredictions": predict_new(small, mobi.data.iloc[:10]),
        "CVPAT": cvpat(small, small, folds=5, random_state=1),
        "MICOMResult": small.micom(halves, n_permutations=20, random_state=1),
        "MGAResult": small.mga(halves, method="permutation", n_permutations=20, random_state=1),
        "IPMAResult": small.ipma("Satisfaction", scale=(1, 10)),
        "SimpleSlopes": simple_slopes(moderated, "Image", "Value", "Satisfaction"),
        "HigherOrderStages": higher_order_stages(
            mobi,
            {
                "Image": ["IMAG1", "IMAG2"],
                "Value": ["PERV1", "PERV2"],
                "Loyalty": ["CUSL1", "CUSL2"],
            },
            "Loyalty ~ Sat",
            [("Sat", ["Image", "Value"])],
            missing="mean",
        ),
    }


def _public_result_types() -> set[str]:
    """Every class of the package that shows itself through the display base."""
    import loyaltysem.survey.survey  # noqa: F401  (Survey lives in a subpackage)

    found = set()
    stack = list(_display.DisplayMixin.__subclasses__())
    while stack:
        cls = stack.pop()
        stack.extend(cls.__subclasses__())
        if not cls.__name__.startswith("_"):
            found.add(cls.__name__)
    return found


# ------------------------------------------------------------------ p-values
def test_format_p_is_apa():
    assert format_p(0.0) == "< .001"
    assert format_p(0.000999) == "< .001"
    assert format_p(0.001) == ".001"
    assert format_p(0.0321) == ".032"
    assert format_p(0.5) == ".500"
    assert format_p(1.0) == "1.000"
    assert format_p(float("nan")) == "" and format_p(float("nan"), na_rep="NA") == "NA"


@given(st.floats(min_value=0.0, max_value=1.0, allow_nan=False))
def test_format_p_never_shows_a_leading_zero_or_zero(p):
    text = format_p(p)
    assert APA_P.fullmatch(text), text
    assert not text.startswith("0") and text != ".000"


@given(st.lists(st.floats(min_value=0.0, max_value=1.0, allow_nan=False), min_size=1, max_size=8))
def test_format_frame_formats_p_columns_and_leaves_the_data_alone(ps):
    frame = pd.DataFrame({"est": np.linspace(-2, 2, len(ps)), "pvalue": ps})
    before = frame.copy()
    shown = format_frame(frame)
    pd.testing.assert_frame_equal(frame, before)  # full precision kept
    assert all(APA_P.fullmatch(v) for v in shown["pvalue"])
    assert shown["est"].tolist() == [f"{v:.3f}" for v in frame["est"]]


def test_p_names():
    for name in ["p", "pvalue", "p_value", "p.value", "pvalue.scaled", "p_delta", "clf_p_value",
                 "kurtosis_pvalue", "RMSEA p (close fit)"]:  # fmt: skip
        assert is_p_name(name), name
    for name in ["PQ1", "op", "proportion_mediated", "pc_observed", "est", "ppi", "sep"]:
        assert not is_p_name(name), name


def test_bounded_quantities_lose_the_leading_zero_only_when_bounded():
    shown = format_frame(pd.DataFrame({"std_all": [0.81234, -0.04], "est": [0.5, 0.25]}))
    assert shown["std_all"].tolist() == [".812", "-.040"]
    assert shown["est"].tolist() == ["0.500", "0.250"]  # not bounded: leading zero kept
    heywood = format_frame(pd.DataFrame({"std_all": [1.02, 0.5]}))  # not bounded here
    assert heywood["std_all"].tolist() == ["1.020", "0.500"]


def _column(block: str, name: str) -> list[str]:
    """The cells of a right-aligned column of a to_string() table (header on line 0)."""
    lines = block.splitlines()
    header = next(i for i, line in enumerate(lines) if re.search(rf"\s{re.escape(name)}\b", line))
    end = re.search(rf"\s{re.escape(name)}\b", lines[header]).end()
    width = max(len(name), 6)
    return [line[end - width : end].strip() for line in lines[header + 1 :] if line.strip()]


def _section(text: str, title: str) -> str:
    start = text.index(f"\n{title}\n") + len(title) + 2
    start = text.index("\n", start) + 1  # after the underline
    end = text.find("\n\n", start)
    return text[start : end if end >= 0 else None]


def test_default_model_summary_shows_apa_p_values_never_zero():
    res = _default_fit()
    text = res.summary()
    assert "< .001" in text
    pvalues = []
    for title in ("Latent variables (=~)", "Regressions (~)", "Covariances (~~)"):
        pvalues += _column(_section(text, title), "pvalue")
    est = res.estimates
    rows = est["op"].isin(["=~", "~"]) | ((est["op"] == "~~") & (est["lhs"] != est["rhs"]))
    assert len(pvalues) == int(rows.sum())
    shown = [p for p in pvalues if p]  # fixed loadings show no p-value, as lavaan
    free = est[rows & (est["free"] > 0)]
    assert len(shown) == len(free) and all(APA_P.fullmatch(p) for p in shown), shown
    assert shown.count("< .001") == int((free["pvalue"] < 0.001).sum()) > 0
    assert not any(p in ("0.0", "0.000", "0") for p in pvalues)
    # the data are untouched: full precision, p-values as floats
    assert res.estimates["pvalue"].dtype == float and res.estimates["pvalue"].min() < 1e-10


class _Cells(HTMLParser):
    """Text of every <th>/<td> cell, row by row, of every table of an HTML string."""

    def __init__(self) -> None:
        super().__init__()
        self.tables: list[list[list[str]]] = []
        self._cell: list[str] | None = None

    def handle_starttag(self, tag, attrs):
        if tag == "table":
            self.tables.append([])
        elif tag == "tr":
            self.tables[-1].append([])
        elif tag in ("td", "th"):
            self._cell = []

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self._cell is not None:
            self.tables[-1][-1].append("".join(self._cell).strip())
            self._cell = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)


def test_default_model_html_shows_apa_p_values():
    res = _default_fit()
    page = res._repr_html_()
    assert "&lt; .001" in page
    parser = _Cells()
    parser.feed(page)
    checked = 0
    for table in parser.tables:
        header = table[0]
        if "pvalue" not in header:
            continue
        col = header.index("pvalue")
        for row in table[1:]:
            if len(row) == len(header) and row[col]:
                assert APA_P.fullmatch(row[col]), row
                checked += 1
    est = res.estimates
    shown = est["pvalue"].notna() & ((est["free"] > 0) | (est["op"] == ":="))
    assert checked == int(shown.sum())


def test_html_tables_scroll_inside_their_box():
    page = _results()["InvarianceResult"]._repr_html_()
    assert "overflow-x:auto" in page and page.count("<div class='ls-table'>") == 1
    assert ">decision<" in page  # every column is there, none hidden


# ------------------------------------------------------------------ fit tables
READER_ROWS = ["χ²", "df", "p", "CFI", "TLI", "RMSEA", "RMSEA 90% CI lower",
               "RMSEA 90% CI upper", "RMSEA p (close fit)", "SRMR", "AIC", "BIC", "N"]  # fmt: skip


def test_fit_table_of_an_ml_fit():
    res = _default_fit()
    table = res.fit_table()
    fm = res.fit_measures
    assert table.index.tolist() == READER_ROWS and table.columns.tolist() == ["standard"]
    keys = ["chisq", "df", "pvalue", "cfi", "tli", "rmsea", "rmsea.ci.lower", "rmsea.ci.upper",
            "rmsea.pvalue", "srmr", "aic", "bic"]  # fmt: skip
    assert table["standard"].iloc[:-1].tolist() == fm[keys].tolist()  # exact, unrounded
    assert table.loc["N", "standard"] == res.provenance.n == 1059
    assert len(fm) == 46  # fit_measures stays the full Series (it is data)


def test_fit_table_of_a_robust_fit_has_the_scaled_test_and_robust_indices():
    res = _results()["SEMResult MLR"]
    table, fm = res.fit_table(), res.fit_measures
    assert table.columns.tolist() == ["standard", "robust"]
    assert table.loc["χ²", "robust"] == fm["chisq.scaled"]
    assert table.loc["scaling factor", "robust"] == fm["chisq.scaling.factor"]
    assert table.loc["CFI", "robust"] == fm["cfi.robust"]
    assert table.loc["RMSEA", "robust"] == fm["rmsea.robust"]
    assert np.isnan(table.loc["AIC", "robust"]) and table.loc["AIC", "standard"] == fm["aic"]
    text = res.summary()
    fit_block = _section(text, "Fit measures")
    assert len(fit_block.splitlines()) == 2 + len(table)  # header lines + one row per index
    assert "scaled χ²(353)" in text and "robust CFI" in text


def test_fit_table_of_wlsmv_and_of_multigroup_fits():
    wlsmv = _results()["SEMResult WLSMV"]
    table = wlsmv.fit_table()
    assert "AIC" not in table.index and "robust" in table.columns  # no likelihood under WLSMV
    assert table.loc["χ²", "robust"] == wlsmv.fit_measures["chisq.scaled"]
    mg = _results()["MultiGroupResult MLR"]
    t = mg.fit_table()
    assert t.columns.tolist() == ["standard", "robust"] and t.loc["N", "standard"] == 1193
    assert "Fit measures" in mg.summary() and "RMSEA 90% CI upper" in mg.summary()


def test_format_fit_table_rounds_for_reading():
    res = _default_fit()
    shown = format_fit_table(res.fit_table())["standard"]
    assert shown["df"] == "353" and shown["N"] == "1059"
    assert APA_P.fullmatch(shown["p"]) and shown["CFI"] in (
        "1.000",
        f"{res.fit_measures['cfi']:.3f}",
    )
    assert shown["SRMR"] == f"{res.fit_measures['srmr']:.3f}"[1:]


def test_fit_table_without_a_value_leaves_the_row_out():
    fm = pd.Series({"chisq": 3.0, "df": 2.0, "pvalue": 0.22, "cfi": 0.99, "tli": 0.98,
                    "rmsea": 0.03, "rmsea.ci.lower": 0.0, "rmsea.ci.upper": 0.1,
                    "srmr": 0.02})  # fmt: skip
    table = fit_table(fm)
    assert "AIC" not in table.index and "N" not in table.index and len(table) == 9


# ------------------------------------------------------------------ wrapping
def test_invariance_and_comparison_summaries_show_every_column():
    inv = _results()["InvarianceResult"]
    text = inv.summary()
    assert "decision" in text
    for level, decision in inv.table["decision"].items():
        assert re.search(rf"{level}\s.*{decision}", text), (level, decision)
    for col in inv.table.columns:
        assert str(col) in text, col
    cmp = _results()["ModelComparison"]
    text = cmp.summary()
    for col in cmp.table.columns:
        assert str(col) in text, col
    assert "..." not in text and "..." not in inv.summary()


def test_long_text_columns_are_listed_below_the_table():
    inv = _results()["InvarianceResult"]
    text = inv.summary()
    reason = inv.table.loc["metric", "reason"]
    assert "reason:" in text and reason.split(";")[0] in text


def test_no_summary_line_is_wider_than_the_display_width():
    for name, obj in _results().items():
        for line in obj.summary().splitlines():
            assert len(line) <= DISPLAY_WIDTH, (name, line)


def test_text_section_wraps_wide_tables_into_blocks():
    frame = pd.DataFrame({f"column_{i}": [0.5 + i, 1.5] for i in range(30)})
    text = text_section("Wide", frame, width=80)
    assert max(len(line) for line in text.splitlines()) <= 80
    for i in range(30):
        assert f"column_{i}" in text  # every column, in blocks, none hidden


# ------------------------------------------------------------------ reprs
def test_every_public_result_type_is_built_here():
    built = {type(obj).__name__ for obj in _results().values()}
    assert _public_result_types() <= built, _public_result_types() - built


def test_every_result_has_a_short_plain_repr():
    for name, obj in _results().items():
        text = repr(obj)
        kind = type(obj).__name__
        assert len(text) < REPR_MAX and "\n" not in text, (name, len(text), text)
        assert text.startswith(f"<{kind}"), text
        assert len(str(obj)) > len(text)  # str() is still the full summary
        assert str(obj) == obj.summary()


def test_fit_reprs_name_n_estimator_status_and_key_numbers():
    res = _default_fit()
    text = repr(res)
    assert "N=1059" in text and "estimator=ML" in text and "converged,admissible" in text
    assert f"chisq={res.fit_measures['chisq']:.3f}" in text and "df=353" in text
    mlr = repr(_results()["SEMResult MLR"])
    assert "estimator=MLR" in mlr and "chisq.scaled=" in mlr
    mg = repr(_results()["MultiGroupResult"])
    assert mg.startswith("<MultiGroupResult groups=3 N=1193 estimator=ML converged")
    report = repr(_results()["MeasurementReport"])
    assert "constructs=9" in report and "items=29" in report
    # the common latent factor's information matrix is singular on this survey: not assessable
    assert "criteria_not_met=8 not_assessable=1" in report
    inv = repr(_results()["InvarianceResult"])
    assert "metric=not_supported" in inv and "scalar=supported" in inv


def test_status_text():
    assert status_text(True, ["the information matrix is singular"]) == (
        "converged, admissible, singular information"
    )
    assert status_text(True, ["negative variance estimate (Heywood case): a ~~ a = -1"]) == (
        "converged, inadmissible"
    )
    assert status_text(False, ["negative variance"]) == "NOT converged"


@given(st.lists(st.text(min_size=0, max_size=80), max_size=20))
def test_short_repr_is_bounded(parts):
    text = short_repr("Kind", parts)
    assert len(text) <= REPR_MAX and text.startswith("<Kind") and text.endswith(">")


def test_provenance_repr_is_short():
    prov = _default_fit().provenance
    assert dataclasses.is_dataclass(prov)
    text = repr(prov)
    assert len(text) < REPR_MAX and "estimator=ML" in text and "n=1059" in text


def test_header_text_is_escaped_in_html():
    page = _results()["EFAReport"]._repr_html_()
    assert "Bartlett chi-square" in page and "p &lt; .001" in page and "p < .001" not in page
