r"""Tables as data: a full-precision DataFrame plus how each column prints (APA 7).

A :class:`Table` holds the numbers of one thesis table exactly as the result object holds
them, and a :class:`Column` per printed column saying how to show them: decimals, a leading
zero or not (quantities bounded by 1), p-values as APA prints them (``< .001``, ``.032``),
confidence intervals ``[lo, hi]``, significance stars, italic statistic symbols in the header
(:mod:`loyaltysem.report.cells`). Rounding happens only when a renderer
(:mod:`loyaltysem.report.render`) writes the table; ``Table.to_markdown()`` and its siblings
call those renderers, which read any table of this shape and import neither this module nor
the builders (the report wing's imports run one way: ``cells`` ← ``render`` ← ``tables``).

Each builder reads one result object and never recomputes what the result holds:

- :func:`fit_table`: χ², *df*, *p*, CFI, TLI, RMSEA [90% CI], SRMR of one or several
  :class:`~loyaltysem.SEMResult`; under MLM/MLR/WLSMV the scaled χ² and the robust
  CFI/TLI/RMSEA (never the naive ones, the mistake lavaanExtra's ``nice_fit`` makes);
- :func:`measurement_table`: construct, item and wording, standardized loading (*SE*),
  α, ρ\ :sub:`c`, AVE from :func:`~loyaltysem.validate`;
- :func:`fornell_larcker_table`, :func:`htmt_table`: discriminant validity;
- :func:`hypotheses_table`: H-number, path, β, *b*, *SE*, *z*, *p*, 95% *CI*, supported;
- :func:`indirect_effects_table`: indirect effects with bootstrap intervals and the
  mediation type from :func:`~loyaltysem.effects`;
- :func:`r2_table`: R² of the endogenous constructs.

Every table carries the :class:`~loyaltysem.status.Status` of its source: when the result is
not converged, inadmissible or not identified, every rendering shows a warning line.

Examples
--------
>>> import loyaltysem as ls
>>> from loyaltysem.report import fit_table
>>> res = ls.fit(ls.DEFAULT_MODEL, ls.load_ecommerce())
>>> t = fit_table(res)
>>> print(t.to_markdown())  # doctest: +ELLIPSIS
**Table 1**
<BLANKLINE>
*Global Fit of the Structural Equation Model*
<BLANKLINE>
| Model | *χ*² | *df* | *p* | CFI | TLI | RMSEA [90% *CI*] | SRMR |
|:--|--:|--:|--:|--:|--:|--:|--:|
| Model | 335.85 | 353 | .736 | 1.000 | 1.002 | .000 [.000, .009] | .020 |
...
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from loyaltysem.errors import ModelSpecError, ReportError
from loyaltysem.report.cells import KINDS as KINDS
from loyaltysem.report.cells import (
    LANGS,
    STARS,
    Column,
    check_lang,
    format_cell,
    format_value,
    status_warning,
)
from loyaltysem.report.cells import stars_for as stars_for
from loyaltysem.report.render import to_docx, to_excel, to_html, to_latex, to_markdown
from loyaltysem.status import Status

__all__ = [
    "CUTOFFS",
    "LANGS",
    "STARS",
    "Column",
    "Table",
    "comparison_table",
    "construct_table",
    "fit_table",
    "fornell_larcker_table",
    "htmt_table",
    "hypotheses_table",
    "indirect_effects_table",
    "invariance_table",
    "items_table",
    "local_fit_table",
    "measurement_table",
    "r2_table",
    "sample_table",
]

#: Cut-offs in fit-table notes, with their source.
CUTOFFS = {
    "en": "Cut-offs for good fit (Hu & Bentler, 1999): CFI and TLI ≥ .95, RMSEA ≤ .06, SRMR ≤ .08.",
    "zh": "良好拟合的临界值（Hu & Bentler, 1999）：CFI 与 TLI ≥ .95，RMSEA ≤ .06，SRMR ≤ .08。",
}

_ROBUST = {"MLM", "MLR", "MLMV", "MLMVS", "WLSMV", "WLSM", "ULSMV", "ULSM"}


@dataclass(frozen=True, eq=False)  # a DataFrame has no truth value: compare .data instead
class Table:
    """One APA table: full-precision data plus its number, title, note and column formats.

    Attributes
    ----------
    data : DataFrame
        The numbers at full precision, as the source result holds them (never rounded).
    columns : tuple of Column
        The printed columns, in order.
    number : int
        The table number (``Table 1``).
    title : str
        The title (APA: in italic title case, below the number).
    note : str
        The general note generated from the result (N, estimator, missing data, CI type and
        draws, abbreviations, star levels, cut-offs).
    status : Status
        The source result's status; when not ``ok`` every rendering shows :attr:`warning`.
    group : str or None
        A DataFrame column whose values start row groups (a spanning row per group).
    lang : str
        ``"en"`` or ``"zh"``.
    """

    data: pd.DataFrame
    columns: tuple[Column, ...]
    number: int = 1
    title: str = ""
    note: str = ""
    status: Status = field(default_factory=Status)
    group: str | None = None
    lang: str = "en"

    def __post_init__(self) -> None:
        check_lang(self.lang)
        have = set(map(str, self.data.columns))
        wanted = [s for c in self.columns for s in c.source]
        wanted += [c.stars for c in self.columns if c.stars] + [self.group] * bool(self.group)
        missing = [s for s in wanted if s not in have]
        if missing:
            raise ReportError(
                "a Table column refers to data columns that do not exist",
                found=missing,
                expected=f"columns of the data: {sorted(have)}",
                fix="name existing DataFrame columns in Column.source, stars and group",
            )

    # ------------------------------------------------------------------ text
    @property
    def label(self) -> str:
        """``Table 1`` or ``表 1``."""
        return f"表 {self.number}" if self.lang == "zh" else f"Table {self.number}"

    @property
    def warning(self) -> str:
        """The warning line of an improper result (empty when the status is ok)."""
        return status_warning(self.status, self.lang)

    @property
    def note_lines(self) -> list[str]:
        """The lines under the table: the warning first (if any), then the note."""
        lines = [self.warning] if self.warning else []
        if self.note:
            lines.append(self.note)
        return lines

    def cells(self) -> list[list[str]]:
        """The body as display strings, one list per DataFrame row (rounded here only)."""
        return [[format_cell(row, c) for c in self.columns] for _, row in self.data.iterrows()]

    def groups(self) -> list[str | None]:
        """The row-group label starting at each row (``None`` where no group starts)."""
        if self.group is None:
            return [None] * len(self.data)
        out: list[str | None] = []
        prev: object = object()
        for value in self.data[self.group]:
            out.append(str(value) if value != prev else None)
            prev = value
        return out

    # ------------------------------------------------------------------ renderers
    def to_markdown(self) -> str:
        """The table as Markdown (pipe table, italic symbols as ``*...*``)."""
        return to_markdown(self)

    def to_html(self, *, standalone: bool = False) -> str:
        """The table as self-contained HTML (inline CSS; a red banner when not ok)."""
        return to_html(self, standalone=standalone)

    def to_latex(self) -> str:
        """The table as LaTeX with booktabs rules and no vertical lines."""
        return to_latex(self)

    def to_excel(self, target: Any, *, sheet: str | None = None) -> Any:
        """Write the table to an openpyxl worksheet or an ``.xlsx`` path (numbers as numbers)."""
        return to_excel(self, target, sheet=sheet)

    def to_docx(self, document: Any = None) -> Any:
        """Add the table to a python-docx ``Document`` (APA rules written as border XML)."""
        return to_docx(self, document)

    def _repr_html_(self) -> str:
        return self.to_html()

    def __str__(self) -> str:
        return self.to_markdown()


# ---------------------------------------------------------------------- helpers
_T = {
    "en": {
        "model": "Model",
        "fit_title": "Global Fit of the Structural Equation Model",
        "fit_title_many": "Global Fit of the Compared Models",
        "meas_title": "Measurement Model: Standardized Loadings, Reliability and "
        "Convergent Validity",
        "construct": "Construct",
        "item": "Item",
        "wording": "Wording",
        "hyp_title": "Structural Paths and Hypothesis Tests",
        "hyp": "Hypothesis",
        "path": "Path",
        "supported": "Supported",
        "yes": "Yes",
        "no": "No",
        "ind_title": "Indirect Effects with Bootstrap Confidence Intervals",
        "effect": "Effect",
        "type": "Mediation type",
        "fl_title": "Discriminant Validity: Fornell–Larcker Criterion",
        "htmt_title": "Discriminant Validity: Heterotrait–Monotrait Ratios (HTMT)",
        "r2_title": "Explained Variance of the Endogenous Constructs",
    },
    "zh": {
        "model": "模型",
        "fit_title": "结构方程模型的整体拟合",
        "fit_title_many": "比较模型的整体拟合",
        "meas_title": "测量模型：标准化因子载荷、信度与聚合效度",
        "construct": "构念",
        "item": "题项",
        "wording": "题项内容",
        "hyp_title": "结构路径与假设检验",
        "hyp": "假设",
        "path": "路径",
        "supported": "是否支持",
        "yes": "支持",
        "no": "不支持",
        "ind_title": "间接效应及其 Bootstrap 置信区间",
        "effect": "效应",
        "type": "中介类型",
        "fl_title": "区分效度：Fornell–Larcker 准则",
        "htmt_title": "区分效度：异质–单质比率（HTMT）",
        "r2_title": "内生构念的解释方差",
    },
}

_MEDIATION_ZH = {
    "indirect-only": "完全中介（仅间接）",
    "complementary": "互补型部分中介",
    "competitive": "竞争型部分中介",
    "direct-only": "仅直接效应（无中介）",
    "no-effect": "无效应",
}


def _need(obj: object, attrs: Sequence[str], what: str, fix: str) -> None:
    if not all(hasattr(obj, a) for a in attrs):
        raise ReportError(
            f"{what} needs a result with {', '.join(attrs)}",
            found=type(obj).__name__,
            expected="the result of " + fix.removeprefix("pass "),
            fix=fix,
        )


def _sem(res: object, what: str) -> None:
    _need(res, ("estimates", "fit_measures", "status", "provenance"), what, "pass ls.fit(...)")


def _group_labels(result: Any) -> tuple[str, ...]:
    """The group labels of a multi-group fit (``ls.fit(..., group=...)``); ``()`` for one group."""
    labels = getattr(result, "group_labels", None)
    return tuple(str(g) for g in labels) if labels else ()


def _group_rows(est: pd.DataFrame, label: str | None) -> pd.DataFrame:
    """The rows of one group of a multi-group estimates table (all rows for one group)."""
    if label is None or "group_label" not in est.columns:
        return est
    return est[est["group_label"].astype(str) == label]


def _group_note(result: Any, lang: str) -> str:
    """A sentence naming the grouping of a multi-group fit and the groups' N."""
    labels = _group_labels(result)
    if not labels:
        return ""
    nobs = result.nobs  # a Series indexed by the group labels
    each = "; ".join(f"{g}: n = {int(nobs[g])}" for g in labels)
    column = getattr(result, "group", "")
    if lang == "zh":
        return f"多组模型（分组变量 {column}；{each}），各组分别列出。"
    return f"Multi-group model (grouped by {column}; {each}); rows are grouped by group."


