"""Methods and results paragraphs written from result objects, in English or Chinese.

:func:`methods_text` and :func:`results_text` turn the objects of one analysis (a
cleaned :class:`~loyaltysem.survey.Survey`, its
:class:`~loyaltysem.survey.screening.ScreeningReport`, the
:class:`~loyaltysem.sem.guidance.EstimatorRecommendation`, the
:class:`~loyaltysem.sem.results.SEMResult`, the
:class:`~loyaltysem.measurement.validity.MeasurementReport`, the
:class:`~loyaltysem.sem.bootstrap.SEMBootstrap`, the
:class:`~loyaltysem.sem.effects.EffectsResult` and the
:class:`~loyaltysem.sem.invariance.InvarianceResult`) into the paragraphs a thesis chapter needs.
They cover the items APA's JARS-Quant asks of a structural equation model (Appelbaum
et al. 2018, table 7; Hoyle & Isherwood 2013): software and versions, the estimator and
why, missing data, N and exclusions, two classes of global fit plus local fit, improper
solutions and bootstrap settings, then the measurement model, the structural paths,
indirect effects and measurement invariance.

Every number is read from a result object and formatted as APA 7 prints it: ``p < .001``,
three decimals for p and the fit indices, two for coefficients, no leading zero for
quantities bounded by 1 (p, β, r, R², CFI, RMSEA, SRMR, α, ρc, AVE, HTMT). Under a robust
estimator (MLM, MLR, WLSMV) the text reports the scaled χ² and the robust CFI, TLI and
RMSEA, never the normal-theory ones. An improper or non-converged solution is named in
both texts.

Each paragraph is returned as a :class:`Paragraphs` object: the text, and every sentence
with its JARS item and the numbers it prints (source, full-precision value, shown text),
so a test can check each printed number against the result it came from.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

import numpy as np
import pandas as pd

from loyaltysem._display import format_p
from loyaltysem.errors import ReportError
from loyaltysem.measurement.validity import MeasurementReport
from loyaltysem.report.inputs import Results
from loyaltysem.report.tables import path_keys
from loyaltysem.sem.bootstrap import SEMBootstrap
from loyaltysem.sem.effects import EffectsResult
from loyaltysem.sem.group_blocks import MultiGroupResult
from loyaltysem.sem.guidance import EstimatorRecommendation
from loyaltysem.sem.invariance import InvarianceResult
from loyaltysem.sem.results import SEMResult
from loyaltysem.survey import Survey
from loyaltysem.survey.screening import ScreeningReport

__all__ = [
    "JARS_ITEMS",
    "Number",
    "Paragraphs",
    "Sentence",
    "methods_paragraphs",
    "methods_text",
    "parse_numbers",
    "results_paragraphs",
    "results_text",
]

#: The JARS-Quant SEM items each text covers, in the order they are written.
JARS_ITEMS: dict[str, tuple[str, ...]] = {
    "methods": (
        "sample",
        "missing_data",
        "software",
        "estimator",
        "global_fit_criteria",
        "local_fit_criteria",
        "improper_solutions",
        "bootstrap",
    ),
    "results": (
        "improper_solutions",
        "global_fit",
        "local_fit",
        "measurement",
        "structural",
        "indirect_effects",
        "invariance",
    ),
}

_LANGS = ("en", "zh")
_ROBUST = ("MLM", "MLMV", "MLMVS", "MLR", "WLSMV", "ULSMV")
_ESTIMATOR_NAME = {
    "en": {
        "ML": "maximum likelihood (ML)",
        "MLR": "robust maximum likelihood (MLR; Huber–White standard errors and the "
        "Yuan–Bentler scaled χ²)",
        "MLM": "robust maximum likelihood (MLM; robust standard errors and the "
        "Satorra–Bentler scaled χ²)",
        "WLSMV": "diagonally weighted least squares with mean- and variance-adjusted χ² "
        "(WLSMV) on polychoric correlations",
        "ULSMV": "unweighted least squares with mean- and variance-adjusted χ² (ULSMV)",
        "DWLS": "diagonally weighted least squares (DWLS)",
        "ULS": "unweighted least squares (ULS)",
    },
    "zh": {
        "ML": "极大似然估计（ML）",
        "MLR": "稳健极大似然估计（MLR；Huber–White 稳健标准误与 Yuan–Bentler 校正 χ²）",
        "MLM": "稳健极大似然估计（MLM；稳健标准误与 Satorra–Bentler 校正 χ²）",
        "WLSMV": "基于多分格相关的均值与方差校正加权最小二乘估计（WLSMV）",
        "ULSMV": "均值与方差校正的未加权最小二乘估计（ULSMV）",
        "DWLS": "对角加权最小二乘估计（DWLS）",
        "ULS": "未加权最小二乘估计（ULS）",
    },
}
_REASON_NAME = {
    "en": {
        "longstring": "straight-lining (long strings of identical answers)",
        "irv": "too little variation across answers (intra-individual response variability)",
        "missing": "too many missing answers",
        "speeder": "completion too fast (speeders)",
        "outlier": "multivariate outliers (Mahalanobis D²)",
    },
    "zh": {
        "longstring": "连续相同作答（直线作答）",
        "irv": "作答变异过低（个体内作答变异）",
        "missing": "缺失作答过多",
        "speeder": "作答时间过短",
        "outlier": "多元离群值（马氏距离 D²）",
    },
}
_MEDIATION_NAME = {
    "en": {
        "indirect-only": "indirect-only (full) mediation",
        "complementary": "complementary (partial) mediation",
        "competitive": "competitive (partial) mediation",
        "direct-only": "no mediation (direct effect only)",
        "no effect": "no effect",
    },
    "zh": {
        "indirect-only": "完全中介（仅间接效应）",
        "complementary": "互补型部分中介",
        "competitive": "竞争型部分中介",
        "direct-only": "无中介（仅直接效应）",
        "no effect": "无效应",
    },
}
_LEVEL_NAME = {
    "en": {"configural": "configural", "metric": "metric", "scalar": "scalar", "strict": "strict"},
    "zh": {"configural": "形态", "metric": "弱（度量）", "scalar": "强（标量）", "strict": "严格"},
}
_PROBLEM_ZH = (
    ("negative variance estimate (Heywood case)", "负方差估计（Heywood 情形）"),
    ("the optimizer did not converge", "优化算法未收敛"),
    ("not positive definite", "非正定"),
)
_DECISION_ZH = {
    "supported": "支持",
    "partially supported": "部分支持",
    "not supported": "不支持",
    "failed": "拟合失败",
    "not tested": "未检验",
}
# a number, or a version with its PEP 440 suffix (0.1.0.dev0, 2.0rc1, 1.2.3+local)
_NUMBER = re.compile(
    r"(?<![A-Za-z0-9_.])-?(?:\d[\d,]*(?:\.\d+)*(?:\.?(?:dev|rc|a|b|post)\d+)*"
    r"(?:\+[A-Za-z0-9.]+)?|\.\d+)"
)


class Number(NamedTuple):
    """One number printed in a sentence.

    Attributes
    ----------
    source : str
        Where it comes from, e.g. ``"fit.fit_measures['chisq.scaled']"``, or
        ``"constant"`` for a cut-off, a year or a confidence level the text states.
    value : float or str
        The full-precision value (a version string for software versions).
    shown : str
        The text printed (``".736"``, ``"1,201"``, ``"3.11.7"``).
    relation : str
        ``"="``, or ``"<"`` when the text says ``p < .001``.
    """

    source: str
    value: float | str
    shown: str
    relation: str = "="


@dataclass(frozen=True)
class Sentence:
    """One sentence of a paragraph, with the JARS item it covers and its numbers."""

    item: str
    text: str
    numbers: tuple[Number, ...] = ()


@dataclass(frozen=True)
class Paragraphs:
    """Paragraphs of generated text, with what each sentence reports.

    Attributes
    ----------
    kind : str
        ``"methods"`` or ``"results"``.
    lang : str
        ``"en"`` or ``"zh"``.
    paragraphs : tuple of tuple of Sentence
        The sentences, grouped into paragraphs.
    ok : bool
        False when a result behind the text is improper or did not converge (the text
        says so).
    """

    kind: str
    lang: str
    paragraphs: tuple[tuple[Sentence, ...], ...]
    ok: bool = True

    @property
    def sentences(self) -> tuple[Sentence, ...]:
        """Every sentence, in order."""
        return tuple(s for para in self.paragraphs for s in para)

    @property
    def items(self) -> tuple[str, ...]:
        """The JARS items covered, in order of first appearance."""
        return tuple(dict.fromkeys(s.item for s in self.sentences))

    @property
    def text(self) -> str:
        """The paragraphs as text, separated by blank lines."""
        sep = "" if self.lang == "zh" else " "
        return "\n\n".join(sep.join(s.text for s in para) for para in self.paragraphs if para)

    def __str__(self) -> str:
        return self.text

    def _repr_html_(self) -> str:
        import html

        paras = "".join(f"<p>{html.escape(p)}</p>" for p in self.text.split("\n\n"))
        warn = (
            ""
            if self.ok
            else '<p style="color:#b00020;font-weight:bold">'
            + html.escape(
                _t(
                    self.lang,
                    "Improper or non-converged result: see the text.",
                    "结果不当或未收敛：见正文。",
                )
            )
            + "</p>"
        )
        return f'<div class="loyaltysem-methods">{warn}{paras}</div>'


def parse_numbers(text: str) -> list[str]:
    """The number tokens of a sentence as printed (for tests and checks).

    Examples
    --------
    >>> parse_numbers("χ²(353) = 294.43, p = .990; SQ3 and 1,201 (Python 3.11.7)")
    ['353', '294.43', '.990', '1,201', '3.11.7']
    >>> parse_numbers("loyaltysem 0.1.0.dev0 (numpy 2.4.6)")
    ['0.1.0.dev0', '2.4.6']
    """
    return [m.group(0).rstrip(",") for m in _NUMBER.finditer(text)]


def _t(lang: str, en: str, zh: str) -> str:
    return zh if lang == "zh" else en


class _Writer:
    """Formats numbers as APA prints them and records each one for the sentence."""

    def __init__(self, lang: str) -> None:
        self.lang = lang
        self.sentences: list[Sentence] = []
        self._numbers: list[Number] = []

    # -- numbers -------------------------------------------------------------
    def _add(self, source: str, value: float | str, shown: str, relation: str = "=") -> str:
        self._numbers.append(Number(source, value, shown, relation))
        return shown

    def num(self, value: float, source: str, digits: int = 2) -> str:
        """A number with a leading zero (χ², b, z)."""
        return self._add(source, float(value), f"{float(value):.{digits}f}")

    def unit(self, value: float, source: str, digits: int = 2) -> str:
        """A quantity bounded by 1, without its leading zero."""
        text = f"{float(value):.{digits}f}"
        if text.startswith("0."):
            text = text[1:]
        elif text.startswith("-0."):
            text = "-" + text[2:]
        return self._add(source, float(value), text)

    def count(self, value: float, source: str) -> str:
        return self._add(source, float(value), f"{round(float(value)):,d}")

    def pct(self, value: float, source: str, digits: int = 1) -> str:
        return self._add(source, float(value), f"{float(value):.{digits}f}") + "%"

    def const(self, text: str) -> str:
        return self._add("constant", float(text.replace(",", "")), text)

    def version(self, value: str, source: str) -> str:
        return self._add(source, value, value)

    def p(self, value: float, source: str) -> str:
        """``p = .736`` or ``p < .001``."""
        shown = format_p(float(value), na_rep="NA")
        if shown.startswith("<"):
            return "p < " + self._add(source, float(value), ".001", "<")
        return "p = " + self._add(source, float(value), shown)

    # -- sentences -----------------------------------------------------------
    def say(self, item: str, text: str) -> None:
        """Close a sentence: keep the recorded numbers that the text prints.

        Both language versions of a sentence are built (and record their numbers); the
        numbers kept are matched to the printed tokens in order, so a token nobody
        recorded stays unmatched and a test finds it.
        """
        pool = list(self._numbers)
        kept = []
        for token in parse_numbers(text):
            for k, number in enumerate(pool):
                if number.shown == token:
                    kept.append(pool.pop(k))
                    break
        self.sentences.append(Sentence(item, text, tuple(kept)))
        self._numbers = []

    def drop(self) -> None:
        self._numbers = []

    def take(self) -> list[Sentence]:
        out, self.sentences = self.sentences, []
        return out


# -- input checks ------------------------------------------------------------


def _check(lang: str, level: float) -> None:
    if lang not in _LANGS:
        raise ReportError(
            "unknown report language",
            found=lang,
            expected="'en' (English) or 'zh' (Chinese)",
            fix="pass lang='en' or lang='zh'",
        )
    if not (isinstance(level, float | int) and 0 < level < 1):
        raise ReportError(
            "the confidence level must lie between 0 and 1",
            found=level,
            expected="the level passed to effects() / bootstrap(), e.g. 0.95",
            fix="pass level=0.95",
        )


#: The caller named in the errors of :func:`methods_text` and :func:`results_text`.
_WHO = "the methods and results text"


# -- helpers -------------------------------------------------------------------


def _label(survey: Survey | None, code: str, lang: str) -> str:
    if survey is None:
        return code
    construct = survey.codebook.constructs.get(code)
    if construct is None:
        return code
    text = construct.label_zh if lang == "zh" and construct.label_zh else construct.label
    return text or code


def _fm(fit: SEMResult, key: str) -> float:
    value = fit.fit_measures.get(key, np.nan)
    return np.nan if value is None else float(value)


def _robust(fit: SEMResult) -> bool:
    return "chisq.scaled" in fit.fit_measures.index and not math.isnan(_fm(fit, "chisq.scaled"))


def _robust_suffix(fit: SEMResult) -> str:
    """``.robust`` when lavaan's robust indices exist, else ``.scaled`` (WLSMV in old lavaan)."""
    return ".robust" if not math.isnan(_fm(fit, "cfi.robust")) else ".scaled"


