"""Methods and results paragraphs (loyaltysem.report.methods).

End to end on the bundled survey: load_ecommerce() -> screen -> clean -> recommend_estimator
-> fit (MLR, missing="ml") -> validate -> bootstrap -> effects -> invariance. Every number
printed in a sentence is parsed back from the text and compared, at the shown precision, with
the result object it names; the JARS-Quant items are checked in English and Chinese.
"""

from __future__ import annotations

import math
import re
import warnings
from typing import Any

import numpy as np
import pandas as pd
import pytest

import loyaltysem as ls
from loyaltysem.errors import ReportError
from loyaltysem.report.methods import (
    JARS_ITEMS,
    Number,
    Paragraphs,
    methods_text,
    parse_numbers,
    results_text,
)

INV_MODEL = "REP =~ REP1 + REP2 + REP3\nTRU =~ TRU1 + TRU2 + TRU3"


@pytest.fixture(scope="module")
def chain() -> dict[str, Any]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        raw = ls.load_ecommerce()
        screening = raw.screen()
        survey = raw.clean(screening)
        rec = ls.recommend_estimator(survey)
        fit = ls.fit(ls.DEFAULT_MODEL, survey, **rec.fit_kwargs)
        validation = ls.validate(
            survey, n_boot=30, random_state=1, run_efa=False, common_method=False
        )
        boot = ls.bootstrap(fit, n_boot=30, random_state=7, data=survey)
        eff = ls.effects(fit, boot)
        inv = ls.invariance(INV_MODEL, survey, group="gender")
    return {
        "survey": survey,
        "screening": screening,
        "recommendation": rec,
        "fit": fit,
        "validation": validation,
        "bootstrap": boot,
        "effects": eff,
        "invariance": inv,
    }