def _labels(codebook: Any, lang: str) -> dict[str, str]:
    """Construct code -> label in ``lang`` (the code when the codebook has none)."""
    out: dict[str, str] = {}
    if codebook is None:
        return out
    for code, c in getattr(codebook, "constructs", {}).items():
        label = (getattr(c, "label_zh", "") if lang == "zh" else "") or getattr(c, "label", "")
        out[code] = label or code
    return out


def _codebook(source: Any) -> Any:
    """The codebook of a Survey, or the codebook itself, or None."""
    if source is None:
        return None
    return getattr(source, "codebook", source)


def _wording(codebook: Any, item: str, lang: str) -> str:
    if codebook is None:
        return ""
    try:
        it = codebook.item(item)
    except (KeyError, ValueError, LookupError):
        return ""
    return ((it.text_zh if lang == "zh" else "") or it.text or "").strip()


_SE = {"robust.huber.white": "robust (Huber–White)", "robust.sem": "robust (Satorra–Bentler)"}


def _sample_note(res: Any, lang: str) -> str:
    """N, estimator and missing-data handling from a result's provenance."""
    prov = res.provenance
    opts = dict(getattr(prov, "options", {}) or {})
    est = getattr(prov, "estimator", opts.get("estimator", "ML"))
    missing = opts.get("missing", "listwise")
    excl = int(getattr(prov, "n_excluded", 0) or 0)
    se = str(opts.get("se", "standard") or "standard")
    n = int(prov.n)
    if lang == "zh":
        miss = {
            "listwise": "列删除",
            "ml": "全信息极大似然（FIML）",
            "fiml": "全信息极大似然（FIML）",
        }
        m = miss.get(str(missing).lower(), str(missing))
        text = f"N = {n}；估计方法：{est}；缺失数据：{m}"
        if excl:
            text += f"（排除 {excl} 个个案）"
        if se not in ("standard", "", None):
            text += f"；标准误：{_SE.get(se, se)}"
        return text + "。"
    miss = {
        "listwise": "listwise deletion",
        "ml": "full-information maximum likelihood",
        "fiml": "full-information maximum likelihood",
    }
    m = miss.get(str(missing).lower(), str(missing))
    text = f"N = {n}; estimator: {est}; missing data: {m}"
    if excl:
        text += f" ({excl} cases excluded)"
    if se not in ("standard", "", None):
        text += f"; standard errors: {_SE.get(se, se)}"
    return text + "."


def _stars_note(lang: str) -> str:
    if lang == "zh":
        return "*p < .05，**p < .01，***p < .001。"
    return "*p < .05. **p < .01. ***p < .001."


def _is_robust(res: Any) -> bool:
    est = str(getattr(res.provenance, "estimator", "ML")).upper()
    return est in _ROBUST


# ---------------------------------------------------------------------- fit
def fit_table(
    results: Any,
    *,
    number: int = 1,
    title: str | None = None,
    lang: str = "en",
) -> Table:
    """The global fit of one model, or of several side by side (APA 7).

    χ², *df*, *p*, CFI, TLI, RMSEA [90% *CI*] and SRMR from ``fit_measures``. When the
    estimator is robust (MLM, MLR, WLSMV...), the row shows the scaled χ² with its *df* and
    *p* and the robust CFI, TLI and RMSEA with its interval (lavaan's ``*.scaled`` and
    ``*.robust`` measures), and the note says so; the naive indices are never shown then.

    Parameters
    ----------
    results : SEMResult or mapping of name to SEMResult
        One fit, or several in the order to print (``{"Default": res, "Rival": rival}``).
    number : int, default 1
        The table number.
    title : str, optional
        The title; a standard one otherwise.
    lang : {"en", "zh"}, default "en"
        Language of title and note.

    Returns
    -------
    Table

    Raises
    ------
    ReportError
        A result that is not a fit of :func:`loyaltysem.fit`, or an unknown language.

    Examples
    --------
    >>> import loyaltysem as ls
    >>> res = ls.fit(ls.DEFAULT_MODEL, ls.load_ecommerce(), estimator="MLR")
    >>> t = fit_table(res)
    >>> bool(t.data.loc["Model", "chisq"] == res.fit_measures["chisq.scaled"])
    True
    >>> "scaled" in t.note
    True
    """
    lang = check_lang(lang)
    models = dict(results) if isinstance(results, Mapping) else {_T[lang]["model"]: results}
    if not models:
        raise ReportError(
            "fit_table needs at least one result",
            found="an empty mapping",
            expected="a SEMResult or {name: SEMResult}",
            fix="pass ls.fit(...) or a dict of fits",
        )
    rows = []
    robust_names: list[str] = []
    for name, res in models.items():
        _sem(res, "fit_table")
        fm = res.fit_measures
        rob = _is_robust(res)
        if rob:
            robust_names.append(str(name))

        def g(key: str, fm: pd.Series = fm) -> float:
            return float(fm[key]) if key in fm.index else float("nan")

        if rob:
            chi, df, p = g("chisq.scaled"), g("df.scaled"), g("pvalue.scaled")
            cfi, tli = g("cfi.robust"), g("tli.robust")
            rm, lo, hi = g("rmsea.robust"), g("rmsea.ci.lower.robust"), g("rmsea.ci.upper.robust")
        else:
            chi, df, p = g("chisq"), g("df"), g("pvalue")
            cfi, tli = g("cfi"), g("tli")
            rm, lo, hi = g("rmsea"), g("rmsea.ci.lower"), g("rmsea.ci.upper")
        flag = "" if res.status.ok else ("（解不合理）" if lang == "zh" else " (improper solution)")
        rows.append(
            {
                "model": str(name),
                "model_shown": str(name) + flag,
                "chisq": chi,
                "df": df,
                "pvalue": p,
                "cfi": cfi,
                "tli": tli,
                "rmsea": rm,
                "rmsea_ci_lower": lo,
                "rmsea_ci_upper": hi,
                "srmr": g("srmr"),
                "n": float(res.provenance.n),
                "estimator": str(res.provenance.estimator),
            }
        )
    data = pd.DataFrame(rows).set_index("model", drop=False)
    data.index.name = None
    columns = (
        Column(_T[lang]["model"], ("model_shown",), "text"),
        Column("*χ*²", ("chisq",), "number", 2),
        Column("*df*", ("df",), "integer"),
        Column("*p*", ("pvalue",), "p"),
        Column("CFI", ("cfi",), "bounded", 3),
        Column("TLI", ("tli",), "number", 3),
        Column(
            "RMSEA [90% *CI*]", ("rmsea", "rmsea_ci_lower", "rmsea_ci_upper"), "ci", 3, bounded=True
        ),
        Column("SRMR", ("srmr",), "bounded", 3),
    )
    first = next(iter(models.values()))
    parts = [("注：" if lang == "zh" else "Note. ") + _sample_note(first, lang)]
    if len(models) > 1 and len({(r["n"], r["estimator"]) for r in rows}) > 1:
        word = "估计方法" if lang == "zh" else "estimator"
        ns = "; ".join(f"{r['model']}: N = {int(r['n'])}, {word} {r['estimator']}" for r in rows)
        parts.append(ns + ("。" if lang == "zh" else "."))
    if robust_names:
        which = ""
        if len(robust_names) < len(models):  # mixed: name the rows that are robust
            which = (
                ("、".join(robust_names) + "：")
                if lang == "zh"
                else ("Rows " + ", ".join(robust_names) + ": ")
            )
        sentence = (
            "稳健估计：χ² 为 Satorra–Bentler/Yuan–Bentler 校正（scaled）χ²，"
            "CFI、TLI、RMSEA 为稳健（robust）版本。"
            if lang == "zh"
            else "Robust estimation: χ² is the scaled (Satorra–Bentler / Yuan–Bentler) "
            "test statistic; CFI, TLI and RMSEA are the robust versions."
        )
        parts.append(which + (sentence[0].lower() + sentence[1:] if which else sentence))
    parts.append(
        "CFI = 比较拟合指数；TLI = Tucker–Lewis 指数；RMSEA = 近似误差均方根；"
        "CI = 置信区间；SRMR = 标准化残差均方根。"
        if lang == "zh"
        else "CFI = comparative fit index; TLI = Tucker–Lewis index; RMSEA = root mean square "
        "error of approximation; CI = confidence interval; SRMR = standardized root mean "
        "square residual."
    )
    parts.append(CUTOFFS[lang])
    status = (
        Status.combine({k: v.status for k, v in models.items()})
        if len(models) > 1
        else (first.status)
    )
    default_title = _T[lang]["fit_title" if len(models) == 1 else "fit_title_many"]
    return Table(
        data=data,
        columns=columns,
        number=number,
        title=title or default_title,
        note=" ".join(parts),
        status=status,
        lang=lang,
    )