def _join(parts: Sequence[str], lang: str) -> str:
    parts = list(parts)
    if lang == "zh":
        return "、".join(parts)
    if len(parts) <= 1:
        return "".join(parts)
    if len(parts) == 2:
        return f"{parts[0]} and {parts[1]}"
    return (
        "; ".join(parts[:-1]) + "; and " + parts[-1]
        if any(", " in p for p in parts)
        else (", ".join(parts[:-1]) + ", and " + parts[-1])
    )


def _status_problem(w: _Writer, status: Any, source: str) -> str:
    """The problems of an improper status, numbers recorded as read from its text."""
    reasons = status.problems() or (status.label,)
    text = "; ".join(reasons)
    if w.lang == "zh":
        for en, zh in _PROBLEM_ZH:
            text = text.replace(en, zh)
    for token in parse_numbers(text):
        w._add(source, float(token.replace(",", "")), token)
    return text


# -- methods -------------------------------------------------------------------


def _sample(w: _Writer, survey: Survey | None, fit: SEMResult | None) -> None:
    lang = w.lang
    if survey is not None:
        excl = survey.exclusions
        received = survey.n + len(excl)
        counts: dict[str, int] = {}
        for reasons in excl["reasons"] if "reasons" in excl.columns else []:
            for reason in str(reasons).split(";"):
                if reason.strip():
                    counts[reason.strip()] = counts.get(reason.strip(), 0) + 1
        names = _REASON_NAME[lang]
        if len(excl):
            why = _join(
                [
                    _t(lang, f"{names.get(k, k)} (n = ", f"{names.get(k, k)}（n = ")
                    + w.count(v, f"survey.exclusions[{k!r}]")
                    + _t(lang, ")", "）")
                    for k, v in counts.items()
                ],
                lang,
            )
            w.say(
                "sample",
                _t(
                    lang,
                    f"Of the {w.count(received, 'survey.n + len(survey.exclusions)')} responses "
                    f"received, {w.count(len(excl), 'len(survey.exclusions)')} were excluded "
                    f"before analysis (a respondent may meet several criteria): {why}, "
                    f"leaving N = {w.count(survey.n, 'survey.n')}.",
                    f"共回收问卷 {w.count(received, 'survey.n + len(survey.exclusions)')} 份，"
                    f"剔除 {w.count(len(excl), 'len(survey.exclusions)')} 份"
                    f"（同一份问卷可能符合多项标准）：{why}，"
                    f"最终有效样本 N = {w.count(survey.n, 'survey.n')}。",
                ),
            )
        else:
            w.say(
                "sample",
                _t(
                    lang,
                    f"All {w.count(survey.n, 'survey.n')} responses received were analysed; "
                    "none was excluded.",
                    f"共回收问卷 {w.count(survey.n, 'survey.n')} 份，未剔除任何问卷，"
                    "全部纳入分析。",
                ),
            )
        skipped = [
            e.detail for e in survey.log if e.step == "exclude" and "not screened" in e.detail
        ]
        if any("speeder" in d for d in skipped):
            w.say(
                "sample",
                _t(
                    lang,
                    "Speeders could not be screened: the data hold no completion times.",
                    "数据不含作答时长，未能筛查作答过快者。",
                ),
            )
    elif fit is not None:
        w.say(
            "sample",
            _t(
                lang,
                f"The model was fitted to N = {w.count(fit.provenance.n, 'fit.provenance.n')} "
                "observations; no record of exclusions was given.",
                f"模型基于 N = {w.count(fit.provenance.n, 'fit.provenance.n')} 个观测估计；"
                "未提供剔除记录。",
            ),
        )