@pytest.fixture(scope="module")
def heywood() -> ls.SEMResult:
    cov = pd.DataFrame(
        [[1, 0.8, 0.8], [0.8, 1, 0.3], [0.8, 0.3, 1]], index=list("abc"), columns=list("abc")
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return ls.fit("f =~ a + b + c", sample_cov=cov, sample_nobs=200)


def _decimals(shown: str) -> int:
    return len(shown.split(".")[-1]) if "." in shown else 0


def _resolve(source: str, objs: dict[str, Any]) -> Any:
    """The value a Number's source names, read from the result objects (None: derived)."""
    fit, val = objs.get("fit"), objs.get("validation")
    patterns: list[tuple[str, Any]] = [
        (r"fit\.fit_measures\[(.+)\]", lambda k: fit.fit_measures[k]),
        (r"fit\.estimates\.loc\[(\d+)\]\.(\w+)", lambda i, c: fit.estimates.loc[int(i), c]),
        (r"fit\.r2\[(\w+)\]", lambda v: fit.r2[v]),
        (r"fit\.r2\[(\w+)\]\[(\w+)\]", lambda g, v: fit.r2[(g, v)]),
        (r"fit\.nobs\[(\w+)\]", lambda g: fit.nobs[g]),
        (r"len\(fit\.group_labels\)", lambda: len(fit.group_labels)),
        (r"fit\.provenance\.versions\[(\w+)\]", lambda k: fit.provenance.versions[k]),
        (r"fit\.provenance\.(n|n_excluded)", lambda k: getattr(fit.provenance, k)),
        (r"fit\.iterations", lambda: fit.iterations),
        (
            r"effects\.mediation\.loc\[(\d+)\]\.(\w+)",
            lambda i, c: objs["effects"].mediation.loc[int(i), c],
        ),
        (
            r"invariance\.table\.loc\['(\w+)'\]\.(\w+)",
            lambda lv, c: objs["invariance"].table.loc[lv, c],
        ),
        (
            r"validation\.reliability\[(\w+)\]\.(min|max)\(\)",
            lambda c, f: getattr(val.reliability[c], f)(),
        ),
        (r"len\(validation\.reliability\)", lambda: len(val.reliability)),
        (
            r"validation\.htmt_inference\.(\w+)\[(.+)\]",
            lambda c, k: val.htmt_inference.loc[k, c],
        ),
        (r"validation\.(n_boot|random_state)", lambda k: getattr(val, k)),
        (r"validation\.htmt\.loc\[(\w+), (\w+)\]", lambda a, b: val.htmt.loc[a, b]),
        (
            r"bootstrap\.(n_boot|n_ok|n_failed|n_inadmissible|random_state)",
            lambda k: getattr(objs["bootstrap"], k),
        ),
        (r"survey\.n", lambda: objs["survey"].n),
        (r"screening\.(n)", lambda k: objs["screening"].n),
        (
            r"screening\.items\.missing_pct\.max\(\)",
            lambda: objs["screening"].items["missing_pct"].max(),
        ),
        (r"recommendation\.n", lambda: objs["recommendation"].n),
        (
            r"recommendation\.multivariate\.(\w+)",
            lambda k: objs["recommendation"].multivariate[k],
        ),
    ]
    for pattern, get in patterns:
        m = re.fullmatch(pattern, source)
        if m:
            return get(*m.groups())
    return None


#: sources computed in the text from result tables (a count, a share), checked by the
#: sentence-level checks and by the dedicated tests below
DERIVED = {
    "survey.n + len(survey.exclusions)",
    "len(survey.exclusions)",
    "screening.n * screening.n_items",
    "screening.items.missing.sum() / cells",
    "recommendation.n - recommendation.n_complete",
    "lost / recommendation.n",
    "fit.residuals(cor)",
    "count |fit.residuals(cor)| > .10",
    "number of residual correlations",
    "max |fit.residuals(standardized)|",
    "count HTMT >= .85",
    "len(recommendation.ordered)",
    "count supported hypotheses",
    "len(hypotheses)",
}


def _check_numbers(text: Paragraphs, objs: dict[str, Any]) -> int:
    """Every printed number is recorded, equals its value at the shown precision, and
    equals the result object it names. Returns how many were checked against objects."""
    checked = 0
    for sentence in text.sentences:
        printed = sorted(parse_numbers(sentence.text))
        recorded = sorted(n.shown for n in sentence.numbers)
        assert printed == recorded, (sentence.item, sentence.text)
        for number in sentence.numbers:
            assert isinstance(number, Number)
            if isinstance(number.value, str):  # a version
                assert _resolve(number.source, objs) == number.value == number.shown
                checked += 1
                continue
            shown = float(number.shown.replace(",", ""))
            if number.relation == "<":
                assert number.value < shown, number
            else:
                tol = 0.5 * 10 ** -_decimals(number.shown) + 1e-9
                assert abs(number.value - shown) <= tol, number
            if number.source in ("constant", "hypotheses") or number.source.endswith(".status"):
                continue
            if number.source.startswith("survey.exclusions["):
                reason = number.source.split("'")[1]
                reasons = objs["survey"].exclusions["reasons"].str.split("; ")
                assert number.value == sum(reason in r for r in reasons)
                continue
            truth = _resolve(number.source, objs)
            if truth is None:
                assert number.source in DERIVED, number.source
                continue
            assert float(truth) == pytest.approx(number.value, abs=1e-12), number
            checked += 1
    return checked


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_every_jars_item_is_written(chain: dict[str, Any], lang: str) -> None:
    methods = methods_text(lang=lang, **chain)
    results = results_text(lang=lang, **chain)
    assert set(JARS_ITEMS["methods"]) <= set(methods.items)
    assert "invariance" in methods.items
    assert set(JARS_ITEMS["results"]) <= set(results.items)
    assert methods.ok and results.ok
    assert methods.lang == results.lang == lang
    if lang == "zh":
        assert "采用稳健极大似然估计（MLR" in methods.text
        assert "全信息极大似然" in methods.text
        assert "校正 χ²(353)" in results.text


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_every_number_equals_the_result(chain: dict[str, Any], lang: str) -> None:
    checked = _check_numbers(methods_text(lang=lang, **chain), chain)
    checked += _check_numbers(results_text(lang=lang, **chain), chain)
    assert checked > 100  # paths, effects, fit, reliability, invariance, versions ...


def test_the_numbers_a_reader_checks(chain: dict[str, Any]) -> None:
    fit, survey, screening = chain["fit"], chain["survey"], chain["screening"]
    methods = methods_text(**chain).text
    results = results_text(**chain).text
    # N and exclusions: 1,225 received, 24 careless, 1,201 analysed
    assert len(survey.exclusions) == 24 and survey.n == 1201
    assert "Of the 1,225 responses received, 24 were excluded" in methods
    assert "leaving N = 1,201" in methods
    # missing answers over the screened cells, from the screening report
    share = 100 * screening.items["missing"].sum() / (screening.n * screening.n_items)
    assert f"{share:.2f}% were missing" in methods
    # FIML loses nobody
    assert fit.provenance.options["missing"] == "ml" and fit.provenance.n_excluded == 0
    assert "full-information maximum likelihood (FIML)" in methods
    # Mardia's test, from the recommendation
    mv = chain["recommendation"].multivariate
    assert f"z = {mv['kurtosis_z']:.2f}, p < .001" in methods
    # bootstrap settings
    assert "30 nonparametric bootstrap draws (percentile 95% intervals; seed 7)" in methods
    # local fit: largest residual correlation
    cor = fit.residuals("cor").to_numpy()
    low = cor[np.tril_indices_from(cor, k=-1)]
    top = low[np.argmax(np.abs(low))]
    assert f"largest residual correlation was {top:.3f}".replace("0.", ".") in results
    # structural paths: β and p in APA form
    paths = fit.estimates[fit.estimates["op"] == "~"]
    for _, row in paths.iterrows():
        beta = f"{row['std_all']:.2f}".replace("0.", ".", 1)
        assert f"(β = {beta}, p < .001)" in results
    for construct in ("TRU", "SAT", "LOY"):
        assert f"(R² = {fit.r2[construct]:.2f})".replace("0.", ".", 1) in results


def test_mlr_reports_scaled_chisq_and_robust_indices(chain: dict[str, Any]) -> None:
    fit = chain["fit"]
    fm = fit.fit_measures
    for lang in ("en", "zh"):
        text = results_text(fit=fit, lang=lang)
        (sentence,) = [s for s in text.sentences if s.item == "global_fit"]
        keys = {n.source for n in sentence.numbers if n.source != "constant"}
        assert keys == {
            f"fit.fit_measures[{k}]"
            for k in (
                "chisq.scaled",
                "df.scaled",
                "pvalue.scaled",
                "cfi.robust",
                "tli.robust",
                "rmsea.robust",
                "rmsea.ci.lower.robust",
                "rmsea.ci.upper.robust",
                "srmr",
            )
        }
        assert f"χ²(353) = {fm['chisq.scaled']:.2f}, p = .990" in sentence.text
        assert f"{fm['chisq']:.2f}" not in sentence.text  # the naive χ² never appears
        assert fm["tli"] != fm["tli.robust"]
        assert f"TLI = {fm['tli.robust']:.3f}" in sentence.text
        assert f"TLI = {fm['tli']:.3f}" not in sentence.text
    methods = methods_text(fit=fit).text
    assert "the scaled χ² test of exact fit" in methods
    assert "the robust CFI, TLI and RMSEA" in methods


def test_ml_fit_reports_the_normal_theory_test(chain: dict[str, Any]) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fit = ls.fit(ls.DEFAULT_MODEL, chain["survey"])  # ML, listwise
    fm = fit.fit_measures
    text = results_text(fit=fit).text
    assert "scaled" not in text and "robust" not in text
    assert f"χ²({fm['df']:.0f}) = {fm['chisq']:.2f}" in text
    methods = methods_text(fit=fit).text
    lost = fit.provenance.n_excluded
    assert lost == 163
    assert f"listwise deletion: {lost} respondents" in methods
    assert f"leaving N = {fit.provenance.n:,d}" in methods
    assert "maximum likelihood (ML)" in methods
    # the recommendation was MLR: the text says the fit departs from it, and gives no
    # Mardia-based reason for ML
    both = methods_text(fit=fit, recommendation=chain["recommendation"])
    assert "by maximum likelihood (ML), although MLR was recommended for these data." in both.text
    assert "Mardia" not in both.text
    _check_numbers(both, {**chain, "fit": fit})


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_an_improper_solution_is_named(heywood: ls.SEMResult, lang: str) -> None:
    assert not heywood.status.ok
    results = results_text(fit=heywood, lang=lang)
    methods = methods_text(fit=heywood, lang=lang)
    assert not results.ok and not methods.ok
    for text in (results.text, methods.text):
        assert "a ~~ a = -1.128" in text
        assert "Heywood" in text
    improper = next(s for s in results.sentences if s.item == "improper_solutions")
    if lang == "en":
        assert improper.text.startswith("The solution is improper")
        assert "no improper estimates" not in results.text
        assert methods.text.startswith("The model was fitted") or "WARNING" in methods.text
        assert "WARNING: the fitted model is improper" in methods.text
        assert "(improper solution: not interpretable)" in results.text
    else:
        assert "不当解" in improper.text and "未出现不当解" not in results.text
        assert "警告" in methods.text
    assert "color:#b00020" in results._repr_html_()
    _check_numbers(results, {"fit": heywood})


def test_a_proper_solution_says_so(chain: dict[str, Any]) -> None:
    text = results_text(fit=chain["fit"])
    assert text.sentences[0].item == "improper_solutions"
    assert "to a proper solution: no improper estimates" in text.sentences[0].text
    assert "color:#b00020" not in text._repr_html_()


def test_invariance_conclusion(chain: dict[str, Any]) -> None:
    inv = chain["invariance"]
    assert inv.table["decision"].tolist() == ["baseline", "supported", "supported", "supported"]
    text = results_text(invariance=inv).text
    assert "held up to the strict level" in text
    metric = inv.table.loc["metric"]
    assert f"Δχ²(4) = {metric['delta_chisq']:.2f}, p = {metric['p_delta']:.3f}"[:-5] in text
    zh = results_text(invariance=inv, lang="zh").text
    assert "达到严格等值" in zh


def test_measurement_sentence(chain: dict[str, Any]) -> None:
    val = chain["validation"]
    text = results_text(validation=val, survey=chain["survey"]).text
    rel = val.reliability
    low = f"{rel['ave'].min():.2f}".lstrip("0")
    assert f"AVE from {low} to" in text
    assert (rel["ave"] < 0.5).sum() == 1 and "AVE fell below .50 for Loyalty" in text
    assert "Fornell–Larcker criterion held for every construct" in text
    assert "every HTMT ratio was below .85" in text
    assert "supporting discriminant validity" in text


def test_apa_forms(chain: dict[str, Any]) -> None:
    text = results_text(**chain).text + methods_text(**chain).text
    assert not re.search(r"p = 0\.", text)  # no leading zero on p
    assert not re.search(r"β = -?0\.", text)
    for p in re.findall(r"p = (\S+?)[,;)）]", text):
        assert re.fullmatch(r"\.\d{3}|1\.000", p), p
    assert "p < .001" in text and "p = 0.000" not in text


def test_bad_input_is_a_typed_error(chain: dict[str, Any]) -> None:
    with pytest.raises(ReportError, match="found: 'fr'"):
        methods_text(fit=chain["fit"], lang="fr")
    with pytest.raises(ReportError, match="SEMResult") as info:
        results_text(fit="model.csv")
    assert info.value.found == "str" and info.value.fix
    with pytest.raises(ReportError, match="was given no result"):
        results_text()
    with pytest.raises(ReportError, match="between 0 and 1"):
        results_text(fit=chain["fit"], level=95)
    with pytest.raises(ReportError, match="MeasurementReport"):
        results_text(validation=chain["fit"])
    with pytest.raises(ReportError, match="path the model does not have"):
        results_text(fit=chain["fit"], hypotheses={"LOY ~ REP": "H9"})


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_multi_group_text_goes_group_by_group(chain: dict[str, Any], lang: str) -> None:
    """A multi-group fit: the design (groups, n, constraints) in the methods, then local fit,
    paths and R² per group in the results; every number equals the result's."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        groups = ls.fit(ls.DEFAULT_MODEL, chain["survey"], group="gender", group_equal=["loadings"])
    objs = {"fit": groups, "survey": chain["survey"]}
    methods = methods_text(fit=groups, survey=chain["survey"], lang=lang)
    results = results_text(fit=groups, survey=chain["survey"], hypotheses={"a1": "H1"}, lang=lang)
    _check_numbers(methods, objs)
    checked = _check_numbers(results, objs)
    labels = groups.group_labels
    assert labels == ("female", "male")
    for g, n in groups.nobs.items():
        assert (f"{g}, n = {n:,d}" if lang == "en" else f"{g}，n = {n:,d}") in methods.text
    assert ("loadings constrained equal" if lang == "en" else "约束loadings跨组相等") in (
        methods.text
    )
    for g in labels:
        prefix = f"In group {g}, " if lang == "en" else f"在 {g} 组中，"
        said = [x.text for x in results.sentences if x.text.startswith(prefix)]
        assert len(said) == 3, said  # local fit, paths, R²
        r2 = f"{groups.r2[(g, 'TRU')]:.2f}".lstrip("0")
        assert any(f"R² = {r2}" in x for x in said)
    est = groups.estimates
    first = est[(est["op"] == "~") & (est["label"] == "a1")]
    assert len(first) == 2  # the same label names the path of both groups
    for _, row in first.iterrows():
        beta = f"{row['std_all']:.2f}".lstrip("0")
        assert f"H1, supported; β = {beta}" in results.text or lang == "zh"
    assert checked > 40


def test_parse_numbers() -> None:
    assert parse_numbers("SQ3 with LOY1: -.079; 1,201 (n = 24), 3.11.7, ±1, 90% CI") == [
        "-.079",
        "1,201",
        "24",
        "3.11.7",
        "1",
        "90",
    ]
    assert parse_numbers("共回收问卷 1,225 份，R² = .47") == ["1,225", ".47"]
    assert math.isclose(float(".47"), 0.47)


def test_hypotheses_by_label_or_path(chain: dict[str, Any]) -> None:
    fit = chain["fit"]
    names = {"a1": "H1", "SEC -> TRU": "H2", "LOY ~ SAT": "Hypothesis 3"}
    for lang, summary in (
        ("en", "3 of the 3 hypotheses were supported (H1, H2, Hypothesis 3)."),
        ("zh", "3 项假设中 3 项成立（H1、H2、Hypothesis 3）。"),
    ):
        text = results_text(fit=fit, survey=chain["survey"], hypotheses=names, lang=lang)
        assert summary in text.text
        _check_numbers(text, chain)
    text = results_text(fit=fit, hypotheses=names).text
    row = fit.estimates[(fit.estimates["label"] == "a1")].iloc[0]
    assert row["lhs"] == "TRU" and row["rhs"] == "REP"
    beta = f"{row['std_all']:.2f}".lstrip("0")
    assert f"REP → TRU (H1, supported; β = {beta}, p < .001)" in text
    with pytest.raises(ReportError, match="a path the model does not have") as info:
        results_text(fit=fit, hypotheses={"REP -> LOY": "H9"})
    assert info.value.found == ["REP -> LOY"] and "REP -> TRU" in str(info.value.expected)


def test_htmt_without_bootstrap(chain: dict[str, Any]) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        val = ls.validate(chain["survey"], n_boot=0, run_efa=False, common_method=False)
    text = results_text(validation=val)
    assert "no bootstrap intervals" in text.text
    top = np.nanmax(val.htmt.to_numpy())
    assert f"(largest {top:.2f}".replace("0.", ".") in text.text
    _check_numbers(text, {"validation": val})