# ---------------------------------------------------------------------- hypotheses
def path_keys(row: pd.Series) -> tuple[str, ...]:
    """The names a user may give a structural path: its label, ``X -> Y``, ``Y ~ X``.

    Examples
    --------
    >>> path_keys(pd.Series({"lhs": "TRU", "op": "~", "rhs": "REP", "label": "a1"}))
    ('a1', 'REP -> TRU', 'TRU ~ REP')
    """
    keys = [f"{row['rhs']} -> {row['lhs']}", f"{row['lhs']} ~ {row['rhs']}"]
    label = row.get("label")
    if isinstance(label, str) and label:
        keys.insert(0, label)
    return tuple(keys)


def _hypothesis_row(
    r: pd.Series,
    i: int,
    hyp: Mapping[str, str],
    labels: Mapping[str, str],
    alpha: float,
    group: str | None,
) -> dict[str, Any]:
    """One path of ``result.estimates`` as a row of the hypotheses table."""
    lab = str(r.get("label", "") or "")
    given = [hyp[k] for k in path_keys(r) if k in hyp]
    name = given[0] if given else ("" if hyp else f"H{i}")
    p = float(r["pvalue"])
    return {
        "group": group or "",
        "hypothesis": name,
        "path": f"{labels.get(r['rhs'], r['rhs'])} → {labels.get(r['lhs'], r['lhs'])}",
        "label": lab,
        "beta": float(r["std_all"]),
        "b": float(r["est"]),
        "se": float(r["se"]),
        "z": float(r["z"]),
        "pvalue": p,
        "ci_lower": float(r["ci_lower"]),
        "ci_upper": float(r["ci_upper"]),
        "supported": bool(p < alpha),
    }


def hypotheses_table(
    result: Any,
    *,
    hypotheses: Mapping[str, str] | None = None,
    alpha: float = 0.05,
    number: int = 1,
    title: str | None = None,
    codebook: Any = None,
    lang: str = "en",
) -> Table:
    """The structural paths as hypothesis tests: H, path, β, *b*, *SE*, *z*, *p*, 95% *CI*.

    One row per regression (``~``) between latent constructs, in the model's order. A
    hypothesis is supported when *p* < ``alpha`` (two-sided, the Wald *z* of the result);
    the direction is not checked (state directional hypotheses in the text).

    Parameters
    ----------
    result : SEMResult
        The fit.
    hypotheses : mapping, optional
        Hypothesis name per path: keys are the model's labels (``"a1"``) or paths written
        ``"REP -> TRU"`` or ``"TRU ~ REP"``; without it, paths are numbered H1, H2, ... in
        model order; with it, paths it does not name are left unnamed.
    alpha : float, default 0.05
        The significance level for "supported".
    number, title, lang
        As in :func:`fit_table`.
    codebook : Codebook or Survey, optional
        Construct labels (``label`` / ``label_zh``) for the path column.

    Returns
    -------
    Table

    Examples
    --------
    >>> import loyaltysem as ls
    >>> s = ls.load_ecommerce()
    >>> t = hypotheses_table(ls.fit(ls.DEFAULT_MODEL, s), codebook=s)
    >>> t.data[["hypothesis", "path"]].iloc[0].tolist()
    ['H1', 'Platform reputation → Trust']
    """
    lang = check_lang(lang)
    _sem(result, "hypotheses_table")
    est = result.estimates
    paths = est[est["op"] == "~"]
    if paths.empty:
        raise ReportError(
            "hypotheses_table needs a model with structural paths",
            found="no '~' rows in result.estimates",
            expected="a model with regressions such as 'LOY ~ SAT'",
            fix="use fit_table or measurement_table for a CFA",
        )
    labels = _labels(_codebook(codebook), lang)
    hyp = dict(hypotheses or {})
    known = {key for _, r in paths.iterrows() for key in path_keys(r)}
    unknown = [k for k in hyp if k not in known]
    if unknown:
        raise ReportError(
            "hypotheses= names a path the model does not have",
            found=unknown,
            expected="path labels or paths of the model: " + ", ".join(sorted(known)),
            fix="key each hypothesis by a label (a1) or a path ('REP -> TRU' or 'TRU ~ REP'), "
            "e.g. hypotheses={'REP -> TRU': 'H1'}",
        )
    groups = _group_labels(result)
    rows = []
    for group in groups or (None,):
        shown = _group_rows(paths, group)
        for i, (_, r) in enumerate(shown.iterrows(), start=1):
            rows.append(_hypothesis_row(r, i, hyp, labels, alpha, group))
    data = pd.DataFrame(rows)
    t = _T[lang]
    data["supported_text"] = [t["yes"] if s else t["no"] for s in data["supported"]]
    columns = (
        Column(t["hyp"], ("hypothesis",), "text"),
        Column(t["path"], ("path",), "text"),
        Column("*β*", ("beta",), "bounded", 2, stars="pvalue"),
        Column("*b*", ("b",), "number", 2),
        Column("*SE*", ("se",), "number", 2),
        Column("*z*", ("z",), "number", 2),
        Column("*p*", ("pvalue",), "p"),
        Column("95% *CI*", ("ci_lower", "ci_upper"), "ci", 2),
        Column(t["supported"], ("supported_text",), "text"),
    )
    a = format_value(alpha, "bounded", 2)
    if lang == "zh":
        note = (
            f"注：{_sample_note(result, lang)}{_group_note(result, lang)}"
            "β = 标准化路径系数；b = 非标准化系数；SE = 标准误；"
            f"CI = b 的 95% Wald 置信区间。p < {a} 时假设得到支持（双侧）。{_stars_note(lang)}"
        )
    else:
        note = (
            f"Note. {_sample_note(result, lang)} {_group_note(result, lang)}".rstrip()
            + " β = standardized path coefficient; "
            "b = unstandardized coefficient; SE = standard error; CI = 95% Wald confidence "
            f"interval of b. A hypothesis is supported when p < {a} (two-sided). "
            + _stars_note(lang)
        )
    return Table(
        data=data,
        columns=columns,
        number=number,
        title=title or t["hyp_title"],
        note=note,
        status=result.status,
        group="group" if groups else None,
        lang=lang,
    )