def _missing(
    w: _Writer,
    screening: ScreeningReport | None,
    recommendation: EstimatorRecommendation | None,
    fit: SEMResult | None,
) -> None:
    lang = w.lang
    if screening is not None:
        miss = screening.items
        cells = screening.n * screening.n_items
        n_missing = float(miss["missing"].sum())
        worst = miss["missing_pct"].idxmax()
        total = w.pct(100 * n_missing / cells, "screening.items.missing.sum() / cells", 2)
        most = w.pct(miss["missing_pct"].max(), "screening.items.missing_pct.max()", 2)
        w.say(
            "missing_data",
            _t(
                lang,
                f"Of the {w.count(cells, 'screening.n * screening.n_items')} item answers of the "
                f"{w.count(screening.n, 'screening.n')} responses screened, {total} were "
                f"missing (at most {most} per item, {worst}).",
                f"在筛查的 {w.count(screening.n, 'screening.n')} 份问卷的 "
                f"{w.count(cells, 'screening.n * screening.n_items')} 个题项作答中，缺失比例为 "
                f"{total}（单题最高 {most}，{worst}）。",
            ),
        )
    if recommendation is not None and recommendation.n_complete < recommendation.n:
        lost = recommendation.n - recommendation.n_complete
        w.say(
            "missing_data",
            _t(
                lang,
                f"{w.count(lost, 'recommendation.n - recommendation.n_complete')} of the "
                f"{w.count(recommendation.n, 'recommendation.n')} respondents analysed "
                f"({w.pct(100 * lost / recommendation.n, 'lost / recommendation.n')}) had at "
                "least one missing answer.",
                f"在 {w.count(recommendation.n, 'recommendation.n')} 名分析对象中，"
                f"{w.count(lost, 'recommendation.n - recommendation.n_complete')} 人"
                f"（{w.pct(100 * lost / recommendation.n, 'lost / recommendation.n')}）"
                "至少有一题缺失。",
            ),
        )
    if fit is not None:
        missing = str(fit.provenance.options.get("missing", "listwise")).lower()
        lost = fit.provenance.n_excluded
        if missing in ("ml", "fiml", "direct", "ml.x"):
            text = _t(
                lang,
                "Missing answers were handled by full-information maximum likelihood (FIML), "
                "which uses every observed answer under the missing-at-random assumption "
                f"(Enders, {w.const('2010')}); "
                + (
                    "no respondent was lost."
                    if lost == 0
                    else f"{w.count(lost, 'fit.provenance.n_excluded')} respondents were lost."
                ),
                "缺失值采用全信息极大似然法（FIML）处理，在随机缺失（MAR）假设下利用全部已观测作答"
                f"（Enders, {w.const('2010')}），"
                + (
                    "未损失样本。"
                    if lost == 0
                    else f"损失 {w.count(lost, 'fit.provenance.n_excluded')} 人。"
                ),
            )
        elif missing == "pairwise":
            text = _t(
                lang,
                "Missing answers were handled by pairwise deletion (covariances from every pair "
                f"of answers); {w.count(lost, 'fit.provenance.n_excluded')} respondents were lost.",
                "缺失值采用成对删除法处理（协方差基于每对题项的可用作答），"
                f"损失 {w.count(lost, 'fit.provenance.n_excluded')} 人。",
            )
        else:
            text = _t(
                lang,
                "Missing answers were handled by listwise deletion: "
                f"{w.count(lost, 'fit.provenance.n_excluded')} respondents with a missing "
                "answer were left out, leaving N = "
                f"{w.count(fit.provenance.n, 'fit.provenance.n')}.",
                "缺失值采用列删除法处理：剔除有缺失作答者 "
                f"{w.count(lost, 'fit.provenance.n_excluded')} 人，"
                ""
                f"剩余 N = {w.count(fit.provenance.n, 'fit.provenance.n')}。",
            )
        w.say("missing_data", text)


def _software(w: _Writer, fit: SEMResult) -> None:
    lang = w.lang
    versions = dict(fit.provenance.versions)
    ls_version = versions.get("loyaltysem", "")
    released = bool(ls_version) and ls_version[0].isdigit()
    ls_text = (
        f"loyaltysem {w.version(ls_version, 'fit.provenance.versions[loyaltysem]')}"
        if released
        else "loyaltysem"
    )
    inner = [] if released else [_t(lang, "development version", "开发版")]
    libs = [
        f"{name} {w.version(versions[name], f'fit.provenance.versions[{name}]')}"
        for name in ("numpy", "scipy", "pandas")
        if name in versions and versions[name][:1].isdigit()
    ]
    if libs:
        inner.append(_join(libs, lang))
    detail = _t(lang, f" ({'; '.join(inner)})", f"（{'；'.join(inner)}）") if inner else ""
    py = versions.get("python", "")
    py_text = f"Python {w.version(py, 'fit.provenance.versions[python]')}" if py else "Python"
    w.say(
        "software",
        _t(
            lang,
            f"Analyses were run in {py_text} with {ls_text}{detail}, whose estimates are "
            f"tested against those of lavaan (Rosseel, {w.const('2012')}).",
            f"数据分析使用 {py_text} 与 {ls_text}{detail}完成，其估计结果经与 lavaan"
            f"（Rosseel, {w.const('2012')}）对照检验。",
        ),
    )