# ---------------------------------------------------------------------- measurement
def measurement_table(
    report: Any,
    *,
    codebook: Any = None,
    number: int = 1,
    title: str | None = None,
    lang: str = "en",
) -> Table:
    """Construct, item and wording, standardized loading (*SE*), α, ρc and AVE.

    All numbers from a :class:`~loyaltysem.measurement.validity.MeasurementReport`
    (``ls.validate``):
    loadings and their SEs from ``report.items`` (the CFA's standardized solution; WLSMV
    loadings for ordinal reports), α, ρc and AVE from ``report.reliability`` (ordinal α
    for ordinal reports). Rows are grouped by construct.

    Parameters
    ----------
    report : MeasurementReport
        From :func:`loyaltysem.validate`.
    codebook : Codebook or Survey, optional
        Construct labels and item wordings (``text`` / ``text_zh``).
    number, title, lang
        As in :func:`fit_table`.

    Returns
    -------
    Table

    Examples
    --------
    >>> import loyaltysem as ls
    >>> s = ls.load_ecommerce()
    >>> mr = ls.validate(s, ls.DEFAULT_MODEL, n_boot=0, run_efa=False, common_method=False)
    >>> t = measurement_table(mr, codebook=s, lang="zh")
    >>> t.data.iloc[0][["construct", "item"]].tolist()
    ['平台口碑', 'REP1']
    """
    lang = check_lang(lang)
    _need(report, ("items", "reliability", "status"), "measurement_table", "pass ls.validate(...)")
    cb = _codebook(codebook)
    labels = _labels(cb, lang)
    items = report.items
    rel = report.reliability
    rows = []
    for name, r in items.iterrows():
        code = str(r["construct"])
        rr = rel.loc[code] if code in rel.index else pd.Series(dtype=float)
        rows.append(
            {
                "construct_code": code,
                "construct": labels.get(code, code),
                "item": str(name),
                "wording": _wording(cb, str(name), lang),
                "loading": float(r["loading"]),
                "loading_se": float(r.get("loading_se", float("nan"))),
                "alpha": float(rr.get("alpha", float("nan"))),
                "rho_c": float(rr.get("rho_c", float("nan"))),
                "ave": float(rr.get("ave", float("nan"))),
            }
        )
    data = pd.DataFrame(rows)
    # construct-level values print once, on the first row of each construct
    first = ~data["construct_code"].duplicated()
    for c in ("alpha", "rho_c", "ave"):
        data[c + "_shown"] = data[c].where(first)
    data["loading_se_paren"] = data["loading_se"]
    t = _T[lang]
    cols = [Column(t["item"], ("item",), "text")]
    if data["wording"].str.len().gt(0).any():
        cols.append(Column(t["wording"], ("wording",), "text"))
    cols += [
        Column("*λ*", ("loading",), "bounded", 2),
        Column("*SE*", ("loading_se",), "bounded", 3),
        Column("*α*", ("alpha_shown",), "bounded", 2),
        Column("*ρ*c", ("rho_c_shown",), "bounded", 2),
        Column("AVE", ("ave_shown",), "bounded", 2),
    ]
    ordinal = bool(getattr(report, "ordinal", False))
    n = getattr(getattr(report, "cfa", None), "provenance", None)
    if lang == "zh":
        note = "注："
        if n is not None:
            note += _sample_note(report.cfa, lang)
        note += (
            "λ = 验证性因子分析的标准化因子载荷；SE = 其标准误；α = Cronbach's α；"
            "ρc = 组合信度；AVE = 平均方差抽取量。"
        )
        if ordinal:
            note += "有序数据：序数 α，WLSMV 载荷。"
    else:
        note = "Note. "
        if n is not None:
            note += _sample_note(report.cfa, lang) + " "
        note += (
            "λ = standardized CFA loading; SE = its standard error; α = Cronbach's alpha; "
            "ρc = composite reliability; AVE = average variance extracted."
        )
        if ordinal:
            note += " Ordinal data: ordinal alpha and WLSMV loadings."
    return Table(
        data=data,
        columns=tuple(cols),
        number=number,
        title=title or t["meas_title"],
        note=note,
        status=report.status,
        group="construct",
        lang=lang,
    )


def _square(
    report: Any, frame: pd.DataFrame, codebook: Any, lang: str, number: int, title: str, note: str
) -> Table:
    labels = _labels(_codebook(codebook), lang)
    codes = [str(c) for c in frame.columns]
    data = frame.copy()
    data.columns = codes
    data.insert(0, "construct", [labels.get(str(c), str(c)) for c in frame.index])
    cols = [Column(_T[lang]["construct"], ("construct",), "text")]
    cols += [Column(labels.get(c, c), (c,), "bounded", 2) for c in codes]
    return Table(
        data=data.reset_index(drop=True),
        columns=tuple(cols),
        number=number,
        title=title,
        note=note,
        status=report.status,
        lang=lang,
    )


def fornell_larcker_table(
    report: Any,
    *,
    codebook: Any = None,
    number: int = 1,
    title: str | None = None,
    lang: str = "en",
) -> Table:
    """The Fornell–Larcker matrix: √AVE on the diagonal, latent correlations below it.

    Values from ``report.fornell_larcker`` (:func:`loyaltysem.validate`); the upper
    triangle is left blank.

    Examples
    --------
    >>> import loyaltysem as ls
    >>> mr = ls.validate(ls.load_ecommerce(), ls.DEFAULT_MODEL, n_boot=0, run_efa=False,
    ...                  common_method=False)
    >>> t = fornell_larcker_table(mr)
    >>> t.cells()[0][:3]
    ['REP', '.75', '']
    """
    lang = check_lang(lang)
    _need(report, ("fornell_larcker", "status"), "fornell_larcker_table", "pass ls.validate(...)")
    fl = report.fornell_larcker.astype(float)
    lower = fl.where(np.tril(np.ones(fl.shape, dtype=bool)))
    note = (
        "注：对角线为 AVE 的平方根，对角线以下为构念间相关。"
        "对角线值大于其所在行列的相关时满足区分效度。"
        if lang == "zh"
        else "Note. The diagonal shows the square root of the AVE; below it, the correlations "
        "between constructs. Discriminant validity holds when each diagonal value exceeds the "
        "correlations in its row and column (Fornell & Larcker, 1981)."
    )
    return _square(report, lower, codebook, lang, number, title or _T[lang]["fl_title"], note)


def htmt_table(
    report: Any,
    *,
    codebook: Any = None,
    number: int = 1,
    title: str | None = None,
    lang: str = "en",
) -> Table:
    """The HTMT ratios (lower triangle) from ``report.htmt`` (:func:`loyaltysem.validate`).

    Examples
    --------
    >>> import loyaltysem as ls
    >>> mr = ls.validate(ls.load_ecommerce(), ls.DEFAULT_MODEL, n_boot=0, run_efa=False,
    ...                  common_method=False)
    >>> htmt_table(mr).cells()[1][:3]
    ['SEC', '.50', '']
    """
    lang = check_lang(lang)
    _need(report, ("htmt", "status"), "htmt_table", "pass ls.validate(...)")
    h = report.htmt.astype(float)
    lower = h.where(np.tril(np.ones(h.shape, dtype=bool), k=-1))
    note = (
        "注：HTMT = 异质–单质比率（Henseler 等，2015）；HTMT < .85（或 < .90）支持区分效度。"
        if lang == "zh"
        else "Note. HTMT = heterotrait–monotrait ratio of correlations (Henseler et al., 2015); "
        "values below .85 (liberal: .90) support discriminant validity."
    )
    table = _square(report, lower, codebook, lang, number, title or _T[lang]["htmt_title"], note)
    inf = getattr(report, "htmt_inference", None)
    if inf is None or len(inf) == 0:
        return table
    # bootstrap intervals: "value [lo, hi]" in each lower-triangle cell
    data = table.data.copy()
    codes = [str(c) for c in h.columns]
    for j, other in enumerate(codes):
        lo, hi = [], []
        for i, code in enumerate(codes):
            key = f"{other}~{code}"
            ok = i > j and key in inf.index
            lo.append(float(inf.loc[key, "ci_lower"]) if ok else float("nan"))
            hi.append(float(inf.loc[key, "ci_upper"]) if ok else float("nan"))
        data[other + "_ci_lower"], data[other + "_ci_upper"] = lo, hi
    cols = [table.columns[0]] + [
        Column(
            c.header,
            (c.source[0], c.source[0] + "_ci_lower", c.source[0] + "_ci_upper"),
            "ci",
            2,
            bounded=True,
        )
        for c in table.columns[1:]
    ]
    n_boot = int(getattr(report, "n_boot", 0) or 0)
    extra = (
        f"方括号内为 {n_boot} 次 Bootstrap 抽样的 95% 百分位置信区间；上限 < 1 支持区分效度。"
        if lang == "zh"
        else f" Brackets: 95% percentile bootstrap confidence intervals ({n_boot} draws); an "
        "upper bound below 1 supports discriminant validity."
    )
    return Table(
        data=data,
        columns=tuple(cols),
        number=table.number,
        title=table.title,
        note=table.note + extra,
        status=table.status,
        lang=lang,
    )


# ---------------------------------------------------------------------- effects
def indirect_effects_table(
    effects: Any,
    *,
    result: Any = None,
    bootstrap: Any = None,
    codebook: Any = None,
    number: int = 1,
    title: str | None = None,
    lang: str = "en",
) -> Table:
    """Specific and total indirect effects with their (bootstrap) intervals and mediation type.

    Rows are the ``specific`` and ``indirect`` (total indirect) rows of
    ``effects.table`` (:func:`loyaltysem.effects`); the interval is the bootstrap one
    (``boot_ci_lower``/``boot_ci_upper``) when the effects were computed with a bootstrap,
    otherwise the delta-method one, and the note says which. The mediation type per
    (source, target) pair comes from ``effects.mediation``.

    Parameters
    ----------
    effects : EffectsResult
        From ``ls.effects(result, bootstrap)``.
    result : SEMResult, optional
        The fit behind the effects: N, estimator and missing data for the note, and its
        status (an improper fit puts the warning line in every rendering). Give it.
    bootstrap : SEMBootstrap, optional
        The bootstrap behind the intervals: its draws (``n_boot``, ``n_ok``) for the note
        and its status.
    codebook : Codebook or Survey, optional
        Construct labels for the paths.
    number, title, lang
        As in :func:`fit_table`.

    Examples
    --------
    >>> import loyaltysem as ls
    >>> res = ls.fit(ls.DEFAULT_MODEL, ls.load_ecommerce())
    >>> t = indirect_effects_table(ls.effects(res), result=res)
    >>> t.data["path"].iloc[0]
    'REP → TRU → SAT'
    """
    lang = check_lang(lang)
    _need(effects, ("table", "mediation"), "indirect_effects_table", "pass ls.effects(res, boot)")
    tab = effects.table
    picked = []  # per (source, target): its specific paths, then the total indirect if > 1
    for _, pair in tab.groupby(["source", "target"], sort=False):
        spec = pair[pair["kind"] == "specific"]
        total = pair[pair["kind"] == "indirect"]
        picked.append(spec if len(spec) == 1 or total.empty else pd.concat([spec, total]))
    rows = pd.concat(picked) if picked else tab.iloc[:0]
    boot = "boot_ci_lower" in rows.columns and rows["boot_ci_lower"].notna().any()
    labels = _labels(_codebook(codebook), lang)
    med = effects.mediation
    mtype = {(r["source"], r["target"]): str(r["type"]) for _, r in med.iterrows()}
    if lang == "zh":
        mtype = {k: _MEDIATION_ZH.get(v, v) for k, v in mtype.items()}
    total_word = "总间接效应" if lang == "zh" else "total indirect"

    def pathname(r: pd.Series) -> str:
        if r["kind"] == "indirect":
            s, t = labels.get(r["source"], r["source"]), labels.get(r["target"], r["target"])
            return f"{s} → {t} ({total_word})" if lang == "en" else f"{s} → {t}（{total_word}）"
        return " → ".join(labels.get(p.strip(), p.strip()) for p in str(r["path"]).split("->"))

    data = pd.DataFrame(
        {
            "source": rows["source"].astype(str).to_numpy(),
            "target": rows["target"].astype(str).to_numpy(),
            "kind": rows["kind"].astype(str).to_numpy(),
            "path": [pathname(r) for _, r in rows.iterrows()],
            "b": rows["est"].to_numpy(float),
            "beta": rows["std_all"].to_numpy(float),
            "se": (rows["boot_se"] if boot else rows["se"]).to_numpy(float),
            "ci_lower": (rows["boot_ci_lower"] if boot else rows["ci_lower"]).to_numpy(float),
            "ci_upper": (rows["boot_ci_upper"] if boot else rows["ci_upper"]).to_numpy(float),
            "pvalue": rows["pvalue"].to_numpy(float),
        }
    )
    last = ~data.duplicated(["source", "target"], keep="last")
    data["type"] = [
        mtype.get((s, t), "") if is_last else ""
        for s, t, is_last in zip(data["source"], data["target"], last, strict=True)
    ]
    t = _T[lang]
    ci_head = "95% *CI*"
    n_boot = getattr(bootstrap, "n_boot", None)
    n_ok = getattr(bootstrap, "n_ok", n_boot)
    parts = {k: v.status for k, v in (("fit", result), ("bootstrap", bootstrap)) if v is not None}
    status = Status.combine(parts) if parts else Status()
    sample = (
        _sample_note(result, lang) + ("" if lang == "zh" else " ") if result is not None else ""
    )
    columns = (
        Column(t["effect"], ("path",), "text"),
        Column("*b*", ("b",), "number", 3),
        Column("*β*", ("beta",), "bounded", 3),
        Column("*SE*", ("se",), "number", 3),
        Column(ci_head, ("ci_lower", "ci_upper"), "ci", 3),
        Column(t["type"], ("type",), "text"),
    )
    interval = str(med["interval"].iloc[0]) if len(med) and "interval" in med else ""
    if lang == "zh":
        if boot:
            draws = f"{n_boot} 次（成功 {n_ok} 次）" if n_boot else ""
            ci = (
                f"CI = {draws}非参数 Bootstrap 抽样的 95% 置信区间（{interval}）；"
                "SE = Bootstrap 标准误。"
            )
        else:
            ci = "CI = 95% Delta 法置信区间；SE = Delta 法标准误。"
        note = f"注：{sample}b = 非标准化效应；β = 标准化效应；{ci}置信区间不含 0 时间接效应显著。"
    else:
        if boot:
            draws = f"{n_boot} (successful: {n_ok}) " if n_boot else ""
            ci = (
                f"CI = 95% confidence interval from {draws}nonparametric bootstrap draws "
                f"({interval}); SE = bootstrap standard error."
            )
        else:
            ci = "CI = 95% delta-method confidence interval; SE = delta-method standard error."
        note = (
            f"Note. {sample}b = unstandardized effect; β = standardized effect; {ci} An indirect "
            "effect is significant when its interval excludes zero."
        )
    return Table(
        data=data,
        columns=columns,
        number=number,
        title=title or t["ind_title"],
        note=note,
        status=status,
        lang=lang,
    )


def r2_table(
    result: Any,
    *,
    codebook: Any = None,
    number: int = 1,
    title: str | None = None,
    lang: str = "en",
) -> Table:
    """R² of the endogenous constructs (``result.r2``, latent variables that are regressed).

    Examples
    --------
    >>> import loyaltysem as ls
    >>> r2_table(ls.fit(ls.DEFAULT_MODEL, ls.load_ecommerce())).cells()[0]
    ['TRU', '.52']
    """
    lang = check_lang(lang)
    _sem(result, "r2_table")
    est = result.estimates
    endo = list(dict.fromkeys(est.loc[est["op"] == "~", "lhs"].astype(str)))
    r2 = result.r2
    labels = _labels(_codebook(codebook), lang)
    groups = _group_labels(result)
    data = pd.DataFrame(
        [
            {
                "group": g or "",
                "construct_code": c,
                "construct": labels.get(c, c),
                "r2": float(r2[(g, c)] if g is not None else r2[c]),
            }
            for g in (groups or (None,))
            for c in endo
        ]
    )
    columns = (
        Column(_T[lang]["construct"], ("construct",), "text"),
        Column("*R*²", ("r2",), "bounded", 2),
    )
    note = ("注：" if lang == "zh" else "Note. ") + _sample_note(result, lang)
    if groups:
        note += ("" if lang == "zh" else " ") + _group_note(result, lang)
    return Table(
        data=data,
        columns=columns,
        number=number,
        title=title or _T[lang]["r2_title"],
        note=note,
        status=result.status,
        group="group" if groups else None,
        lang=lang,
    )


# ---------------------------------------------------------------------- items, ladders, local fit
_T["en"].update(
    {
        "items_title": "Descriptive Statistics of the Items",
        "skew": "Skewness",
        "kurt": "Kurtosis",
        "missing": "Missing %",
        "cmp_title": "Comparison of Nested Models",
        "inv_title": "Measurement Invariance Across Groups",
        "level": "Level",
        "decision": "Decision",
        "local_title": "Largest Residual Correlations (Local Fit)",
        "var1": "Variable 1",
        "var2": "Variable 2",
    }
)
_T["zh"].update(
    {
        "items_title": "题项的描述性统计",
        "skew": "偏度",
        "kurt": "峰度",
        "missing": "缺失 %",
        "cmp_title": "嵌套模型比较",
        "inv_title": "跨组测量不变性",
        "level": "层级",
        "decision": "结论",
        "local_title": "最大的残差相关（局部拟合）",
        "var1": "变量 1",
        "var2": "变量 2",
    }
)
_LEVEL_ZH = {
    "configural": "形态等同",
    "metric": "弱等同（载荷）",
    "scalar": "强等同（截距）",
    "strict": "严格等同（残差）",
}
_DECISION_ZH = {
    "baseline": "基准",
    "supported": "成立",
    "not supported": "不成立",
    "rejected": "不成立",
    "partial": "部分成立",
}