def _estimator(
    w: _Writer, fit: SEMResult | None, recommendation: EstimatorRecommendation | None
) -> None:
    lang = w.lang
    estimator = (
        fit.provenance.estimator if fit is not None else recommendation.estimator  # type: ignore[union-attr]
    ).upper()
    name = _ESTIMATOR_NAME[lang].get(estimator, estimator)
    why = ""
    if recommendation is not None:
        mv = recommendation.multivariate
        mardia = ""
        if mv is not None and len(mv) and not math.isnan(float(mv.get("kurtosis_pvalue", np.nan))):
            mardia = (
                "Mardia kurtosis = "
                f"{w.num(mv['kurtosis'], 'recommendation.multivariate.kurtosis')}, "
                f"z = {w.num(mv['kurtosis_z'], 'recommendation.multivariate.kurtosis_z')}, "
                f"{w.p(mv['kurtosis_pvalue'], 'recommendation.multivariate.kurtosis_pvalue')}"
            )
        nonnormal = bool(mardia) and float(mv["kurtosis_pvalue"]) < 0.05
        if recommendation.ordered:
            why = _t(
                lang,
                f" because {w.count(len(recommendation.ordered), 'len(recommendation.ordered)')} "
                "items have too few answer categories to be treated as continuous",
                f"，原因是有 {w.count(len(recommendation.ordered), 'len(recommendation.ordered)')} "
                "个题项的选项类别过少，不宜视为连续变量",
            )
        elif mardia and nonnormal:
            why = _t(
                lang,
                f" because the items were multivariate non-normal ({mardia}; Mardia, "
                f"{w.const('1970')})",
                f"，原因是题项不满足多元正态分布（{mardia}；Mardia, {w.const('1970')}）",
            )
        elif mardia:
            why = _t(
                lang,
                f" because multivariate normality was not rejected ({mardia})",
                f"，原因是多元正态性未被拒绝（{mardia}）",
            )
        if fit is not None and recommendation.estimator.upper() != estimator:
            w.drop()
            why = _t(
                lang,
                f", although {recommendation.estimator} was recommended for these data",
                f"，尽管针对该数据推荐的是 {recommendation.estimator}",
            )
    w.say(
        "estimator",
        _t(
            lang,
            f"The model was estimated by {name}{why}.",
            f"模型采用{name}{why}。",
        ),
    )


def _fit_criteria(w: _Writer, fit: SEMResult | None) -> None:
    lang = w.lang
    robust = fit is not None and _robust(fit)
    chi = (
        _t(lang, "the scaled χ² test", "校正 χ² 检验")
        if robust
        else _t(lang, "the χ² test", "χ² 检验")
    )
    approx = (
        _t(lang, "the robust CFI, TLI and RMSEA", "稳健 CFI、TLI 与 RMSEA")
        if robust
        else "CFI、TLI 与 RMSEA"
    )
    if lang == "en" and not robust:
        approx = "CFI, TLI and RMSEA"
    w.say(
        "global_fit_criteria",
        _t(
            lang,
            f"Global fit was judged by two classes of evidence: {chi} of exact fit and "
            f"approximate fit indices, {approx} with its {w.const('90')}% confidence interval "
            f"and SRMR (cut-offs CFI and TLI ≥ {w.const('.95')}, RMSEA ≤ {w.const('.06')}, "
            f"SRMR ≤ {w.const('.08')}; Hu & Bentler, {w.const('1999')}).",
            f"整体拟合从两类证据评价：{chi}（精确拟合）与近似拟合指数，即{approx}"
            f"（含 {w.const('90')}% 置信区间）及 SRMR（临界值：CFI 与 TLI ≥ {w.const('.95')}，"
            f"RMSEA ≤ {w.const('.06')}，SRMR ≤ {w.const('.08')}；Hu & Bentler, {w.const('1999')}）"
            "。",
        ),
    )
    w.say(
        "local_fit_criteria",
        _t(
            lang,
            "Local fit was examined through the residual correlations (absolute values above "
            f"{w.const('.10')} flagged; Kline, {w.const('2016')}) and the standardized residuals.",
            f"局部拟合通过残差相关（绝对值大于 {w.const('.10')} 视为需关注；Kline, "
            f"{w.const('2016')}）与标准化残差检查。",
        ),
    )


def _improper_method(w: _Writer) -> None:
    w.say(
        "improper_solutions",
        _t(
            w.lang,
            "Every solution was checked for non-convergence and improper estimates "
            f"(negative variances, correlations beyond ±{w.const('1')}, non-positive-definite "
            "matrices).",
            "所有模型解均检查了是否收敛及是否存在不当估计（负方差、绝对值超过 "
            f"{w.const('1')} 的相关、非正定矩阵）。",
        ),
    )


def _bootstrap_method(
    w: _Writer,
    bootstrap: SEMBootstrap | None,
    validation: MeasurementReport | None,
    effects: EffectsResult | None,
    level: float,
) -> None:
    lang = w.lang
    if bootstrap is not None:
        kind = (
            _t(lang, "nonparametric", "非参数")
            if bootstrap.kind == "nonparametric"
            else (_t(lang, "Bollen–Stine", "Bollen–Stine"))
        )
        seed = (
            _t(
                lang,
                f"; seed {w.count(bootstrap.random_state, 'bootstrap.random_state')}",
                f"；随机种子 {w.count(bootstrap.random_state, 'bootstrap.random_state')}",
            )
            if bootstrap.random_state is not None
            else _t(lang, "; no seed was set", "；未设定随机种子")
        )
        target = (
            _t(lang, "the indirect effects", "间接效应")
            if effects is not None
            else _t(lang, "the estimates", "参数估计")
        )
        w.say(
            "bootstrap",
            _t(
                lang,
                f"Confidence intervals for {target} came from "
                f"{w.count(bootstrap.n_boot, 'bootstrap.n_boot')} {kind} bootstrap draws "
                f"({bootstrap.ci} {w.const(f'{100 * level:g}')}% intervals{seed}); "
                f"{w.count(bootstrap.n_ok, 'bootstrap.n_ok')} draws gave admissible solutions, "
                f"{w.count(bootstrap.n_failed, 'bootstrap.n_failed')} failed and "
                f"{w.count(bootstrap.n_inadmissible, 'bootstrap.n_inadmissible')} were "
                "inadmissible.",
                f"{target}的置信区间基于 {w.count(bootstrap.n_boot, 'bootstrap.n_boot')} 次"
                f"{kind} Bootstrap 抽样（{bootstrap.ci} {w.const(f'{100 * level:g}')}% "
                f"置信区间{seed}）；"
                ""
                f"其中 {w.count(bootstrap.n_ok, 'bootstrap.n_ok')} 次得到可接受解，"
                f"{w.count(bootstrap.n_failed, 'bootstrap.n_failed')} 次失败，"
                f"{w.count(bootstrap.n_inadmissible, 'bootstrap.n_inadmissible')} 次为不当解。",
            ),
        )
    if validation is not None and validation.n_boot:
        seed = (
            _t(
                lang,
                f", seed {w.count(validation.random_state, 'validation.random_state')}",
                f"，随机种子 {w.count(validation.random_state, 'validation.random_state')}",
            )
            if validation.random_state is not None
            else ""
        )
        w.say(
            "bootstrap",
            _t(
                lang,
                "HTMT confidence intervals came from "
                f"{w.count(validation.n_boot, 'validation.n_boot')} bootstrap draws{seed}.",
                f"HTMT 置信区间基于 {w.count(validation.n_boot, 'validation.n_boot')} 次 Bootstrap "
                f"抽样{seed}。",
            ),
        )


def methods_text(
    *,
    survey: Survey | None = None,
    screening: ScreeningReport | None = None,
    recommendation: EstimatorRecommendation | None = None,
    fit: SEMResult | MultiGroupResult | None = None,
    validation: MeasurementReport | None = None,
    bootstrap: SEMBootstrap | None = None,
    effects: EffectsResult | None = None,
    invariance: InvarianceResult | None = None,
    level: float = 0.95,
    lang: str = "en",
) -> Paragraphs:
    r"""The data-analysis paragraphs of a methods section (JARS-Quant SEM items).

    Parameters
    ----------
    survey : Survey, optional
        The analysed (cleaned) survey: N received, exclusions by reason, N analysed.
    screening : ScreeningReport, optional
        The screening report: percent of missing answers.
    recommendation : EstimatorRecommendation, optional
        :func:`loyaltysem.recommend_estimator`: why the estimator was chosen (Mardia's
        test, ordinal items) and how many respondents have a missing answer.
    fit : SEMResult, optional
        The fitted model: software versions, estimator, missing-data handling and N lost
        (from ``fit.provenance``), robust or normal-theory fit criteria.
    validation : MeasurementReport, optional
        Bootstrap draws and seed of the HTMT intervals.
    bootstrap : SEMBootstrap, optional
        Draws, interval type, seed and failed draws.
    effects : EffectsResult, optional
        Says that the bootstrap intervals are for the indirect effects.
    invariance : InvarianceResult, optional
        The grouping variable and the criteria of the invariance ladder.
    level : float, default 0.95
        The confidence level passed to :func:`loyaltysem.bootstrap` /
        :func:`loyaltysem.effects` (the results do not store it).
    lang : {"en", "zh"}, default "en"
        English or (academic) Chinese.

    Returns
    -------
    Paragraphs
        The text and, per sentence, its JARS item and the numbers it prints.

    Raises
    ------
    ReportError
        An unknown language, a level outside (0, 1), an argument of the wrong type (says
        which results are taken), or no result at all.

    Examples
    --------
    >>> import loyaltysem as ls
    >>> from loyaltysem.report.methods import methods_text
    >>> hs = ls.load_holzinger_swineford()
    >>> res = ls.fit("visual =~ x1 + x2 + x3\ntextual =~ x4 + x5 + x6", hs)
    >>> text = methods_text(fit=res)
    >>> text.items[:3]
    ('sample', 'missing_data', 'software')
    >>> print(text.sentences[-2].text)  # doctest: +NORMALIZE_WHITESPACE
    Local fit was examined through the residual correlations (absolute values above .10
    flagged; Kline, 2016) and the standardized residuals.
    """
    given = Results.gather(
        _WHO,
        survey=survey,
        screening=screening,
        recommendation=recommendation,
        fit=fit,
        validation=validation,
        bootstrap=bootstrap,
        effects=effects,
        invariance=invariance,
    )
    return methods_paragraphs(given, level=level, lang=lang)