def items_table(
    screening: Any,
    *,
    codebook: Any = None,
    number: int = 1,
    title: str | None = None,
    lang: str = "en",
) -> Table:
    """Item descriptives: *n*, *M*, *SD*, skewness, kurtosis and missing % per item.

    All from ``screening.items`` of :func:`loyaltysem.screen` (psych ``describe``
    conventions: skewness and excess kurtosis as the report computed them); rows grouped
    by construct when a codebook is given.

    Examples
    --------
    >>> import loyaltysem as ls
    >>> s = ls.load_ecommerce()
    >>> items_table(s.screen(), codebook=s).cells()[0][:3]
    ['REP1', '1219', '4.91']
    """
    lang = check_lang(lang)
    _need(screening, ("items", "n"), "items_table", "pass ls.screen(...) or survey.screen()")
    cb = _codebook(codebook)
    labels = _labels(cb, lang)
    it = screening.items
    data = pd.DataFrame(
        {
            "item": [str(i) for i in it.index],
            "n": it["n"].to_numpy(float),
            "mean": it["mean"].to_numpy(float),
            "sd": it["sd"].to_numpy(float),
            "skew": it["skew"].to_numpy(float),
            "kurtosis": it["kurtosis"].to_numpy(float),
            "missing_pct": it["missing_pct"].to_numpy(float),
        }
    )
    group = None
    if cb is not None:
        codes = []
        for name in data["item"]:
            try:
                codes.append(str(cb.item(name).construct or ""))
            except (KeyError, ValueError, LookupError):
                codes.append("")
        data.insert(0, "construct", [labels.get(c, c) for c in codes])
        group = "construct"
    t = _T[lang]
    columns = (
        Column(t["item"], ("item",), "text"),
        Column("*n*", ("n",), "integer"),
        Column("*M*", ("mean",), "number", 2),
        Column("*SD*", ("sd",), "number", 2),
        Column(t["skew"], ("skew",), "number", 2),
        Column(t["kurt"], ("kurtosis",), "number", 2),
        Column(t["missing"], ("missing_pct",), "percent", 1),
    )
    n = int(screening.n)
    note = (
        f"注：N = {n}（筛查的应答数）。峰度为超额峰度（正态分布为 0）。"
        if lang == "zh"
        else f"Note. N = {n} responses screened. Kurtosis is excess kurtosis (0 for a normal "
        "distribution); n = answers per item."
    )
    return Table(
        data=data,
        columns=columns,
        number=number,
        title=title or t["items_title"],
        note=note,
        status=getattr(screening, "status", Status()),
        group=group,
        lang=lang,
    )


def comparison_table(
    comparison: Any, *, number: int = 1, title: str | None = None, lang: str = "en"
) -> Table:
    r"""Nested-model comparison: χ², *df*, AIC, BIC, Δχ², Δ*df*, *p*, ΔCFI, ΔRMSEA.

    From ``comparison.table`` of :func:`loyaltysem.compare` (lavaan ``lavTestLRT``; the
    scaled difference test under robust estimators, as the comparison computed it).

    Examples
    --------
    >>> import loyaltysem as ls
    >>> s = ls.load_ecommerce()
    >>> a = ls.fit("F =~ REP1 + REP2 + REP3 + SEC1 + SEC2 + SEC3", s)
    >>> b = ls.fit("REP =~ REP1 + REP2 + REP3\nSEC =~ SEC1 + SEC2 + SEC3", s)
    >>> comparison_table(ls.compare(b, a, names=["Two factors", "One factor"])).cells()[1][0]
    'One factor'
    """
    lang = check_lang(lang)
    _need(comparison, ("table", "status"), "comparison_table", "pass ls.compare(...)")
    tab = comparison.table
    data = tab.reset_index().rename(columns={tab.index.name or "index": "model"})
    data["model"] = data["model"].astype(str)
    columns = (
        Column(_T[lang]["model"], ("model",), "text"),
        Column("*χ*²", ("chisq",), "number", 2),
        Column("*df*", ("df",), "integer"),
        Column("AIC", ("aic",), "number", 1),
        Column("BIC", ("bic",), "number", 1),
        Column("Δ*χ*²", ("chisq_diff",), "number", 2),
        Column("Δ*df*", ("df_diff",), "integer"),
        Column("*p*", ("pvalue",), "p"),
        Column("ΔCFI", ("delta_cfi",), "bounded", 3),
        Column("ΔRMSEA", ("delta_rmsea",), "bounded", 3),
    )
    method = str(getattr(comparison, "method", "") or "")
    note = (
        f"注：Δ 为与上一模型之差（{method}）。AIC/BIC 越小越好。"
        if lang == "zh"
        else f"Note. Δ = difference from the model above ({method}). Smaller AIC and BIC "
        "indicate the better trade-off of fit and parsimony."
    )
    return Table(
        data=data,
        columns=columns,
        number=number,
        title=title or _T[lang]["cmp_title"],
        note=note,
        status=comparison.status,
        lang=lang,
    )


def invariance_table(
    invariance: Any, *, number: int = 1, title: str | None = None, lang: str = "en"
) -> Table:
    """The invariance ladder: fit per level and the change from the level below.

    From ``invariance.table`` of :func:`loyaltysem.invariance` (semTools
    ``measEq.syntax`` levels): χ², *df*, CFI, RMSEA, SRMR, Δχ², Δ*df*, *p*, ΔCFI, ΔRMSEA
    and the ladder's own decision. Cut-offs (Chen, 2007) in the note.

    Examples
    --------
    >>> import loyaltysem as ls, warnings
    >>> with warnings.catch_warnings():
    ...     warnings.simplefilter("ignore")
    ...     inv = ls.invariance("REP =~ REP1 + REP2 + REP3", ls.load_ecommerce(), "gender")
    >>> [r[0] for r in invariance_table(inv).cells()]
    ['configural', 'metric', 'scalar', 'strict']
    """
    lang = check_lang(lang)
    _need(invariance, ("table", "status", "group"), "invariance_table", "pass ls.invariance(...)")
    tab = invariance.table
    data = tab.reset_index().rename(columns={tab.index.name or "index": "level"})
    data["level"] = data["level"].astype(str)
    data["decision"] = data["decision"].astype(str)
    if lang == "zh":
        data["level"] = [_LEVEL_ZH.get(v, v) for v in data["level"]]
        data["decision"] = [_DECISION_ZH.get(v, v) for v in data["decision"]]
    t = _T[lang]
    columns = (
        Column(t["level"], ("level",), "text"),
        Column("*χ*²", ("chisq",), "number", 2),
        Column("*df*", ("df",), "integer"),
        Column("CFI", ("cfi",), "bounded", 3),
        Column("RMSEA", ("rmsea",), "bounded", 3),
        Column("SRMR", ("srmr",), "bounded", 3),
        Column("Δ*χ*²", ("delta_chisq",), "number", 2),
        Column("Δ*df*", ("delta_df",), "integer"),
        Column("*p*", ("p_delta",), "p"),
        Column("ΔCFI", ("delta_cfi",), "bounded", 3),
        Column("ΔRMSEA", ("delta_rmsea",), "bounded", 3),
        Column(t["decision"], ("decision",), "text"),
    )
    group = str(invariance.group)
    note = (
        f"注：分组变量：{group}。Δ 为与前一层级之差；ΔCFI ≥ −.010 且 ΔRMSEA ≤ .015 时支持不变性"
        "（Chen, 2007）。"
        if lang == "zh"
        else f"Note. Groups: {group}. Δ = change from the level below; invariance is supported "
        "when ΔCFI ≥ −.010 and ΔRMSEA ≤ .015 (Chen, 2007)."
    )
    return Table(
        data=data,
        columns=columns,
        number=number,
        title=title or t["inv_title"],
        note=note,
        status=invariance.status,
        lang=lang,
    )


def _largest_residuals(result: Any, group: str | None, top: int) -> pd.DataFrame:
    """The ``top`` largest residual correlations of one group (all of a one-group fit)."""
    args = () if group is None else (group,)
    rc = result.residuals(*args, "cor")
    try:
        rz = result.residuals(*args, "standardized")
    except (ValueError, ModelSpecError, np.linalg.LinAlgError):  # none: the column is blank
        rz = None
    names = [str(c) for c in rc.columns]
    rows = []
    for i in range(len(names)):
        for j in range(i):
            z = float(rz.iloc[i, j]) if rz is not None else float("nan")
            rows.append((group or "", names[i], names[j], float(rc.iloc[i, j]), z))
    data = pd.DataFrame(rows, columns=["group", "var1", "var2", "resid_cor", "std_resid"])
    order = data["resid_cor"].abs().sort_values(ascending=False, kind="stable").index
    return data.loc[order[: max(int(top), 1)]].reset_index(drop=True)


def local_fit_table(
    result: Any, *, top: int = 10, number: int = 1, title: str | None = None, lang: str = "en"
) -> Table:
    """The largest residual correlations (local fit), with their standardized residuals.

    ``result.residuals("cor")`` (lavaan ``"cor.bollen"``) ranked by absolute size; the
    standardized residual (*z*) of the same covariance from ``result.residuals
    ("standardized")``. Kline (2016): an absolute *r* above .10 flags local misfit.

    Examples
    --------
    >>> import loyaltysem as ls
    >>> t = local_fit_table(ls.fit(ls.DEFAULT_MODEL, ls.load_ecommerce()), top=3)
    >>> len(t.data)
    3
    """
    lang = check_lang(lang)
    _sem(result, "local_fit_table")
    _need(result, ("residuals",), "local_fit_table", "pass ls.fit(...)")
    groups = _group_labels(result)
    data = pd.concat(
        [_largest_residuals(result, g, top) for g in (groups or (None,))], ignore_index=True
    )
    t = _T[lang]
    columns = (
        Column(t["var1"], ("var1",), "text"),
        Column(t["var2"], ("var2",), "text"),
        Column("Residual *r*" if lang == "en" else "残差 *r*", ("resid_cor",), "bounded", 3),
        Column("*z*", ("std_resid",), "number", 2),
    )
    note = (
        f"注：{_sample_note(result, lang)}残差相关 = 样本相关 − 模型隐含相关；"
        "|r| > .10 提示局部不拟合（Kline, 2016）；z = 标准化残差。"
        if lang == "zh"
        else f"Note. {_sample_note(result, lang)} Residual r = sample minus model-implied "
        "correlation; |r| > .10 flags local misfit (Kline, 2016); z = standardized residual."
    )
    return Table(
        data=data,
        columns=columns,
        number=number,
        title=title or t["local_title"],
        note=note + (("" if lang == "zh" else " ") + _group_note(result, lang) if groups else ""),
        status=result.status,
        group="group" if groups else None,
        lang=lang,
    )


# ---------------------------------------------------------------------- sample
_T["en"].update(
    {
        "sample_title": "Sample: From Responses Received to Analysed, and Demographics",
        "flow": "Sample flow",
        "received": "Responses received",
        "excluded_any": "Excluded in screening (any reason)",
        "excluded_reason": "Excluded: {reason}",
        "after": "Remaining after screening",
        "listwise": "Excluded listwise (missing answers on model variables)",
        "analysed": "Analysed",
        "category": "Category",
        "missing_value": "(missing)",
    }
)
_T["zh"].update(
    {
        "sample_title": "样本：从回收问卷到分析样本，以及人口统计特征",
        "flow": "样本流程",
        "received": "回收问卷",
        "excluded_any": "筛查剔除（任一原因）",
        "excluded_reason": "剔除：{reason}",
        "after": "筛查后保留",
        "listwise": "列删除（模型变量有缺失）",
        "analysed": "进入分析",
        "category": "类别",
        "missing_value": "（缺失）",
    }
)
_REASON_ZH = {
    "missing": "缺失过多",
    "longstring": "长串相同作答",
    "irv": "作答变异过低（IRV）",
    "outlier": "多元离群值",
    "speeder": "作答过快",
}


def _received(survey: Any, excluded: pd.DataFrame | None) -> tuple[pd.DataFrame | None, int]:
    """The exclusions to show and the responses received, from a raw or a cleaned survey.

    A cleaned survey (``survey.clean(report)``) holds only the kept respondents and lists
    the others in ``survey.exclusions``: they count as received, and they are the
    exclusions (``excluded``, when also given, must name the same respondents).
    """
    applied = getattr(survey, "exclusions", None)
    if not isinstance(applied, pd.DataFrame) or applied.empty:
        return excluded, int(survey.n)
    if excluded is not None and set(map(str, excluded.index)) != set(map(str, applied.index)):
        raise ReportError(
            "sample_table: the cleaned survey left out other respondents than excluded= names",
            found=f"{len(applied)} left out by clean(), {len(excluded)} in excluded=",
            expected="the exclusions of the screening the survey was cleaned with",
            fix="pass the survey before cleaning with excluded=report.exclusions(), or the "
            "cleaned survey without excluded=",
        )
    return applied, int(survey.n) + len(applied)


def sample_table(
    survey: Any,
    *,
    excluded: pd.DataFrame | None = None,
    result: Any = None,
    columns: Sequence[str] | None = None,
    number: int = 1,
    title: str | None = None,
    lang: str = "en",
) -> Table:
    """The sample flow (received, excluded by reason, analysed) and the demographics.

    The flow: responses received (``survey.n``, plus the respondents a cleaned survey
    left out); the respondents a screening policy excludes, per reason, from ``excluded``
    (``survey.screen().exclusions()``: one row per excluded respondent, reasons joined by
    ``"; "``; a respondent can have several), or those a cleaned survey
    (``survey.clean(report)``) records in ``survey.exclusions``; the
    listwise exclusions and the analysed N of a fit (``result.provenance``). The
    demographics: frequencies and percentages of the codebook's group columns (or
    ``columns``), with their value labels (``survey.labelled_covariates``).

    Examples
    --------
    >>> import loyaltysem as ls
    >>> s = ls.load_ecommerce()
    >>> t = sample_table(s, excluded=s.screen().exclusions(), columns=["gender"])
    >>> t.cells()[0]
    ['Responses received', '1225', '100.0']
    >>> cleaned = s.clean(s.screen())  # the same flow from the cleaned survey
    >>> sample_table(cleaned, columns=["gender"]).cells()[:5] == t.cells()[:5]
    True
    """
    lang = check_lang(lang)
    _need(survey, ("n", "codebook"), "sample_table", "pass the Survey (ls.read_survey(...))")
    t = _T[lang]
    excluded, n = _received(survey, excluded)
    rows: list[dict[str, Any]] = [{"section": t["flow"], "category": t["received"], "n": float(n)}]
    if excluded is not None:
        reasons: dict[str, int] = {}
        for text in excluded.get("reasons", pd.Series(dtype=str)).astype(str):
            for r in (x.strip() for x in text.split(";")):
                if r:
                    reasons[r] = reasons.get(r, 0) + 1
        for r, k in reasons.items():
            name = _REASON_ZH.get(r, r) if lang == "zh" else r
            rows.append(
                {
                    "section": t["flow"],
                    "category": t["excluded_reason"].format(reason=name),
                    "n": float(k),
                }
            )
        rows.append(
            {"section": t["flow"], "category": t["excluded_any"], "n": float(len(excluded))}
        )
        rows.append({"section": t["flow"], "category": t["after"], "n": float(n - len(excluded))})
    if result is not None:
        _sem(result, "sample_table")
        prov = result.provenance
        rows.append(
            {"section": t["flow"], "category": t["listwise"], "n": float(prov.n_excluded or 0)}
        )
        rows.append({"section": t["flow"], "category": t["analysed"], "n": float(prov.n)})
    for r in rows:
        r["pct"] = 100.0 * r["n"] / n if n else float("nan")
    labelled = getattr(survey, "labelled_covariates", None)
    frame = labelled() if callable(labelled) else labelled
    cols = list(columns) if columns is not None else list(survey.codebook.group_columns)
    for col in cols:
        if frame is None or col not in frame.columns:
            raise ReportError(
                f"sample_table: no column {col!r} among the survey's covariates",
                found=col,
                expected=", ".join(map(str, [] if frame is None else frame.columns)),
                fix="pass columns= with covariate names of the codebook",
            )
        values = frame[col]
        counts = values.value_counts(dropna=False, sort=False)
        try:
            counts = counts.sort_index()
        except TypeError:  # mixed types: keep the order of appearance
            pass
        for value, k in counts.items():
            missing = value is None or (isinstance(value, float) and math.isnan(value))
            rows.append(
                {
                    "section": str(col),
                    "category": t["missing_value"] if missing else str(value),
                    "n": float(k),
                    "pct": 100.0 * float(k) / len(values) if len(values) else float("nan"),
                }
            )
    data = pd.DataFrame(rows, columns=["section", "category", "n", "pct"])
    columns_ = (
        Column(t["category"], ("category",), "text"),
        Column("*n*", ("n",), "integer"),
        Column("%", ("pct",), "percent", 1),
    )
    if lang == "zh":
        note = f"注：百分比以回收问卷数（N = {n}）为基数；一个应答者可有多个剔除原因。"
    else:
        note = (
            f"Note. Percentages of the {n} responses received; a respondent can be excluded "
            "for several reasons."
        )
    if result is not None:
        fitted = int(result.provenance.n) + int(result.provenance.n_excluded or 0)
        expected = n - (len(excluded) if excluded is not None else 0)
        if fitted != expected:  # the fit was not run on the screened sample: say so
            note += (
                f"模型拟合所用的数据有 {fitted} 行，而非筛查后保留的 {expected} 行。"
                if lang == "zh"
                else f" The model was fitted to {fitted} rows, not to the {expected} rows "
                "remaining after screening."
            )
    return Table(
        data=data,
        columns=columns_,
        number=number,
        title=title or t["sample_title"],
        note=note,
        status=result.status if result is not None else Status(),
        group="section",
        lang=lang,
    )