def methods_paragraphs(given: Results, *, level: float = 0.95, lang: str = "en") -> Paragraphs:
    """:func:`methods_text` of results gathered and checked once (``inputs.Results``).

    :func:`loyaltysem.report.write` gathers the results it is given once and passes them to
    this function, :func:`results_paragraphs` and its sections.
    """
    _check(lang, level)
    survey, screening, recommendation = given.survey, given.screening, given.recommendation
    fit, validation, bootstrap = given.fit, given.validation, given.bootstrap
    effects, invariance = given.effects, given.invariance
    w = _Writer(lang)
    _sample(w, survey, fit)
    _missing(w, screening, recommendation, fit)
    participants = w.take()
    if fit is not None:
        _software(w, fit)
    if fit is not None or recommendation is not None:
        _estimator(w, fit, recommendation)
    if fit is not None:
        _groups_method(w, fit)
        _fit_criteria(w, fit)
        _improper_method(w)
    _bootstrap_method(w, bootstrap, validation, effects, level)
    if invariance is not None:
        w.say(
            "invariance",
            _t(
                lang,
                f"Measurement invariance across {invariance.group} was tested by a ladder of "
                "configural, metric, scalar and strict models; a level was retained when "
                f"ΔCFI ≥ {w.const('-.010')} (Cheung & Rensvold, {w.const('2002')}) and "
                f"ΔRMSEA ≤ {w.const('.015')} (Chen, {w.const('2007')}).",
                "依次检验形态、弱（度量）、强（标量）与严格等值模型以评估测量工具在 "
                f"{invariance.group} "
                ""
                f"各组间的等值性；当 ΔCFI ≥ {w.const('-.010')}（Cheung & Rensvold, "
                f"{w.const('2002')}）"
                ""
                f"且 ΔRMSEA ≤ {w.const('.015')}（Chen, {w.const('2007')}）时接受该等值水平。",
            ),
        )
    analysis = w.take()
    ok = fit is None or fit.status.ok
    if fit is not None and not fit.status.ok:
        problem = _status_problem(w, fit.status, "fit.status")
        w.say(
            "improper_solutions",
            _t(
                lang,
                f"WARNING: the fitted model is improper ({problem}); see the results.",
                f"警告：所估计模型为不当解（{problem}），详见结果部分。",
            ),
        )
        analysis = w.take() + analysis
    return Paragraphs("methods", lang, tuple(p for p in (participants, analysis) if p), ok)


# -- results -------------------------------------------------------------------


def _improper_result(w: _Writer, fit: SEMResult) -> None:
    lang = w.lang
    status = fit.status
    if status.ok:
        iters = fit.iterations
        w.say(
            "improper_solutions",
            _t(
                lang,
                "The estimation converged"
                + (f" in {w.count(iters, 'fit.iterations')} iterations" if iters else "")
                + " to a proper solution: no improper estimates (e.g., negative variances) "
                "occurred.",
                "模型估计收敛"
                + (f"（迭代 {w.count(iters, 'fit.iterations')} 次）" if iters else "")
                + "，未出现不当解（如负方差）。",
            ),
        )
        return
    problem = _status_problem(w, status, "fit.status")
    what = []
    if not status.converged:
        what.append(_t(lang, "did not converge", "未收敛"))
    if not status.admissible:
        what.append(
            _t(lang, "is improper (inadmissible estimates)", "为不当解（存在不可接受的估计）")
        )
    if not status.identified:
        what.append(_t(lang, "is not identified", "未识别"))
    w.say(
        "improper_solutions",
        _t(
            lang,
            f"The solution {_join(what, lang)}: {problem}. Its estimates and fit must not be "
            "interpreted until the model is respecified.",
            f"该模型{'、'.join(what)}：{problem}。在重新设定模型之前，其估计值与拟合指标均不应解释。",
        ),
    )


def _global_fit(w: _Writer, fit: SEMResult) -> None:
    lang = w.lang
    fm = "fit.fit_measures"
    if _robust(fit):
        s = _robust_suffix(fit)
        r_en, r_zh = "robust ", "稳健 "
        chisq = (
            _t(lang, "scaled χ²", "校正 χ²")
            + f"({w.count(_fm(fit, 'df.scaled'), fm + '[df.scaled]')}) = "
            + f"{w.num(_fm(fit, 'chisq.scaled'), fm + '[chisq.scaled]')}, "
            + w.p(_fm(fit, "pvalue.scaled"), fm + "[pvalue.scaled]")
        )
    else:
        s = ""
        r_en = r_zh = ""
        chisq = (
            f"χ²({w.count(_fm(fit, 'df'), fm + '[df]')}) = "
            f"{w.num(_fm(fit, 'chisq'), fm + '[chisq]')}, "
            + w.p(_fm(fit, "pvalue"), fm + "[pvalue]")
        )
    df = _fm(fit, "df.scaled" if s else "df")
    r = _t(lang, r_en, r_zh)
    values = {k: _fm(fit, k + s) for k in ("cfi", "tli", "rmsea")}
    srmr = _fm(fit, "srmr")
    approx = (
        f"{r}CFI = {w.unit(values['cfi'], f'{fm}[cfi{s}]', 3)}, "
        f"{r}TLI = {w.unit(values['tli'], f'{fm}[tli{s}]', 3)}, "
        f"{r}RMSEA = {w.unit(values['rmsea'], f'{fm}[rmsea{s}]', 3)}, "
        f"{w.const('90')}% CI "
        f"[{w.unit(_fm(fit, 'rmsea.ci.lower' + s), f'{fm}[rmsea.ci.lower{s}]', 3)}, "
        f"{w.unit(_fm(fit, 'rmsea.ci.upper' + s), f'{fm}[rmsea.ci.upper{s}]', 3)}]"
        + (f", SRMR = {w.unit(srmr, f'{fm}[srmr]', 3)}" if not math.isnan(srmr) else "")
    )
    flag = (
        ""
        if fit.status.ok
        else _t(lang, " (improper solution: not interpretable)", "（不当解，不可解释）")
    )
    if df == 0:
        w.drop()
        zero = w.count(df, fm + "[df]")
        w.say(
            "global_fit",
            _t(
                lang,
                f"The model is just-identified (df = {zero}){flag}: it reproduces the data "
                "exactly, so its global fit cannot be tested.",
                f"模型恰好识别（df = {zero}）{flag}，完全再现样本数据，无法检验其整体拟合。",
            ),
        )
        return
    else:
        good = (
            values["cfi"] >= 0.95
            and values["tli"] >= 0.95
            and values["rmsea"] <= 0.06
            and (math.isnan(srmr) or srmr <= 0.08)
        )
        verdict = (
            _t(lang, "The model fit the data well", "模型与数据拟合良好")
            if good
            else _t(lang, "Not every fit index met its cut-off", "并非所有拟合指标均达到临界值")
        )
    w.say(
        "global_fit",
        _t(lang, f"{verdict}{flag}: {chisq}; {approx}.", f"{verdict}{flag}：{chisq}；{approx}。"),
    )


def _groups(fit: Any) -> tuple[str, ...]:
    """The group labels of a multi-group fit; ``()`` for one group."""
    labels = getattr(fit, "group_labels", None)
    return tuple(str(g) for g in labels) if labels else ()


def _in_group(lang: str, group: str | None, text: str) -> str:
    """``In group female, the largest ...`` (the sentence as is without a group)."""
    if group is None:
        return text
    if lang == "zh":
        return f"在 {group} 组中，{text}"
    return f"In group {group}, {text[0].lower()}{text[1:]}"


def _groups_method(w: _Writer, fit: Any) -> None:
    """The multi-group design: the grouping column, the groups' n and the equality constraints."""
    groups = _groups(fit)
    if not groups:
        return
    lang = w.lang
    each = [
        _t(lang, f"{g}, n = ", f"{g}，n = ") + w.count(fit.nobs[g], f"fit.nobs[{g}]")
        for g in groups
    ]
    equal = list(getattr(fit, "group_equal", ()) or ())
    constraint = (
        _t(
            lang,
            f", with {', '.join(equal)} constrained equal across groups",
            f"，并约束{'、'.join(equal)}跨组相等",
        )
        if equal
        else _t(lang, ", with every parameter free in each group", "，各组参数自由估计")
    )
    w.say(
        "estimator",
        _t(
            lang,
            f"The model was fitted to the {w.count(len(groups), 'len(fit.group_labels)')} "
            f"groups of {fit.group} simultaneously ({'; '.join(each)}){constraint}.",
            f"模型在 {fit.group} 的 {w.count(len(groups), 'len(fit.group_labels)')} 个组中同时估计"
            f"（{'；'.join(each)}）{constraint}。",
        ),
    )


def _local_fit(w: _Writer, fit: Any) -> None:
    for group in _groups(fit) or (None,):
        _local_fit_group(w, fit, group)


def _local_fit_group(w: _Writer, fit: Any, group: str | None) -> None:
    lang = w.lang
    args = () if group is None else (group,)
    cor = fit.residuals(*args, "cor")
    values = cor.to_numpy(dtype=float)
    low = np.tril_indices_from(values, k=-1)
    off = np.abs(values[low])
    if not off.size or np.all(np.isnan(off)):
        return
    k = int(np.nanargmax(off))
    i, j = low[0][k], low[1][k]
    r = float(values[i, j])
    big = int(np.nansum(off > 0.10))
    text = _t(
        lang,
        f"The largest residual correlation was {w.unit(r, 'fit.residuals(cor)', 3)} "
        f"({cor.index[i]} with {cor.columns[j]}); "
        f"{w.count(big, 'count |fit.residuals(cor)| > .10')} of "
        f"{w.count(off.size, 'number of residual correlations')} exceeded "
        f"|{w.const('.10')}|",
        f"最大残差相关为 {w.unit(r, 'fit.residuals(cor)', 3)}（{cor.index[i]} 与 "
        f"{cor.columns[j]}）；"
        ""
        f"{w.count(off.size, 'number of residual correlations')} 个残差相关中有 "
        f"{w.count(big, 'count |fit.residuals(cor)| > .10')} 个绝对值超过 {w.const('.10')}",
    )
    try:
        std = fit.residuals(*args, "standardized").to_numpy(dtype=float)
    except Exception:
        std = np.full_like(values, np.nan)
    sv = np.abs(std[np.tril_indices_from(std)])
    if sv.size and not np.all(np.isnan(sv)):
        text += _t(
            lang,
            f", and the largest absolute standardized residual was "
            f"{w.num(float(np.nanmax(sv)), 'max |fit.residuals(standardized)|')}.",
            "；标准化残差绝对值最大为 "
            f"{w.num(float(np.nanmax(sv)), 'max |fit.residuals(standardized)|')}"
            "。",
        )
    else:
        text += _t(lang, ".", "。")
    w.say("local_fit", _in_group(lang, group, text))


def _measurement(w: _Writer, validation: MeasurementReport, survey: Survey | None) -> None:
    lang = w.lang
    rel = validation.reliability
    parts = []
    for col, en, zh in (
        ("alpha", "Cronbach's α", "Cronbach's α"),
        ("rho_c", "composite reliability ρc", "组合信度 ρc"),
        ("ave", "AVE", "AVE"),
    ):
        lo, hi = rel[col].min(), rel[col].max()
        lo_t = w.unit(lo, f"validation.reliability[{col}].min()")
        hi_t = w.unit(hi, f"validation.reliability[{col}].max()")
        verb = "ranged from" if not parts else "from"
        parts.append(_t(lang, f"{en} {verb} {lo_t} to {hi_t}", f"{zh} 介于 {lo_t} 至 {hi_t}"))
    low_ave = [str(c) for c in rel.index[rel["ave"] < 0.5]]
    low_rel = [str(c) for c in rel.index[(rel["alpha"] < 0.7) | (rel["rho_c"] < 0.7)]]
    text = _t(
        lang,
        f"Across the {w.count(len(rel), 'len(validation.reliability)')} constructs, "
        + _join(parts, lang)
        + ".",
        f"{w.count(len(rel), 'len(validation.reliability)')} 个构念中，" + "，".join(parts) + "。",
    )
    if low_rel:
        text += _t(
            lang,
            f" Reliability fell below {w.const('.70')} for {_join(low_rel, lang)}.",
            f"{'、'.join(low_rel)} 的信度低于 {w.const('.70')}。",
        )
    if low_ave:
        names = [_label(survey, c, lang) for c in low_ave]
        text += _t(
            lang,
            f" AVE fell below {w.const('.50')} for {_join(names, lang)}.",
            f"{'、'.join(names)} 的 AVE 低于 {w.const('.50')}。",
        )
    else:
        text += _t(
            lang,
            f" Every AVE reached {w.const('.50')}, supporting convergent validity.",
            f"所有构念的 AVE 均达到 {w.const('.50')}，支持收敛效度。",
        )
    w.say("measurement", text)
    verdicts = validation.verdicts
    fl = verdicts[verdicts["criterion"] == "fornell_larcker"]
    failed = [str(s) for s in fl.loc[~fl["met"].astype(bool), "subject"]]
    if len(fl):
        fl_text = (
            _t(
                lang,
                "The Fornell–Larcker criterion held for every construct (√AVE above its "
                "correlations with the other constructs)",
                "所有构念均满足 Fornell–Larcker 准则（AVE 平方根大于其与其他构念的相关）",
            )
            if not failed
            else _t(
                lang,
                f"The Fornell–Larcker criterion failed for {_join(failed, lang)}",
                f"{'、'.join(failed)} 未满足 Fornell–Larcker 准则",
            )
        )
    else:
        fl_text = ""
    htmt_text = ""
    inf = validation.htmt_inference
    if inf is not None and len(inf) and "estimate" in inf.columns:
        top = inf["estimate"].idxmax()
        row = inf.loc[top]
        a, b = str(top).split("~", 1)
        pair = f"{_label(survey, a, lang)}–{_label(survey, b, lang)}"
        n_over = int((inf["estimate"] >= 0.85).sum())
        ci = ""
        if not math.isnan(float(row.get("ci_upper", np.nan))):
            ci = (
                f", {w.const('95')}% CI "
                f"[{w.unit(row['ci_lower'], f'validation.htmt_inference.ci_lower[{top}]')}, "
                f"{w.unit(row['ci_upper'], f'validation.htmt_inference.ci_upper[{top}]')}]"
            )
        largest = w.unit(row["estimate"], f"validation.htmt_inference.estimate[{top}]")
        htmt_text = _t(
            lang,
            (
                f"every HTMT ratio was below {w.const('.85')}"
                if n_over == 0
                else f"{w.count(n_over, 'count HTMT >= .85')} HTMT ratios reached {w.const('.85')}"
            )
            + f" (largest {largest}, {pair}{ci})",
            (
                f"所有 HTMT 值均低于 {w.const('.85')}"
                if n_over == 0
                else f"有 {w.count(n_over, 'count HTMT >= .85')} 个 HTMT 值达到 {w.const('.85')}"
            )
            + f"（最大值 {largest}，{pair}{ci}）",
        )
    elif validation.htmt is not None and validation.htmt.size:
        mat = validation.htmt
        pairs = mat.where(np.tril(np.ones(mat.shape, dtype=bool), k=-1)).stack()
        (a, b), top_value = pairs.idxmax(), float(pairs.max())
        pair = f"{_label(survey, str(b), lang)}–{_label(survey, str(a), lang)}"
        largest = w.unit(top_value, f"validation.htmt.loc[{a}, {b}]")
        below = top_value < 0.85
        htmt_text = _t(
            lang,
            ("every HTMT ratio was below" if below else "HTMT reached")
            + f" {w.const('.85')} (largest {largest}, {pair}; no bootstrap intervals)",
            ("所有 HTMT 值均低于" if below else "HTMT 值达到")
            + f" {w.const('.85')}（最大值 {largest}，{pair}；未作 Bootstrap 区间估计）",
        )
    if fl_text or htmt_text:
        joined = _t(
            lang,
            ", and ".join(x for x in (fl_text, htmt_text) if x),
            "；".join(x for x in (fl_text, htmt_text) if x),
        )
        supported = not failed and (not htmt_text or "every" in htmt_text or "所有" in htmt_text)
        tail = (
            _t(lang, ", supporting discriminant validity.", "，支持区分效度。")
            if supported
            else _t(lang, "; discriminant validity is in doubt.", "；区分效度存疑。")
        )
        w.say("measurement", joined[:1].upper() + joined[1:] + tail)
    if not validation.status.ok:
        problem = _status_problem(w, validation.status, "validation.status")
        w.say(
            "improper_solutions",
            _t(
                lang,
                f"WARNING: the confirmatory factor analysis behind these figures is improper "
                f"({problem}).",
                f"警告：上述指标所依据的验证性因子分析为不当解（{problem}）。",
            ),
        )