# ---------------------------------------------------------------------- constructs
_T["en"]["construct_title"] = "Means, Standard Deviations and Correlations of the Constructs"
_T["zh"]["construct_title"] = "构念的均值、标准差与相关"


def construct_table(
    report: Any,
    survey: Any,
    *,
    number: int = 1,
    title: str | None = None,
    lang: str = "en",
) -> Table:
    """The construct table every thesis has: *M*, *SD*, correlations with stars, √AVE.

    *M* and *SD* are those of the construct scores, the mean of each respondent's answers
    to the construct's items (``survey.data``, already reverse-coded; items a respondent
    skipped are left out of their mean). The correlations are the latent correlations of
    the CFA (``report.fornell_larcker``, below the diagonal) with the stars of the CFA's
    covariance tests (``report.cfa.estimates``, lavaan ``parameterEstimates``); the
    diagonal holds √AVE (Fornell & Larcker, 1981).

    Examples
    --------
    >>> import loyaltysem as ls
    >>> s = ls.load_ecommerce()
    >>> mr = ls.validate(s, ls.DEFAULT_MODEL, n_boot=0, run_efa=False, common_method=False)
    >>> construct_table(mr, s).cells()[1][:5]
    ['2. Transaction security', '4.90', '1.27', '.50***', '.75']
    """
    lang = check_lang(lang)
    _need(
        report,
        ("fornell_larcker", "constructs", "cfa", "status"),
        "construct_table",
        "pass ls.validate(...)",
    )
    _need(survey, ("data", "codebook"), "construct_table", "pass the Survey as second argument")
    labels = _labels(survey.codebook, lang)
    fl = report.fornell_larcker.astype(float)
    codes = [str(c) for c in fl.columns]
    est = report.cfa.estimates
    cov = est[(est["op"] == "~~") & (est["lhs"] != est["rhs"])]
    pval = {}
    for _, r in cov.iterrows():
        pval[(str(r["lhs"]), str(r["rhs"]))] = pval[(str(r["rhs"]), str(r["lhs"]))] = float(
            r["pvalue"]
        )
    rows = []
    for i, code in enumerate(codes):
        items = [str(x) for x in report.constructs[code]]
        score = survey.data[items].astype(float).mean(axis=1, skipna=True)
        row: dict[str, Any] = {
            "construct_code": code,
            "construct": f"{i + 1}. {labels.get(code, code)}",
            "mean": float(score.mean()),
            "sd": float(score.std(ddof=1)),
        }
        for j, other in enumerate(codes):
            if j < i:
                row[other] = float(fl.loc[code, other])
                row["p_" + other] = pval.get((code, other), float("nan"))
            elif j == i:
                row[other] = float(fl.loc[code, code])  # sqrt(AVE)
                row["p_" + other] = float("nan")
            else:
                row[other] = float("nan")
                row["p_" + other] = float("nan")
        rows.append(row)
    data = pd.DataFrame(rows)
    t = _T[lang]
    cols = [
        Column(t["construct"], ("construct",), "text"),
        Column("*M*", ("mean",), "number", 2),
        Column("*SD*", ("sd",), "number", 2),
    ]
    cols += [Column(str(j + 1), (c,), "bounded", 2, stars="p_" + c) for j, c in enumerate(codes)]
    if lang == "zh":
        note = (
            "注：M、SD 为构念得分（题项均值）的均值与标准差；对角线为 AVE 的平方根，"
            f"对角线以下为验证性因子分析的潜变量相关。{_stars_note(lang)}"
        )
    else:
        note = (
            "Note. M and SD of the construct scores (mean of the items); the square root of "
            "the AVE on the diagonal; below it, the latent correlations of the "
            f"CFA. {_stars_note(lang)}"
        )
    return Table(
        data=data,
        columns=tuple(cols),
        number=number,
        title=title or t["construct_title"],
        note=note,
        status=report.status,
        lang=lang,
    )


# ---------------------------------------------------------------------- provenance
_T["en"].update(
    {
        "prov_title": "Provenance of the Results",
        "result": "Result",
        "estimator": "Estimator",
        "excluded": "Excluded",
        "seed": "Seed",
        "hash": "Data SHA-256",
    }
)
_T["zh"].update(
    {
        "prov_title": "结果的来源信息",
        "result": "结果",
        "estimator": "估计方法",
        "excluded": "排除",
        "seed": "随机种子",
        "hash": "数据 SHA-256",
    }
)


def provenance_table(
    results: Mapping[str, Any], *, number: int = 1, title: str | None = None, lang: str = "en"
) -> Table:
    """Where each result came from: estimator, N, exclusions, seed, data hash and versions.

    Design.md §6: every report carries its provenance. One row per result that has a
    ``provenance`` (a fit, the CFA of a validation, a bootstrap's seed); the library
    versions of the first result are listed in the note.

    Parameters
    ----------
    results : mapping of str to result
        Name shown -> result (``{"Structural model": fit, "Validation": report}``); a
        :class:`~loyaltysem.measurement.validity.MeasurementReport` gives its CFA's provenance, a
        bootstrap its seed and draws.
    number, title, lang
        As in :func:`fit_table`.

    Returns
    -------
    Table

    Raises
    ------
    ReportError
        When no result has a provenance.

    Examples
    --------
    >>> import loyaltysem as ls
    >>> res = ls.fit(ls.DEFAULT_MODEL, ls.load_ecommerce())
    >>> t = provenance_table({"Model": res})
    >>> t.cells()[0][:3]
    ['Model', 'ML', '1059']
    >>> t.data.loc[0, "data_hash"] == res.provenance.data_hash
    True
    """
    lang = check_lang(lang)
    rows = []
    versions: Mapping[str, str] = {}
    for name, res in results.items():
        prov = getattr(res, "provenance", None)
        if prov is None and getattr(res, "cfa", None) is not None:
            prov = getattr(res.cfa, "provenance", None)
        if prov is not None:
            versions = versions or dict(getattr(prov, "versions", {}) or {})
            seed = prov.random_state
            rows.append(
                {
                    "result": str(name),
                    "estimator": str(prov.estimator),
                    "n": int(prov.n),
                    "n_excluded": int(prov.n_excluded or 0),
                    "seed": "" if seed is None else str(seed),
                    "data_hash": prov.data_hash or "",
                }
            )
        elif hasattr(res, "n_boot") and hasattr(res, "random_state"):  # a bootstrap
            seed = res.random_state
            rows.append(
                {
                    "result": f"{name} ({int(res.n_boot)} draws)",
                    "estimator": str(getattr(res, "kind", "")),
                    "n": float("nan"),
                    "n_excluded": float("nan"),
                    "seed": "" if seed is None else str(seed),
                    "data_hash": "",
                }
            )
    if not rows:
        raise ReportError(
            "provenance_table found no result with a provenance",
            found=sorted(map(str, results)),
            expected="results of ls.fit, ls.validate or ls.bootstrap",
            fix="pass e.g. {'Model': ls.fit(model, survey)}",
        )
    data = pd.DataFrame(rows)
    data["hash_shown"] = [h[:16] + ("…" if len(h) > 16 else "") for h in data["data_hash"]]
    t = _T[lang]
    columns = (
        Column(t["result"], ("result",), "text"),
        Column(t["estimator"], ("estimator",), "text"),
        Column("*N*", ("n",), "integer"),
        Column(t["excluded"], ("n_excluded",), "integer"),
        Column(t["seed"], ("seed",), "text"),
        Column(t["hash"], ("hash_shown",), "text"),
    )
    listed = ", ".join(f"{k} {v}" for k, v in versions.items())
    note = (
        f"注：软件版本：{listed}。数据 SHA-256 为所分析数据的哈希（显示前 16 位）。"
        if lang == "zh"
        else f"Note. Software: {listed}. Data SHA-256 is the hash of the analysed data "
        "(first 16 hex digits shown)."
    )
    statuses = {str(k): r.status for k, r in results.items() if hasattr(r, "status")}
    return Table(
        data=data,
        columns=columns,
        number=number,
        title=title or t["prov_title"],
        note=note,
        status=Status.combine(statuses) if statuses else Status(),
        lang=lang,
    )