def _hypothesis_names(fit: Any, hypotheses: Mapping[str, str] | None) -> dict[int, str]:
    """Row index of each structural path -> its hypothesis name (checked against the model).

    In a multi-group fit the same path of every group gets the same name.
    """
    if not hypotheses:
        return {}
    est = fit.estimates
    paths = est[est["op"] == "~"]
    index: dict[str, list[Any]] = {}
    for idx, row in paths.iterrows():
        for key in path_keys(row):
            index.setdefault(key, []).append(idx)
    unknown = [k for k in hypotheses if k not in index]
    if unknown:
        raise ReportError(
            "hypotheses= names a path the model does not have",
            found=unknown,
            expected="path labels or paths of the model: " + ", ".join(sorted(index)),
            fix="key each hypothesis by a label (a1) or a path ('REP -> TRU'), e.g. "
            "hypotheses={'REP -> TRU': 'H1'}",
        )
    return {idx: str(v) for k, v in hypotheses.items() for idx in index[k]}


def _structural(
    w: _Writer,
    fit: Any,
    survey: Survey | None,
    alpha: float,
    hypotheses: Mapping[str, str] | None,
) -> None:
    est = fit.estimates
    paths = est[est["op"] == "~"]
    if not len(paths):
        return
    names = _hypothesis_names(fit, hypotheses)
    groups = _groups(fit)
    for group in groups or (None,):
        shown = paths if group is None else paths[paths["group_label"].astype(str) == group]
        _structural_group(w, fit, shown, survey, alpha, names, group)


def _structural_group(
    w: _Writer,
    fit: Any,
    paths: pd.DataFrame,
    survey: Survey | None,
    alpha: float,
    names: Mapping[Any, str],
    group: str | None,
) -> None:
    lang = w.lang
    sig, ns = [], []
    supported = []
    for idx, row in paths.iterrows():
        src = f"fit.estimates.loc[{idx}]"
        name = f"{_label(survey, str(row['rhs']), lang)} → {_label(survey, str(row['lhs']), lang)}"
        beta = w.unit(row["std_all"], src + ".std_all")
        p_text = w.p(row["pvalue"], src + ".pvalue")
        significant = float(row["pvalue"]) < alpha
        tag = ""
        if idx in names:
            if significant:
                supported.append(names[idx])
            verdict = (
                _t(lang, "supported", "成立")
                if significant
                else _t(lang, "not supported", "不成立")
            )
            tag = _t(lang, f"{names[idx]}, {verdict}; ", f"{names[idx]}，{verdict}；")
            for token in parse_numbers(names[idx]):  # "Hypothesis 1": printed as given
                w._add("hypotheses", float(token.replace(",", "")), token)
        text = _t(
            lang, f"{name} ({tag}β = {beta}, {p_text})", f"{name}（{tag}β = {beta}，{p_text}）"
        )
        (sig if significant else ns).append(text)
    text = ""
    if sig:
        text = _t(
            lang,
            f"Significant paths were {_join(sig, lang)}.",
            f"显著的路径包括：{'；'.join(sig)}。",
        )
    if ns:
        text += _t(
            lang,
            (" " if text else "") + f"Not significant were {_join(ns, lang)}.",
            f"不显著的路径为：{'；'.join(ns)}。",
        )
    w.say("structural", _in_group(lang, group, text))
    if names:
        n_sup = w.count(len(supported), "count supported hypotheses")
        n_all = w.count(sum(idx in names for idx in paths.index), "len(hypotheses)")
        for token in parse_numbers(" ".join(supported)):
            w._add("hypotheses", float(token.replace(",", "")), token)
        w.say(
            "structural",
            _t(
                lang,
                f"{n_sup} of the {n_all} hypotheses were supported"
                + (f" ({', '.join(supported)})." if supported else "."),
                f"{n_all} 项假设中 {n_sup} 项成立"
                + (f"（{'、'.join(supported)}）。" if supported else "。"),
            ),
        )
    r2 = fit.r2 if group is None else fit.r2[group]
    where = "fit.r2" if group is None else f"fit.r2[{group}]"
    ends = [str(v) for v in dict.fromkeys(paths["lhs"]) if v in r2.index]
    if ends:
        parts = [
            f"{_label(survey, v, lang)} (R² = {w.unit(r2[v], f'{where}[{v}]')})"
            if lang == "en"
            else f"{_label(survey, v, lang)}（R² = {w.unit(r2[v], f'{where}[{v}]')}）"
            for v in ends
        ]
        w.say(
            "structural",
            _in_group(
                lang,
                group,
                _t(
                    lang,
                    f"The model explained the variance of {_join(parts, lang)}.",
                    f"模型对{'、'.join(parts)}的方差解释率如括号所示。",
                ),
            ),
        )


def _indirect(w: _Writer, effects: EffectsResult, survey: Survey | None, level: float) -> None:
    lang = w.lang
    med = effects.mediation
    if not len(med):
        return
    interval = str(med["interval"].iloc[0]) if "interval" in med.columns else ""
    ci_name = _t(
        lang,
        f"{w.const(f'{100 * level:g}')}% {interval} CI",
        f"{w.const(f'{100 * level:g}')}% {interval} 置信区间",
    )
    w.say(
        "indirect_effects",
        _t(
            lang,
            f"Unstandardized indirect effects are reported with their {ci_name}; an effect "
            "is significant when its interval excludes zero (Zhao, Lynch & Chen, "
            f"{w.const('2010')}).",
            f"以下报告非标准化间接效应及其 {ci_name}；区间不含 {w.const('0')} 即为显著"
            f"（Zhao, Lynch & Chen, {w.const('2010')}）。",
        ),
    )
    parts = []
    for idx, row in med.iterrows():
        src = f"effects.mediation.loc[{idx}]"
        name = (
            f"{_label(survey, str(row['source']), lang)} → "
            f"{_label(survey, str(row['target']), lang)}"
        )
        kind = _MEDIATION_NAME[lang].get(str(row["type"]), str(row["type"]))
        b = w.num(row["indirect"], src + ".indirect")
        lo = w.num(row["indirect_ci_lower"], src + ".indirect_ci_lower")
        hi = w.num(row["indirect_ci_upper"], src + ".indirect_ci_upper")
        parts.append(
            _t(
                lang,
                f"{name}: b = {b}, [{lo}, {hi}], {kind}",
                f"{name}：b = {b}，[{lo}, {hi}]，{kind}",
            )
        )
    w.say(
        "indirect_effects",
        _t(
            lang,
            "Indirect effects: " + "; ".join(parts) + ".",
            "间接效应：" + "；".join(parts) + "。",
        ),
    )


def _invariance(w: _Writer, invariance: InvarianceResult) -> None:
    lang = w.lang
    table = invariance.table
    names = _LEVEL_NAME[lang]
    steps = []
    held = None
    broke = None
    colon = _t(lang, ": ", "：")
    for level, row in table.iterrows():
        src = f"invariance.table.loc[{level!r}]"
        decision = str(row["decision"])
        if decision == "baseline":
            held = str(level)
            steps.append(
                f"{names.get(str(level), str(level))}{colon}"
                f"χ²({w.count(row['df'], src + '.df')}) = "
                f"{w.num(row['chisq'], src + '.chisq')}, CFI = "
                f"{w.unit(row['cfi'], src + '.cfi', 3)}, "
                f"RMSEA = {w.unit(row['rmsea'], src + '.rmsea', 3)}"
            )
            continue
        if decision in ("supported", "partially supported") and broke is None:
            held = str(level)
        elif broke is None:
            broke = str(level)
        if not math.isnan(float(row.get("delta_cfi", np.nan))):
            steps.append(
                f"{names.get(str(level), str(level))}{colon}"
                f"Δχ²({w.count(row['delta_df'], src + '.delta_df')}) = "
                f"{w.num(row['delta_chisq'], src + '.delta_chisq')}, "
                f"{w.p(row['p_delta'], src + '.p_delta')}, "
                f"ΔCFI = {w.unit(row['delta_cfi'], src + '.delta_cfi', 3)}, "
                f"ΔRMSEA = {w.unit(row['delta_rmsea'], src + '.delta_rmsea', 3)}"
                + _t(lang, f" ({decision})", f"（{_DECISION_ZH.get(decision, decision)}）")
            )
        else:
            steps.append(
                f"{names.get(str(level), str(level))}{colon}"
                + _t(lang, decision, _DECISION_ZH.get(decision, decision))
            )
    if held is None:
        conclusion = _t(
            lang, "Even configural invariance could not be established", "形态等值亦未能建立"
        )
    else:
        conclusion = _t(
            lang,
            f"Measurement invariance across {invariance.group} held up to the "
            f"{names.get(held, held)} level"
            + (f"; {names.get(broke, broke)} invariance was not supported" if broke else ""),
            f"测量工具在 {invariance.group} 各组间达到{names.get(held, held)}等值"
            + (f"，{names.get(broke, broke)}等值未获支持" if broke else ""),
        )
    flag = ""
    if not invariance.status.ok:
        flag = _t(
            lang, f" (WARNING: {invariance.status.label})", f"（警告：{invariance.status.label}）"
        )
        for token in parse_numbers(invariance.status.label):
            w._add("invariance.status.label", float(token.replace(",", "")), token)
    w.say(
        "invariance",
        _t(
            lang,
            f"{conclusion}{flag} ({'; '.join(steps)}).",
            f"{conclusion}{flag}（{'；'.join(steps)}）。",
        ),
    )


def results_text(
    *,
    survey: Survey | None = None,
    screening: ScreeningReport | None = None,
    recommendation: EstimatorRecommendation | None = None,
    fit: SEMResult | MultiGroupResult | None = None,
    validation: MeasurementReport | None = None,
    bootstrap: SEMBootstrap | None = None,
    effects: EffectsResult | None = None,
    invariance: InvarianceResult | None = None,
    level: float = 0.95,
    alpha: float = 0.05,
    hypotheses: Mapping[str, str] | None = None,
    lang: str = "en",
) -> Paragraphs:
    r"""The results paragraphs: solution status, fit, measurement, paths, effects, invariance.

    Parameters
    ----------
    survey : Survey, optional
        Construct labels from its codebook (``label`` / ``label_zh``); codes without it.
    screening, recommendation, bootstrap : optional
        Accepted so that one set of keywords serves both texts (used by
        :func:`methods_text`).
    fit : SEMResult, optional
        Status, fit (scaled χ² and robust indices under a robust estimator), residual
        correlations, standardized paths with p-values, R².
    validation : MeasurementReport, optional
        Ranges of α, ρc and AVE; Fornell–Larcker and HTMT outcomes.
    effects : EffectsResult, optional
        Indirect effects with their intervals and mediation types.
    invariance : InvarianceResult, optional
        The invariance ladder and the highest level that held.
    level : float, default 0.95
        Confidence level of the intervals (as passed to ``effects``/``bootstrap``).
    alpha : float, default 0.05
        Significance level for the structural paths.
    hypotheses : mapping of str to str, optional
        Hypothesis names of structural paths, keyed by the path's label in the model
        (``"a1"``), ``"REP -> TRU"`` or ``"TRU ~ REP"``: each named path is said to be
        supported (p < ``alpha``) or not, and the supported ones are counted.
    lang : {"en", "zh"}, default "en"

    Returns
    -------
    Paragraphs

    Raises
    ------
    ReportError
        As :func:`methods_text`.

    Examples
    --------
    >>> import loyaltysem as ls
    >>> from loyaltysem.report.methods import results_text
    >>> pd_ = ls.load_political_democracy()
    >>> res = ls.fit("ind60 =~ x1 + x2 + x3\ndem60 =~ y1 + y2 + y3 + y4\n"
    ...              "dem60 ~ ind60", pd_)
    >>> text = results_text(fit=res)
    >>> text.items
    ('improper_solutions', 'global_fit', 'local_fit', 'structural')
    >>> print(text.sentences[1].text)  # doctest: +NORMALIZE_WHITESPACE
    Not every fit index met its cut-off: χ²(13) = 23.74, p = .034; CFI = .972, TLI = .955,
    RMSEA = .105, 90% CI [.029, .171], SRMR = .051.
    """
    given = Results.gather(
        _WHO,
        survey=survey,
        screening=screening,
        recommendation=recommendation,
        fit=fit,
        validation=validation,
        bootstrap=bootstrap,
        effects=effects,
        invariance=invariance,
    )
    return results_paragraphs(given, level=level, alpha=alpha, hypotheses=hypotheses, lang=lang)


def results_paragraphs(
    given: Results,
    *,
    level: float = 0.95,
    alpha: float = 0.05,
    hypotheses: Mapping[str, str] | None = None,
    lang: str = "en",
) -> Paragraphs:
    """:func:`results_text` of results gathered and checked once (``inputs.Results``)."""
    _check(lang, level)
    survey, fit, validation = given.survey, given.fit, given.validation
    bootstrap, effects, invariance = given.bootstrap, given.effects, given.invariance
    w = _Writer(lang)
    paragraphs: list[list[Sentence]] = []
    if fit is not None:
        _improper_result(w, fit)
        _global_fit(w, fit)
        _local_fit(w, fit)
        paragraphs.append(w.take())
    if validation is not None:
        _measurement(w, validation, survey)
        paragraphs.append(w.take())
    if fit is not None:
        _structural(w, fit, survey, alpha, hypotheses)
    if effects is not None:
        _indirect(w, effects, survey, level)
    paragraphs.append(w.take())
    if invariance is not None:
        _invariance(w, invariance)
        paragraphs.append(w.take())
    ok = all(r is None or r.status.ok for r in (fit, validation, invariance, bootstrap))
    return Paragraphs("results", lang, tuple(tuple(p) for p in paragraphs if p), ok)
