"""Figures a reader would rather look at than read, each drawn from the result that holds it.

Six figures, in APA style (figure number in bold, title in italics, a note below; no chart
junk), drawn with matplotlib on a :class:`matplotlib.figure.Figure` (never through pyplot,
so nothing is shown and nothing leaks):

- :func:`likert_figure`: stacked (diverging or 100 %) Likert bars per item, grouped by
  construct, with the codebook's value labels and the missing answers per item;
- :func:`missing_figure`: the missing-data patterns of :func:`loyaltysem.missing_patterns`
  (as mice's ``md.pattern()`` or naniar's ``gg_miss_upset()``);
- :func:`htmt_figure`: the HTMT heatmap of :func:`loyaltysem.validate`, the threshold
  marked and the bootstrap upper bounds shown;
- :func:`residual_figure`: the residual correlations of a fit, |*r*| > .10 marked (Kline);
- :func:`forest_figure`: indirect and total effects with their intervals;
- :func:`invariance_figure`: the invariance ladder, ΔCFI and ΔRMSEA per step against Chen's
  (2007) cut-offs.

Every figure is a :class:`Figure`: the matplotlib figure, its number, title and note, the
numbers plotted (``data``, taken from the result, never recomputed) and the result's
status. A figure of an improper or non-converged result says so in red under its title.
Chinese (``lang="zh"``) takes the construct labels and item wordings from the codebook and
needs a CJK font (:func:`~loyaltysem.report.diagrams.find_cjk_font`); without one a
:class:`~loyaltysem.errors.LoyaltySemWarning` says how to install it and the figure shows
codes and English text.

Examples
--------
>>> import loyaltysem as ls
>>> from loyaltysem.report.figures import residual_figure
>>> fig = residual_figure(ls.fit(ls.DEFAULT_MODEL, ls.load_ecommerce()))
>>> fig.kind, fig.improper, int(fig.data["flagged"].sum())
('residual', False, 0)
"""

from __future__ import annotations

import io
import math
import textwrap
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from matplotlib import colormaps, font_manager
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.colors import ListedColormap
from matplotlib.figure import Figure as MplFigure
from matplotlib.patches import Rectangle
from matplotlib.ticker import MaxNLocator
from matplotlib.transforms import blended_transform_factory
from scipy import stats

from loyaltysem.errors import LoyaltySemWarning, ReportError
from loyaltysem.report.diagrams import find_cjk_font
from loyaltysem.status import Status

__all__ = [
    "Figure",
    "forest_figure",
    "htmt_figure",
    "invariance_figure",
    "likert_figure",
    "missing_figure",
    "residual_figure",
    "trend_figure",
]

_TITLE_PT = 11.0
_TEXT_PT = 8.0
_NOTE_PT = 7.5
_SMALL_PT = 6.5
_MINUS = "−"

_WORDS = {
    "en": {
        "figure": "Figure",
        "note": "Note.",
        "improper": "improper solution",
        "likert": "Distribution of Answers per Item",
        "missing": "Missing-Data Patterns",
        "htmt": "Discriminant Validity: Heterotrait–Monotrait Ratios (HTMT)",
        "residual": "Residual Correlations (Local Fit)",
        "forest": "Indirect and Total Effects with Confidence Intervals",
        "invariance": "Measurement Invariance: Change in Fit per Step",
        "pct": "Percentage of answers",
        "miss_col": "Missing",
        "total": "total",
        "total_indirect": "total indirect",
        "not_fitted": "not fitted",
    },
    "zh": {
        "figure": "图",
        "note": "注：",
        "improper": "不当解",
        "likert": "各题项的作答分布",
        "missing": "缺失数据模式",
        "htmt": "区分效度：异质–单质比率（HTMT）",
        "residual": "残差相关（局部拟合）",
        "forest": "间接效应与总效应及其置信区间",
        "invariance": "测量不变性：各步骤的拟合变化",
        "pct": "作答百分比",
        "miss_col": "缺失",
        "total": "总效应",
        "total_indirect": "总间接效应",
        "not_fitted": "未拟合",
    },
}
_LEVEL_ZH = {
    "configural": "形态",
    "metric": "弱（载荷）",
    "scalar": "强（截距）",
    "strict": "严格（残差）",
    "thresholds": "阈值",
}
_DECISION_ZH = {
    "baseline": "基线",
    "supported": "支持",
    "partially supported": "部分支持",
    "not supported": "不支持",
    "not tested": "未检验",
    "failed": "失败",
}


# ---------------------------------------------------------------------------------------
# the result type


@dataclass(eq=False)
class Figure:
    """A drawn figure with its number, title, note, plotted numbers and status.

    Attributes
    ----------
    figure : matplotlib.figure.Figure
        The drawing (Agg canvas; save it with :meth:`save` or :meth:`to_svg`).
    kind : str
        ``"likert"``, ``"missing"``, ``"htmt"``, ``"residual"``, ``"forest"`` or
        ``"invariance"``.
    number : int
        The figure number (``Figure 1``).
    title : str
        The title (without number and status).
    caption : str
        The note under the figure (what is plotted, N, thresholds and their sources).
    status : Status
        The status of the result(s) drawn; when it is not ``ok`` the figure shows it in red
        under the title and the caption lists the reasons.
    data : DataFrame
        The numbers plotted, as the result holds them (full precision).
    lang : {"en", "zh"}
        The language actually drawn (``"en"`` when Chinese was asked for but no CJK font
        was found).
    axes : tuple of matplotlib.axes.Axes
        The plot areas (for checks of the drawn artists).
    """

    figure: MplFigure = field(repr=False)
    kind: str
    number: int
    title: str
    caption: str
    status: Status
    data: pd.DataFrame = field(repr=False)
    lang: str = "en"
    axes: tuple[Any, ...] = field(default=(), repr=False)

    @property
    def improper(self) -> bool:
        """Whether the result drawn is improper or did not converge (``not status.ok``)."""
        return not self.status.ok

    def save(self, path: str | Path, *, dpi: int = 200) -> Path:
        """Write the figure to ``.svg``, ``.png`` or ``.pdf`` (chosen by the suffix).

        Raises
        ------
        ReportError
            For another suffix.

        Examples
        --------
        >>> import loyaltysem as ls, tempfile, pathlib
        >>> fig = missing_figure(ls.load_ecommerce())
        >>> with tempfile.TemporaryDirectory() as d:
        ...     fig.save(pathlib.Path(d) / "missing.png").stat().st_size > 1000
        True
        """
        path = Path(path)
        if path.suffix.lower() not in (".svg", ".png", ".pdf"):
            raise ReportError(
                "unknown figure format",
                found=path.name,
                expected=".svg, .png or .pdf",
                fix="give the file name one of these suffixes",
            )
        self.figure.savefig(path, dpi=dpi, format=path.suffix.lower()[1:])
        return path

    def to_svg(self) -> str:
        """The figure as an SVG document (text as paths: no font needed to view it).

        Examples
        --------
        >>> import loyaltysem as ls
        >>> missing_figure(ls.load_ecommerce()).to_svg().lstrip().startswith("<?xml")
        True
        """
        buffer = io.StringIO()
        self.figure.savefig(buffer, format="svg")
        return buffer.getvalue()

    def _repr_svg_(self) -> str:
        return self.to_svg()

    def __repr__(self) -> str:
        state = "ok" if self.status.ok else f"improper: {self.status.label}"
        return f"<Figure {self.number} {self.kind!r}: {self.title} ({state})>"


# ---------------------------------------------------------------------------------------
# shared helpers


def _lang(lang: str) -> str:
    if lang not in _WORDS:
        raise ReportError(
            "unknown figure language",
            found=lang,
            expected="'en' or 'zh'",
            fix="pass lang='en' or lang='zh'",
        )
    return lang


def _need(obj: object, attrs: Sequence[str], what: str, expected: str, fix: str) -> None:
    if obj is None or not all(hasattr(obj, a) for a in attrs):
        raise ReportError(
            f"{what} cannot draw a {type(obj).__name__}",
            found=type(obj).__name__,
            expected=expected,
            fix=fix,
        )


def _fonts(lang: str) -> tuple[font_manager.FontProperties, str]:
    """The font to draw with and the language actually drawn (a warning when no CJK font)."""
    prop = font_manager.FontProperties(family="DejaVu Sans")
    if lang != "zh":
        return prop, lang
    font = find_cjk_font()
    if font is None:
        warnings.warn(
            "no font with Chinese characters was found, so the figure shows codes and English"
            " text; install one (Debian/Ubuntu: apt-get install fonts-noto-cjk; macOS and"
            " Windows have one) and clear matplotlib's font cache (~/.cache/matplotlib)",
            LoyaltySemWarning,
            stacklevel=3,
        )
        return prop, "en"
    return font_manager.FontProperties(fname=str(font)), "zh"


def _sized(prop: font_manager.FontProperties, size: float) -> font_manager.FontProperties:
    out = prop.copy()
    out.set_size(size)
    return out


def _style_ticks(ax: Any, prop: font_manager.FontProperties, size: float = _TEXT_PT) -> None:
    for label in [*ax.get_xticklabels(), *ax.get_yticklabels()]:
        label.set_fontproperties(_sized(prop, size))


def _num(value: float, decimals: int = 2, *, leading_zero: bool = False, sign: bool = False):
    """APA number: no leading zero (bounded quantities), typographic minus."""
    if value is None or not np.isfinite(value):
        return "NA"
    text = f"{abs(value):.{decimals}f}"
    if not leading_zero and text.startswith("0."):
        text = text[1:]
    if value < 0 and text.strip("0.") != "":
        return _MINUS + text
    if sign and value > 0 and text.strip("0.") != "":
        return "+" + text
    return text


def _codebook(source: Any) -> Any:
    if source is None:
        return None
    return getattr(source, "codebook", source)


def _construct_labels(codebook: Any, lang: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for code, c in (getattr(codebook, "constructs", None) or {}).items():
        label = (c.label_zh if lang == "zh" else "") or (c.label if lang == "en" else "")
        out[str(code)] = str(label) if label else str(code)
    return out


def _wording(codebook: Any, item: str, lang: str) -> str:
    if codebook is None:
        return ""
    try:
        it = codebook.item(item)
    except (KeyError, ValueError, LookupError):
        return ""
    return str((it.text_zh if lang == "zh" else it.text) or "").strip()


def _shorten(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1].rstrip() + "…"


def _wrap(text: str, width_in: float, lang: str, size: float = _NOTE_PT) -> list[str]:
    per_char = size / 72 * (0.95 if lang == "zh" else 0.52)
    width = max(20, int(width_in / per_char))
    lines: list[str] = []
    for paragraph in text.split("\n"):
        lines += textwrap.wrap(paragraph, width=width) or [""]
    return lines


@dataclass
class _Canvas:
    figure: MplFigure
    axes: list[Any]


def _canvas(
    *,
    width: float,
    axes_h: float,
    left: float,
    right: float,
    bottom: float,
    top_extra: float,
    number: int,
    title: str,
    caption: str,
    status: Status,
    prop: font_manager.FontProperties,
    lang: str,
    ncols: int = 1,
    gap: float = 0.6,
) -> _Canvas:
    """An APA figure: number (bold), title (italic), status in red, plot areas, a note."""
    words = _WORDS[lang]
    improper = not status.ok
    width = max(width, 5.0)
    flag = _wrap(f"({words['improper']}: {status.label})", width - 0.3, lang, _TEXT_PT + 1)
    note = f"{words['note']} {caption}" if lang == "en" else f"{words['note']}{caption}"
    lines = _wrap(note, width - 0.3, lang)
    cap_h = 0.14 * len(lines) + 0.2
    head_h = 0.62 + (0.17 * len(flag) + 0.03 if improper else 0.0)
    top_h = head_h + top_extra
    fig_h = top_h + axes_h + bottom + cap_h
    fig = MplFigure(figsize=(width, fig_h))
    FigureCanvasAgg(fig)
    x0 = 0.15 / width
    bold = _sized(prop, _TITLE_PT)
    if lang == "en":
        bold.set_weight("bold")
    fig.text(x0, 1 - 0.12 / fig_h, f"{words['figure']} {number}", fontproperties=bold, va="top")
    italic = _sized(prop, _TITLE_PT)
    if lang == "en":
        italic.set_style("italic")
    fig.text(x0, 1 - 0.36 / fig_h, title, fontproperties=italic, va="top")
    if improper:
        fig.text(
            x0,
            1 - 0.60 / fig_h,
            "\n".join(flag),
            fontproperties=_sized(prop, _TEXT_PT + 1),
            va="top",
            color="red",
        )
    fig.text(
        x0,
        (cap_h - 0.08) / fig_h,
        "\n".join(lines),
        fontproperties=_sized(prop, _NOTE_PT),
        va="top",
        color="red" if improper else "black",
        linespacing=1.35,
    )
    plot_w = (width - left - right - gap * (ncols - 1)) / ncols
    axes = []
    for k in range(ncols):
        rect = (
            (left + k * (plot_w + gap)) / width,
            (cap_h + bottom) / fig_h,
            plot_w / width,
            axes_h / fig_h,
        )
        axes.append(fig.add_axes(rect))
    return _Canvas(fig, axes)


def _status_note(status: Status, lang: str) -> str:
    if status.ok:
        return ""
    reasons = status.problems() or status.reasons
    shown = "; ".join(str(r) for r in reasons[:3])
    if lang == "zh":
        return f" 警告：解不合理（{shown}），图中数值不能按正常模型解读。"
    return (
        f" WARNING: improper solution ({shown}); do not read these numbers as if the model "
        "were fine."
    )


def _apa_axes(ax: Any) -> None:
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    ax.tick_params(length=3, width=0.6)


# ---------------------------------------------------------------------------------------
# 1. Likert bars


def likert_figure(
    source: Any,
    *,
    codebook: Any = None,
    lang: str = "en",
    items: Sequence[str] | None = None,
    style: str = "diverging",
    wording: bool = True,
    number: int = 1,
    title: str | None = None,
) -> Figure:
    """Stacked Likert bars per item, grouped by construct, with the missing answers.

    Parameters
    ----------
    source : Survey or DataFrame
        A :class:`~loyaltysem.survey.Survey` (its answers and codebook) or a DataFrame of
        item answers (then pass ``codebook`` for the scale, groups, wordings and labels).
        A screening report keeps per-item descriptives, not the answers, so it cannot be
        drawn: pass the survey it was made from.
    codebook : Codebook or Survey, optional
        Overrides the survey's codebook.
    lang : {"en", "zh"}
        Language of the construct labels, item wordings and value labels.
    items : sequence of str, optional
        The items to draw (default: every codebook item in the data, by construct).
    style : {"diverging", "stacked"}
        Bars centred on the scale's midpoint (the neutral answer split in half), or 100 %
        stacked bars starting at 0.
    wording : bool, default True
        Label the bars with the item wording after the code.
    number, title
        The figure number and title.

    Returns
    -------
    Figure
        ``data``: one row per item with ``construct``, the count of every scale point
        (columns ``1 … k``), ``answered`` and ``missing``; the bars are the counts in
        percent of ``answered``.

    Raises
    ------
    ReportError
        For another input, an unknown item or non-integer answers.

    Notes
    -----
    As ``likert::likert()`` in R (``plot(likert(items), centered = TRUE)``). The answers are
    drawn as the survey holds them: reverse-keyed items are shown recoded (the note names
    them).

    Examples
    --------
    >>> import loyaltysem as ls
    >>> fig = likert_figure(ls.load_ecommerce(), items=["REP1", "REP2"])
    >>> fig.data.loc["REP1", [1, 7, "answered", "missing"]].tolist()
    [39, 189, 1219, 6]
    """
    lang = _lang(lang)
    if style not in ("diverging", "stacked"):
        raise ReportError(
            "unknown Likert figure style",
            found=style,
            expected="'diverging' or 'stacked'",
            fix="pass style='diverging' (centred on the neutral answer) or style='stacked'",
        )
    if isinstance(source, pd.DataFrame):
        frame, cb = source, _codebook(codebook)
    elif hasattr(source, "data") and hasattr(source, "codebook") and hasattr(source, "screen"):
        frame, cb = source.data, _codebook(codebook) or source.codebook
    elif hasattr(source, "careless") and hasattr(source, "mardia"):
        raise ReportError(
            "a screening report keeps per-item descriptives, not the answers a Likert figure "
            "counts",
            found=type(source).__name__,
            expected="a Survey (ls.load_survey / ls.load_ecommerce) or a DataFrame of answers",
            fix="pass the survey the report was made from: likert_figure(survey)",
        )
    else:
        raise ReportError(
            "likert_figure draws the answers of a survey",
            found=type(source).__name__,
            expected="a Survey or a DataFrame of item answers",
            fix="pass the survey: likert_figure(ls.load_survey(...))",
        )
    prop, drawn = _fonts(lang)
    words = _WORDS[drawn]

    # the items, by construct
    groups: list[tuple[str, list[str]]] = []
    if cb is not None:
        for construct, members in cb.construct_items.items():
            present = [i for i in members if i in frame.columns]
            if present:
                groups.append((str(construct), present))
    else:
        numeric = [str(c) for c in frame.columns if pd.api.types.is_numeric_dtype(frame[c])]
        groups.append(("", numeric))
    if items is not None:
        unknown = [i for i in items if i not in frame.columns]
        if unknown:
            raise ReportError(
                "unknown items",
                found=", ".join(map(str, unknown)),
                expected="columns of the data: " + ", ".join(map(str, list(frame.columns)[:10])),
                fix="pass item names as they appear in the codebook",
            )
        wanted = list(items)
        member_of = {i: g for g, m in groups for i in m}
        groups = [
            (g, [i for i in wanted if member_of.get(i, "") == g])
            for g in dict.fromkeys(member_of.get(i, "") for i in wanted)
        ]
    names = [i for _, members in groups for i in members]
    if not names:
        raise ReportError(
            "no items to draw",
            found="none of the codebook's items is in the data",
            expected="item columns named as in the codebook",
            fix="pass items=[...] or the survey read with its codebook",
        )

    # the scale
    answers = frame[names].apply(pd.to_numeric, errors="coerce")
    values = answers.to_numpy(float)
    observed = values[~np.isnan(values)]
    if observed.size and not np.all(np.isclose(observed, np.round(observed))):
        raise ReportError(
            "Likert bars need integer answers",
            found="non-integer answers in " + ", ".join(names[:5]),
            expected="answers on an integer rating scale",
            fix="draw only Likert items (items=[...])",
        )
    lows, highs = [], []
    for i in names:
        it = None
        if cb is not None:
            try:
                it = cb.item(i)
            except (KeyError, ValueError, LookupError):
                it = None
        col = answers[i]
        lows.append(it.min if it is not None and it.min is not None else col.min())
        highs.append(it.max if it is not None and it.max is not None else col.max())
    lo, hi = int(np.nanmin(lows)), int(np.nanmax(highs))
    points = list(range(lo, hi + 1))
    counts = pd.DataFrame(
        {p: (answers == p).sum(axis=0).astype(int) for p in points}, index=pd.Index(names)
    )
    data = counts.copy()
    data.insert(0, "construct", [g for g, m in groups for _ in m])
    data["answered"] = counts.sum(axis=1)
    data["missing"] = answers.isna().sum(axis=0).astype(int)
    data.index.name = "item"
    pct = counts.div(data["answered"].replace(0, np.nan), axis=0).fillna(0.0) * 100

    # value labels for the legend
    labels_by_lang = getattr(cb, "value_labels", None) or {}
    vlabels = dict(labels_by_lang.get(drawn) or labels_by_lang.get("en") or {})
    legend = [f"{p} {vlabels[float(p)]}" if float(p) in vlabels else str(p) for p in points]

    # rows (top to bottom): a heading per construct, then its items
    clabels = _construct_labels(cb, drawn) if cb is not None else {}
    rows: list[tuple[str, str]] = []  # (kind, name)
    for g, members in groups:
        if g and len(groups) > 1:
            rows.append(("heading", g))
        rows += [("item", i) for i in members]
    ypos = {name: -k for k, (kind, name) in enumerate(rows) if kind == "item"}
    heads = {name: -k for k, (kind, name) in enumerate(rows) if kind == "heading"}

    def item_label(i: str) -> str:
        text = _wording(cb, i, drawn) if wording else ""
        limit = 26 if drawn == "zh" else 48
        return f"{i}  {_shorten(text, limit)}" if text else i

    ylabels = {i: item_label(i) for i in names}
    longest = max(len(v) * (1.8 if drawn == "zh" else 1.0) for v in ylabels.values())
    left = min(3.6, 0.35 + longest * _TEXT_PT / 72 * 0.55)
    k = len(points)
    mid = (lo + hi) / 2
    fig_w = max(left + 4.6, 5.0)
    entry_w = 0.35 + max(len(t) * (1.8 if drawn == "zh" else 1.0) for t in legend) * 0.05
    ncol = max(1, min(k, int((fig_w - 0.3) // entry_w)))
    nrow = math.ceil(k / ncol)
    reversed_items = [i for i in getattr(cb, "reversed_items", []) if i in names]
    if drawn == "zh":
        caption = (
            f"条形为各题项作答的百分比（以作答人数为基数）；右列为缺失作答占全部 "
            f"{len(frame)} 名受访者的百分比。"
        )
        if style == "diverging":
            caption += "条形以量表中点为中心，中间选项左右各占一半。"
        if reversed_items:
            caption += f"反向计分题项（{', '.join(reversed_items)}）按重新编码后的值显示。"
    else:
        caption = (
            "Bars: percentage of the answers to each item (of those who answered); right "
            f"column: missing answers in percent of the {len(frame)} respondents."
        )
        if style == "diverging":
            caption += " Bars are centred on the scale midpoint (the neutral answer split in half)."
        if reversed_items:
            caption += f" Reverse-keyed items ({', '.join(reversed_items)}) are shown recoded."
    status = Status()
    canvas = _canvas(
        width=fig_w,
        axes_h=0.24 * len(rows) + 0.1,
        left=left,
        right=0.7,
        bottom=0.45,
        top_extra=0.2 * nrow + 0.15,
        number=number,
        title=title or words["likert"],
        caption=caption,
        status=status,
        prop=prop,
        lang=drawn,
    )
    ax = canvas.axes[0]
    if k % 2 == 1:
        half = k // 2
        cmap = colormaps["RdBu"]
        colors = [cmap(0.04 + 0.3 * j / max(half - 1, 1)) for j in range(half)]
        colors += ["#d9d9d9"]
        colors += [cmap(0.66 + 0.3 * j / max(half - 1, 1)) for j in range(half)]
    else:
        colors = [colormaps["RdBu"](0.12 + 0.76 * j / (k - 1)) for j in range(k)]
    y = np.array([ypos[i] for i in names], float)
    if style == "diverging":
        below = pct[[p for p in points if p < mid]].sum(axis=1)
        centre = pct[[p for p in points if p == mid]].sum(axis=1) / 2
        start = -(below + centre).to_numpy(float)
    else:
        start = np.zeros(len(names))
    for p, color, text in zip(points, colors, legend, strict=True):
        widths = pct[p].to_numpy(float)
        ax.barh(
            y, widths, left=start, height=0.72, color=color, edgecolor="white", lw=0.4, label=text
        )
        start = start + widths
    if style == "diverging":
        ax.axvline(0, color="black", lw=0.6)
        ax.set_xlim(-100, 100)
        ticks = [-100, -50, 0, 50, 100]
        ax.set_xticks(ticks, [str(abs(t)) for t in ticks])
    else:
        ax.set_xlim(0, 100)
        ax.set_xticks([0, 25, 50, 75, 100])
    ax.set_ylim(-len(rows) + 0.4, 0.6)
    ax.set_yticks(y, [ylabels[i] for i in names])
    _apa_axes(ax)
    ax.tick_params(axis="y", length=0)
    ax.spines["left"].set_visible(False)
    ax.set_xlabel(words["pct"], fontproperties=_sized(prop, _TEXT_PT))
    trans = blended_transform_factory(ax.transAxes, ax.transData)
    for g, yy in heads.items():
        head = _sized(prop, _TEXT_PT + 0.5)
        if drawn == "en":
            head.set_weight("bold")
        ax.text(
            -left / (4.6 - 0.7) + 0.05 / (4.6 - 0.7),
            yy,
            f"{clabels.get(g, g)} ({g})" if clabels.get(g, g) != g else g,
            transform=trans,
            ha="left",
            va="center",
            fontproperties=head,
        )
    ax.text(1.03, 0.5, words["miss_col"], transform=trans, ha="left", va="center",
            fontproperties=_sized(prop, _SMALL_PT + 0.5))  # fmt: skip
    n_resp = max(len(frame), 1)
    for i in names:
        share = 100 * data.loc[i, "missing"] / n_resp
        ax.text(1.03, ypos[i], f"{share:.1f}%", transform=trans, ha="left", va="center",
                fontproperties=_sized(prop, _SMALL_PT), color="dimgray")  # fmt: skip
    # matplotlib fills legend columns first: reorder so that the scale reads along rows
    handles, texts = ax.get_legend_handles_labels()
    order = [r * ncol + c for c in range(ncol) for r in range(nrow) if r * ncol + c < k]
    ax.legend(
        [handles[j] for j in order],
        [texts[j] for j in order],
        loc="lower left",
        bbox_to_anchor=((0.1 - left) / (fig_w - left - 0.7), 1.0),
        ncol=ncol,
        frameon=False,
        prop=_sized(prop, _SMALL_PT + 0.5),
        handlelength=1.2,
        columnspacing=1.0,
    )
    _style_ticks(ax, prop)
    return Figure(
        canvas.figure, "likert", number, title or words["likert"], caption, status, data,
        drawn, (ax,),
    )  # fmt: skip


# ---------------------------------------------------------------------------------------
# 2. missing-data patterns


def missing_figure(
    source: Any,
    *,
    max_patterns: int = 20,
    lang: str = "en",
    number: int = 1,
    title: str | None = None,
) -> Figure:
    """The missing-data patterns: which items are missing together, and how often.

    Parameters
    ----------
    source : MissingPatterns or Survey
        From :func:`loyaltysem.missing_patterns` (a survey is passed through it).
    max_patterns : int, default 20
        Draw the most frequent patterns only; the note counts the rest.
    lang : {"en", "zh"}
    number, title
        The figure number and title.

    Returns
    -------
    Figure
        ``data``: the patterns drawn (``patterns.table``: 1 = observed, 0 = missing, ``n``
        and ``n_missing`` per pattern). Without missing data the figure says so in words.

    Notes
    -----
    As ``mice::md.pattern()`` in R: rows are patterns (the most frequent first), dark cells
    are missing answers, the left margin counts the respondents with the pattern, the right
    margin the items missing in it, the bottom margin the missing answers per item (from the
    result's pairwise coverage).

    Examples
    --------
    >>> import loyaltysem as ls
    >>> fig = missing_figure(ls.missing_patterns(ls.load_ecommerce()), max_patterns=5)
    >>> fig.data["n"].tolist()
    [1059, 13, 10, 8, 8]
    """
    lang = _lang(lang)
    if hasattr(source, "data") and hasattr(source, "codebook") and hasattr(source, "screen"):
        from loyaltysem.survey.missingness import missing_patterns

        source = missing_patterns(source)
    _need(
        source,
        ("table", "coverage", "n", "n_complete", "missing_cells"),
        "missing_figure",
        "a MissingPatterns (ls.missing_patterns(survey)) or a Survey",
        "pass ls.missing_patterns(survey) or the survey",
    )
    if int(max_patterns) < 1:
        raise ReportError(
            "max_patterns must be at least 1",
            found=max_patterns,
            expected="a positive integer",
            fix="pass max_patterns=20",
        )
    prop, drawn = _fonts(lang)
    words = _WORDS[drawn]
    tab = source.table
    items = [str(c) for c in tab.columns if c not in ("n", "n_missing")]
    n, n_items = int(source.n), len(items)
    status = Status()
    if int(source.missing_cells) == 0:
        caption = (
            f"没有缺失数据：全部 {n} 名受访者回答了全部 {n_items} 个题项。"
            if drawn == "zh"
            else f"No missing data: all {n} respondents answered all {n_items} items."
        )
        canvas = _canvas(
            width=6.0, axes_h=1.0, left=0.3, right=0.3, bottom=0.1, top_extra=0.0,
            number=number, title=title or words["missing"], caption=caption, status=status,
            prop=prop, lang=drawn,
        )  # fmt: skip
        ax = canvas.axes[0]
        ax.set_axis_off()
        ax.text(0.5, 0.5, caption, ha="center", va="center", transform=ax.transAxes,
                fontproperties=_sized(prop, _TEXT_PT + 2))  # fmt: skip
        return Figure(
            canvas.figure, "missing", number, title or words["missing"], caption, status,
            tab.copy(), drawn, (ax,),
        )  # fmt: skip
    shown = tab.iloc[: int(max_patterns)]
    rest = tab.iloc[int(max_patterns) :]
    matrix = shown[items].to_numpy(float)
    per_item = pd.Series(
        np.rint(n * (1 - np.diag(source.coverage.loc[items, items].to_numpy(float)))).astype(int),
        index=items,
    )
    complete_pct = 100 * source.n_complete / n
    cells_pct = 100 * source.missing_cells / (n * n_items)
    if drawn == "zh":
        caption = (
            f"共 {len(tab)} 种作答模式；{source.n_complete} 名受访者"
            f"（{complete_pct:.1f}%）回答了全部题项；缺失作答 {source.missing_cells} 个"
            f"（占 {cells_pct:.1f}%）。行为作答模式（频数由高到低），"
            "深色格为缺失。左：该模式的人数（%）；右：该模式缺失的题项数；下：各题项的缺失数。"
        )
        if len(rest):
            caption += f"另有 {len(rest)} 种较少见的模式（{int(rest['n'].sum())} 人）未画出。"
    else:
        caption = (
            f"{len(tab)} patterns; {source.n_complete} of {n} respondents "
            f"({complete_pct:.1f}%) answered every item; {source.missing_cells} answers "
            f"missing ({cells_pct:.1f}% of the cells). Rows: patterns, the most frequent "
            "first; dark cells: missing. Left: respondents with the pattern (%); right: items "
            "missing in it; bottom: missing answers per item."
        )
        if len(rest):
            caption += (
                f" {len(rest)} rarer patterns ({int(rest['n'].sum())} respondents) are not drawn."
            )
    cell = 0.2
    canvas = _canvas(
        width=1.6 + cell * n_items + 0.6, axes_h=cell * len(shown), left=1.2, right=0.6,
        bottom=0.45, top_extra=0.45, number=number, title=title or words["missing"],
        caption=caption, status=status, prop=prop, lang=drawn,
    )  # fmt: skip
    ax = canvas.axes[0]
    cmap = ListedColormap(["#3a3a3a", "#eeeeee"])
    ax.imshow(matrix, cmap=cmap, vmin=0, vmax=1, aspect="auto", interpolation="nearest")
    ax.set_xticks(range(n_items), items, rotation=90)
    ax.xaxis.tick_top()
    ax.set_yticks(
        range(len(shown)), [f"{int(c)} ({100 * c / n:.1f}%)" for c in shown["n"].to_numpy()]
    )
    ax.set_xticks(np.arange(-0.5, n_items), minor=True)
    ax.set_yticks(np.arange(-0.5, len(shown)), minor=True)
    ax.grid(which="minor", color="white", lw=0.6)
    ax.tick_params(which="both", length=0)
    for side in ax.spines.values():
        side.set_visible(False)
    trans = blended_transform_factory(ax.transAxes, ax.transData)
    for r, m in enumerate(shown["n_missing"].to_numpy()):
        ax.text(1.02, r, str(int(m)), transform=trans, ha="left", va="center",
                fontproperties=_sized(prop, _SMALL_PT))  # fmt: skip
    for c, m in enumerate(per_item.to_numpy()):
        ax.text(c, len(shown) - 0.5 + 0.35, str(int(m)), ha="center", va="top", rotation=90,
                fontproperties=_sized(prop, _SMALL_PT))  # fmt: skip
    _style_ticks(ax, prop, _SMALL_PT + 0.5)
    data = shown.copy()
    data.attrs["missing_per_item"] = per_item
    return Figure(
        canvas.figure, "missing", number, title or words["missing"], caption, status, data,
        drawn, (ax,),
    )  # fmt: skip


# ---------------------------------------------------------------------------------------
# heatmaps (HTMT, residuals)


def _lower_pairs(names: Sequence[str]) -> list[tuple[int, int]]:
    return [(i, j) for i in range(len(names)) for j in range(i)]


def _box(ax: Any, j: int, i: int, *, color: str, lw: float, ls: str = "-") -> None:
    ax.add_patch(
        Rectangle((j - 0.5, i - 0.5), 1, 1, fill=False, edgecolor=color, lw=lw, ls=ls, zorder=3)
    )


def htmt_figure(
    report: Any,
    *,
    threshold: float = 0.85,
    codebook: Any = None,
    lang: str = "en",
    ci: bool = True,
    number: int = 1,
    title: str | None = None,
) -> Figure:
    """The HTMT heatmap: lower triangle, values without leading zero, the threshold marked.

    Parameters
    ----------
    report : MeasurementReport
        From :func:`loyaltysem.validate` (``report.htmt`` and, when it was bootstrapped,
        ``report.htmt_inference``).
    threshold : float, default 0.85
        Cells above it get a red frame (Henseler, Ringle & Sarstedt 2015: .85, or .90
        for conceptually close constructs). Where the report holds HTMT inference, cells
        whose upper bootstrap bound is not below the threshold (the report's
        ``below_<threshold>`` column) get a dashed frame.
    codebook : Codebook or Survey, optional
        Construct labels for the axes (``label``/``label_zh``); codes otherwise.
    lang : {"en", "zh"}
    ci : bool, default True
        Print the upper bound of the bootstrap interval under each value.
    number, title
        The figure number and title.

    Returns
    -------
    Figure
        ``data``: one row per pair (``row``, ``column``, ``htmt``, ``ci_upper``,
        ``above`` (HTMT > threshold), ``not_below`` (the upper bound is not below it)).

    Examples
    --------
    >>> import loyaltysem as ls
    >>> rep = ls.validate(ls.load_ecommerce(), n_boot=50, random_state=1, run_efa=False,
    ...                   common_method=False)
    >>> fig = htmt_figure(rep, threshold=0.60)
    >>> fig.data.loc[fig.data["above"], ["row", "column"]].values.tolist()
    [['LOY', 'SAT']]
    """
    lang = _lang(lang)
    _need(
        report,
        ("htmt", "status"),
        "htmt_figure",
        "a MeasurementReport (ls.validate(survey))",
        "pass the result of ls.validate(survey)",
    )
    if not (0 < float(threshold) <= 1.5):
        raise ReportError(
            "the HTMT threshold must lie between 0 and 1.5",
            found=threshold,
            expected="0.85 or 0.90 (Henseler et al. 2015)",
            fix="pass threshold=0.85 or threshold=0.90",
        )
    prop, drawn = _fonts(lang)
    words = _WORDS[drawn]
    m = report.htmt
    names = [str(c) for c in m.columns]
    values = m.to_numpy(float)
    inference = getattr(report, "htmt_inference", None)
    flag_col = None
    if inference is not None:
        for candidate in (f"below_{threshold:.2f}", f"below_{threshold:g}"):
            if candidate in inference.columns:
                flag_col = candidate
                break
    rows = []
    for i, j in _lower_pairs(names):
        key = None
        if inference is not None:
            for k in (f"{names[j]}~{names[i]}", f"{names[i]}~{names[j]}"):
                if k in inference.index:
                    key = k
                    break
        upper = float(inference.loc[key, "ci_upper"]) if key is not None else math.nan
        if key is not None and flag_col is not None:
            not_below = not bool(inference.loc[key, flag_col])
        else:
            not_below = bool(np.isfinite(upper) and upper >= threshold)
        rows.append((names[i], names[j], values[i, j], upper, bool(values[i, j] > threshold),
                     not_below))  # fmt: skip
    data = pd.DataFrame(rows, columns=["row", "column", "htmt", "ci_upper", "above", "not_below"])
    labels = _construct_labels(_codebook(codebook), drawn) if codebook is not None else {}
    ticks = [labels.get(c, c) for c in names]
    status = report.status
    n_boot = getattr(report, "n_boot", None)
    with_ci = ci and inference is not None and data["ci_upper"].notna().any()
    cut = _num(threshold)
    if drawn == "zh":
        caption = f"HTMT = 异质–单质比率（Henseler 等, 2015）。红框：HTMT > {cut}。"
        if with_ci:
            caption += (
                f"括号内为 {n_boot} 次 Bootstrap 抽样的 95% 百分位置信区间上限；"
                f"虚线框：上限未低于 {cut}。"
            )
    else:
        caption = (
            f"HTMT = heterotrait–monotrait ratio (Henseler et al., 2015). Red frame: HTMT > {cut}."
        )
        if with_ci:
            caption += (
                " In brackets: upper bound of the 95% percentile bootstrap interval "
                f"({n_boot} draws); dashed frame: upper bound not below {cut}."
            )
    caption += _status_note(status, drawn)
    k = len(names)
    cell = 0.55
    longest = max(len(t) * (1.8 if drawn == "zh" else 1.0) for t in ticks)
    left = 0.3 + longest * _TEXT_PT / 72 * 0.55
    canvas = _canvas(
        width=left + cell * k + 0.4, axes_h=cell * k, left=left, right=0.4,
        bottom=min(1.6, left * 0.75), top_extra=0.0, number=number,
        title=title or words["htmt"], caption=caption, status=status, prop=prop, lang=drawn,
    )  # fmt: skip
    ax = canvas.axes[0]
    grid = np.full((k, k), np.nan)
    for i, j in _lower_pairs(names):
        grid[i, j] = values[i, j]
    ax.imshow(np.ma.masked_invalid(grid), cmap="Greys", vmin=0, vmax=1.2, aspect="equal")
    for r, (i, j) in zip(data.itertuples(index=False), _lower_pairs(names), strict=True):
        text = _num(r.htmt)
        if with_ci and np.isfinite(r.ci_upper):
            text += f"\n[{_num(r.ci_upper)}]"
        ax.text(j, i, text, ha="center", va="center",
                color="white" if r.htmt > 0.7 else "black",
                fontproperties=_sized(prop, _SMALL_PT + (1 if with_ci else 2)))  # fmt: skip
        if r.above:
            _box(ax, j, i, color="red", lw=2.0)
        elif with_ci and r.not_below:
            _box(ax, j, i, color="red", lw=1.2, ls="--")
    ax.set_xticks(range(k), ticks, rotation=45, ha="right")
    ax.set_yticks(range(k), ticks)
    ax.set_xlim(-0.5, k - 1.5)
    ax.set_ylim(k - 0.5, 0.5)
    ax.tick_params(length=0)
    for side in ax.spines.values():
        side.set_visible(False)
    _style_ticks(ax, prop)
    return Figure(
        canvas.figure, "htmt", number, title or words["htmt"], caption, status, data, drawn,
        (ax,),
    )  # fmt: skip


def residual_figure(
    result: Any,
    *,
    kind: str = "cor",
    threshold: float | None = None,
    group: Any = None,
    annotate: bool = True,
    lang: str = "en",
    number: int = 1,
    title: str | None = None,
) -> Figure:
    """The residual-correlation heatmap of a fit, large residuals marked (local fit).

    Parameters
    ----------
    result : SEMResult or MultiGroupResult
        From :func:`loyaltysem.fit`; for a multi-group fit name the ``group`` to draw.
    kind : {"cor", "standardized"}
        ``result.residuals("cor")``: sample minus model-implied correlations (lavaan's
        ``resid(fit, type = "cor.bollen")``); ``"standardized"``: residuals over their
        standard errors (*z*).
    threshold : float, optional
        Cells whose absolute residual exceeds it are framed (and their value printed):
        .10 for correlations (Kline 2016), 1.96 for standardized residuals.
    group : optional
        For a multi-group result: the group (a value of the grouping column) to draw.
    annotate : bool, default True
        Print the values of the framed cells.
    lang : {"en", "zh"}
    number, title
        The figure number and title.

    Returns
    -------
    Figure
        ``data``: one row per pair of variables (lower triangle): ``var1``, ``var2``,
        ``residual`` and ``flagged``.

    Examples
    --------
    >>> import loyaltysem as ls
    >>> fig = residual_figure(ls.fit(ls.DEFAULT_MODEL, ls.load_ecommerce()), threshold=0.05)
    >>> fig.data.loc[fig.data["flagged"], ["var1", "var2"]].values.tolist()[:1]
    [['LOY1', 'SEC2']]
    """
    lang = _lang(lang)
    _need(
        result,
        ("residuals", "status", "estimates"),
        "residual_figure",
        "a SEMResult (ls.fit(model, survey))",
        "pass the result of ls.fit(model, survey)",
    )
    if kind not in ("cor", "standardized"):
        raise ReportError(
            "unknown kind of residual",
            found=kind,
            expected="'cor' (residual correlations) or 'standardized' (z)",
            fix="pass kind='cor' or kind='standardized'",
        )
    labels = list(getattr(result, "group_labels", None) or [])
    if labels:
        if group not in labels:
            raise ReportError(
                "residual_figure draws one group of a multi-group result",
                found=f"group={group!r}",
                expected="one of " + ", ".join(map(repr, labels)),
                fix="pass group=<a value of the grouping column>, one figure per group",
            )
        resid = result.residuals(group, kind)
    elif group is not None:
        raise ReportError(
            "group= names a group of a multi-group result, but this result has one group",
            found=f"group={group!r}",
            expected="group=None",
            fix="leave group out, or fit with ls.fit(model, survey, group=column)",
        )
    else:
        resid = result.residuals(kind)
    cut = float(threshold) if threshold is not None else (0.10 if kind == "cor" else 1.96)
    prop, drawn = _fonts(lang)
    words = _WORDS[drawn]
    names = [str(c) for c in resid.columns]
    values = resid.to_numpy(float)
    pairs = _lower_pairs(names)
    data = pd.DataFrame(
        [(names[i], names[j], values[i, j]) for i, j in pairs],
        columns=["var1", "var2", "residual"],
    )
    data["flagged"] = data["residual"].abs() > cut
    n_flag = int(data["flagged"].sum())
    status = result.status
    largest = data.loc[data["residual"].abs().idxmax()] if len(data) else None
    big = (
        f"{largest['var1']}–{largest['var2']}: {_num(largest['residual'], 3)}"
        if largest is not None
        else ""
    )
    if drawn == "zh":
        what = "残差相关 = 样本相关 − 模型隐含相关" if kind == "cor" else "标准化残差（z）"
        caption = (
            f"{what}。框出 |{'r' if kind == 'cor' else 'z'}| > {_num(cut)} 的格"
            f"（{'Kline, 2016' if kind == 'cor' else '|z| > 1.96'}）："
            f"{len(data)} 个中有 {n_flag} 个；"
            f"最大：{big}。"
        )
    else:
        what = (
            "Residual correlation = sample minus model-implied correlation"
            if kind == "cor"
            else "Standardized residual (z) = residual over its standard error"
        )
        rule = "Kline, 2016" if kind == "cor" else "two-sided 5% level"
        sym = "r" if kind == "cor" else "z"
        caption = (
            f"{what}. Framed: |{sym}| > {_num(cut)} ({rule}): {n_flag} of {len(data)} pairs; "
            f"largest: {big}."
        )
    if labels:
        caption += f" Group: {group}." if drawn == "en" else f"组：{group}。"
    n_obs = getattr(getattr(result, "provenance", None), "n", None)
    if n_obs is not None and not labels:
        caption += f" N = {n_obs}." if drawn == "en" else f"N = {n_obs}。"
    caption += _status_note(status, drawn)
    k = len(names)
    cell = min(0.28, 7.0 / max(k, 1))
    canvas = _canvas(
        width=0.9 + cell * k + 1.1, axes_h=cell * k, left=0.7, right=1.2, bottom=0.55,
        top_extra=0.0, number=number, title=title or words["residual"], caption=caption,
        status=status, prop=prop, lang=drawn,
    )  # fmt: skip
    ax = canvas.axes[0]
    grid = np.full((k, k), np.nan)
    for i, j in pairs:
        grid[i, j] = values[i, j]
    finite = np.abs(grid[np.isfinite(grid)])
    vmax = max(float(finite.max()) if finite.size else cut, cut * 1.5)
    image = ax.imshow(np.ma.masked_invalid(grid), cmap="RdBu_r", vmin=-vmax, vmax=vmax)
    for r, (i, j) in zip(data.itertuples(index=False), pairs, strict=True):
        if r.flagged:
            _box(ax, j, i, color="black", lw=1.0)
            if annotate:
                small = _sized(prop, 4.5)
                ax.text(j, i, _num(r.residual, 2), ha="center", va="center", fontproperties=small)
    ax.set_xticks(range(k), names, rotation=90)
    ax.set_yticks(range(k), names)
    ax.set_xlim(-0.5, k - 1.5)
    ax.set_ylim(k - 0.5, 0.5)
    ax.tick_params(length=0)
    for side in ax.spines.values():
        side.set_visible(False)
    _style_ticks(ax, prop, _SMALL_PT)
    bar = canvas.figure.colorbar(image, ax=ax, fraction=0.04, pad=0.02)
    bar.ax.tick_params(labelsize=_SMALL_PT)
    bar.set_label(
        ("residual r" if kind == "cor" else "z")
        if drawn == "en"
        else ("残差 r" if kind == "cor" else "z"),
        fontproperties=_sized(prop, _SMALL_PT),
    )
    return Figure(
        canvas.figure, "residual", number, title or words["residual"], caption, status, data,
        drawn, (ax,),
    )  # fmt: skip


# ---------------------------------------------------------------------------------------
# 5. forest plot of effects


_KINDS = ("direct", "indirect", "specific", "total")


def forest_figure(
    effects: Any,
    bootstrap: Any = None,
    *,
    result: Any = None,
    kinds: Sequence[str] = ("specific", "indirect", "total"),
    standardized: bool = False,
    codebook: Any = None,
    lang: str = "en",
    number: int = 1,
    title: str | None = None,
) -> Figure:
    """Indirect (and total) effects with their intervals as a forest plot.

    Parameters
    ----------
    effects : EffectsResult
        From :func:`loyaltysem.effects` (with a bootstrap: ``ls.effects(res, boot)``, its
        ``boot_ci_lower``/``boot_ci_upper`` are drawn; otherwise the delta-method ones).
    bootstrap : SEMBootstrap, optional
        The bootstrap behind the intervals: its interval type and draws go in the note, its
        status into the figure's.
    result : SEMResult, optional
        The fit behind the effects: N and estimator for the note, and its status.
    kinds : sequence of {"direct", "indirect", "specific", "total"}
        Which effects to draw, for every (source, target) pair with an indirect effect;
        the total indirect effect is left out where it equals the one specific effect.
    standardized : bool, default False
        Draw ``std_all`` with the standardized bootstrap intervals (needs a bootstrap).
    codebook : Codebook or Survey, optional
        Construct labels for the rows.
    lang : {"en", "zh"}
    number, title
        The figure number and title.

    Returns
    -------
    Figure
        ``data``: one row per drawn effect, top to bottom: ``source``, ``target``,
        ``kind``, ``label``, ``est``, ``ci_lower``, ``ci_upper``.

    Examples
    --------
    >>> import loyaltysem as ls
    >>> res = ls.fit(ls.DEFAULT_MODEL, ls.load_ecommerce())
    >>> fig = forest_figure(ls.effects(res), result=res, kinds=["specific"])
    >>> fig.data["label"].iloc[0], round(float(fig.data["est"].iloc[0]), 4)
    ('REP → TRU → SAT', 0.1014)
    """
    lang = _lang(lang)
    _need(
        effects,
        ("table", "mediation", "status"),
        "forest_figure",
        "an EffectsResult (ls.effects(result, bootstrap))",
        "pass ls.effects(result) or ls.effects(result, ls.bootstrap(result, 2000, data=survey))",
    )
    bad = [k for k in kinds if k not in _KINDS]
    if bad or not kinds:
        raise ReportError(
            "unknown kind of effect",
            found=", ".join(map(str, bad)) or "none",
            expected="some of " + ", ".join(_KINDS),
            fix="pass kinds=('specific', 'indirect', 'total')",
        )
    if bootstrap is not None:
        _need(bootstrap, ("n_boot", "status"), "forest_figure", "a SEMBootstrap",
              "pass ls.bootstrap(result, n_boot, data=survey)")  # fmt: skip
    if result is not None:
        _need(result, ("status", "provenance"), "forest_figure", "a SEMResult",
              "pass the result of ls.fit(...)")  # fmt: skip
    tab = effects.table
    boot = "boot_ci_lower" in tab.columns and tab["boot_ci_lower"].notna().any()
    if standardized:
        if "std_boot_ci_lower" not in tab.columns:
            raise ReportError(
                "standardized intervals come from a bootstrap",
                found="effects without bootstrap intervals",
                expected="ls.effects(result, bootstrap)",
                fix="pass ls.effects(res, ls.bootstrap(res, 2000, data=survey)), or "
                "standardized=False",
            )
        est_col, lo_col, hi_col = "std_all", "std_boot_ci_lower", "std_boot_ci_upper"
    elif boot:
        est_col, lo_col, hi_col = "est", "boot_ci_lower", "boot_ci_upper"
    else:
        est_col, lo_col, hi_col = "est", "ci_lower", "ci_upper"
    prop, drawn = _fonts(lang)
    words = _WORDS[drawn]
    labels = _construct_labels(_codebook(codebook), drawn) if codebook is not None else {}

    def lab(code: str) -> str:
        return labels.get(code, code)

    mediated = {(r["source"], r["target"]) for _, r in effects.mediation.iterrows()}
    picked = []
    for (s, t), pair in tab.groupby(["source", "target"], sort=False):
        if (s, t) not in mediated:
            continue
        n_spec = int((pair["kind"] == "specific").sum())
        for kind in ("direct", "specific", "indirect", "total"):
            if kind not in kinds:
                continue
            part = pair[pair["kind"] == kind]
            if kind == "indirect" and n_spec == 1 and "specific" in kinds:
                continue
            for _, r in part.iterrows():
                if kind == "specific" or kind == "direct":
                    text = " → ".join(lab(p.strip()) for p in str(r["path"]).split("->"))
                else:
                    word = words["total_indirect"] if kind == "indirect" else words["total"]
                    text = f"{lab(s)} → {lab(t)} ({word})"
                picked.append((s, t, kind, text, r[est_col], r[lo_col], r[hi_col]))
    if not picked:
        raise ReportError(
            "no effects to draw",
            found="kinds=" + ", ".join(kinds),
            expected="a model with indirect effects (a mediator)",
            fix="pass kinds including 'specific', 'indirect' or 'total'",
        )
    data = pd.DataFrame(
        picked, columns=["source", "target", "kind", "label", "est", "ci_lower", "ci_upper"]
    )
    parts = {"effects": effects.status}
    if result is not None:
        parts["fit"] = result.status
    if bootstrap is not None:
        parts["bootstrap"] = bootstrap.status
    status = Status.combine(parts) if any(not p.ok for p in parts.values()) else effects.status

    interval = ""
    if "interval" in effects.mediation.columns and len(effects.mediation):
        interval = str(effects.mediation["interval"].iloc[0])
    ci_kind = getattr(bootstrap, "ci", None)
    if drawn == "zh":
        if boot or standardized:
            draws = (
                f"{bootstrap.n_boot} 次抽样"
                f"（成功 {getattr(bootstrap, 'n_ok', bootstrap.n_boot)} 次）"
                if bootstrap is not None
                else "抽样次数未给出（请传入 bootstrap=）"
            )
            kind_text = f"{ci_kind} Bootstrap" if ci_kind else interval or "Bootstrap"
            caption = f"点为估计值，线段为 95% {kind_text} 置信区间；{draws}。"
        else:
            caption = "点为估计值，线段为 95% Delta 法（正态）置信区间。"
        caption += "虚线为 0；区间不含 0 时效应显著（实心点）。"
        caption += "标准化效应（β）。" if standardized else "非标准化效应（b）。"
    else:
        if boot or standardized:
            draws = (
                f"{bootstrap.n_boot} draws ({getattr(bootstrap, 'n_ok', bootstrap.n_boot)} "
                "successful)"
                if bootstrap is not None
                else "number of draws not given (pass bootstrap=)"
            )
            kind_text = f"{ci_kind} bootstrap" if ci_kind else interval or "bootstrap"
            caption = f"Points: estimates; lines: 95% {kind_text} confidence intervals, {draws}."
        else:
            caption = "Points: estimates; lines: 95% delta-method (normal) confidence intervals."
        caption += " Dashed line: zero; an effect whose interval excludes zero (filled) is "
        caption += "significant."
        caption += " Standardized effects (β)." if standardized else " Unstandardized effects (b)."
    if result is not None:
        prov = result.provenance
        caption += (
            f" N = {prov.n}, {prov.estimator}."
            if drawn == "en"
            else f"N = {prov.n}，估计方法 {prov.estimator}。"
        )
    caption += _status_note(status, drawn)

    longest = max(len(t) * (1.8 if drawn == "zh" else 1.0) for t in data["label"])
    left = min(4.0, 0.3 + longest * _TEXT_PT / 72 * 0.55)
    n_rows = len(data)
    canvas = _canvas(
        width=left + 3.8, axes_h=0.28 * n_rows + 0.2, left=left, right=0.3, bottom=0.45,
        top_extra=0.0, number=number, title=title or words["forest"], caption=caption,
        status=status, prop=prop, lang=drawn,
    )  # fmt: skip
    ax = canvas.axes[0]
    y = -np.arange(n_rows, dtype=float)
    lo = data["ci_lower"].to_numpy(float)
    hi = data["ci_upper"].to_numpy(float)
    est = data["est"].to_numpy(float)
    sig = (lo > 0) | (hi < 0)
    ax.hlines(y, lo, hi, color="black", lw=1.1)
    markers = {"specific": "o", "indirect": "D", "total": "s", "direct": "^"}
    for kind, marker in markers.items():
        sel = (data["kind"] == kind).to_numpy()
        if not sel.any():
            continue
        for filled in (True, False):
            pick = sel & (sig == filled)
            if pick.any():
                ax.plot(est[pick], y[pick], ls="none", marker=marker, ms=5, mec="black",
                        mfc="black" if filled else "white", zorder=3)  # fmt: skip
    ax.axvline(0, color="dimgray", lw=0.8, ls="--")
    ax.set_yticks(y, data["label"].tolist())
    ax.set_ylim(y[-1] - 0.7, 0.7)
    span = np.nanmax(np.abs(np.r_[lo, hi, 0.0]))
    ax.set_xlim(min(-0.05 * span, np.nanmin(lo) - 0.08 * span), np.nanmax(hi) + 0.08 * span)
    _apa_axes(ax)
    ax.spines["left"].set_visible(False)
    ax.tick_params(axis="y", length=0)
    xlabel = (
        ("β" if standardized else "b")
        if drawn == "en"
        else ("标准化效应 β" if standardized else "效应 b")
    )
    ax.set_xlabel(xlabel, fontproperties=_sized(prop, _TEXT_PT))
    _style_ticks(ax, prop)
    return Figure(
        canvas.figure, "forest", number, title or words["forest"], caption, status, data,
        drawn, (ax,),
    )  # fmt: skip


# ---------------------------------------------------------------------------------------
# 6. the invariance ladder


def invariance_figure(
    invariance: Any,
    *,
    cfi_cutoff: float = -0.010,
    rmsea_cutoff: float = 0.015,
    lang: str = "en",
    number: int = 1,
    title: str | None = None,
) -> Figure:
    """The invariance ladder: ΔCFI and ΔRMSEA per step against Chen's (2007) cut-offs.

    Parameters
    ----------
    invariance : InvarianceResult
        From :func:`loyaltysem.invariance` (``invariance.table``: one row per level with
        ``delta_cfi``, ``delta_rmsea``, ``p_delta`` and the ladder's ``decision``).
    cfi_cutoff, rmsea_cutoff : float
        A step fails when ΔCFI < ``cfi_cutoff`` or ΔRMSEA > ``rmsea_cutoff`` (Chen 2007:
        −.010 and .015); its bar is red and hatched.
    lang : {"en", "zh"}
    number, title
        The figure number and title.

    Returns
    -------
    Figure
        ``data``: one row per step (``step``, ``delta_cfi``, ``delta_rmsea``, ``p_delta``,
        ``decision`` as the result holds them, ``cfi_fails``, ``rmsea_fails``).

    Examples
    --------
    >>> import loyaltysem as ls, warnings
    >>> with warnings.catch_warnings():
    ...     warnings.simplefilter("ignore")
    ...     inv = ls.invariance("REP =~ REP1 + REP2 + REP3", ls.load_ecommerce(), "gender")
    >>> invariance_figure(inv).data["step"].tolist()
    ['configural → metric', 'metric → scalar', 'scalar → strict']
    """
    lang = _lang(lang)
    _need(
        invariance,
        ("table", "status", "group"),
        "invariance_figure",
        "an InvarianceResult (ls.invariance(model, survey, group))",
        "pass the result of ls.invariance(model, survey, group)",
    )
    prop, drawn = _fonts(lang)
    words = _WORDS[drawn]
    tab = invariance.table
    steps = tab[tab["compared_with"].notna() & (tab["compared_with"].astype(str) != "")]
    if steps.empty:
        raise ReportError(
            "the invariance result has no step to draw",
            found="levels: " + ", ".join(map(str, tab.index)),
            expected="at least configural and metric",
            fix="run ls.invariance(...) with the default levels",
        )

    def level_name(v: Any) -> str:
        return _LEVEL_ZH.get(str(v), str(v)) if drawn == "zh" else str(v)

    data = pd.DataFrame(
        {
            "step": [
                f"{level_name(a)} → {level_name(b)}"
                for a, b in zip(steps["compared_with"], steps.index, strict=True)
            ],
            "level": [str(v) for v in steps.index],
            "delta_cfi": steps["delta_cfi"].to_numpy(float),
            "delta_rmsea": steps["delta_rmsea"].to_numpy(float),
            "p_delta": steps["p_delta"].to_numpy(float),
            "decision": steps["decision"].astype(str).to_numpy(),
        }
    )
    data["cfi_fails"] = data["delta_cfi"] < cfi_cutoff - 1e-12
    data["rmsea_fails"] = data["delta_rmsea"] > rmsea_cutoff + 1e-12
    status = invariance.status
    base = tab.iloc[0]
    if drawn == "zh":
        caption = (
            f"分组变量：{invariance.group}。每一步与前一层级比较；红色斜线条：未达标准"
            f"（ΔCFI < {_num(cfi_cutoff, 3)} 或 ΔRMSEA > {_num(rmsea_cutoff, 3)}；Chen, 2007）。"
            f"横轴标签下为 Δχ² 检验的 p 值与结果的判定。形态模型：CFI = {_num(base['cfi'], 3)}，"
            f"RMSEA = {_num(base['rmsea'], 3)}。"
        )
    else:
        caption = (
            f"Groups: {invariance.group}. Each step is compared with the level below; red "
            f"hatched bars fail the cut-off (ΔCFI < {_num(cfi_cutoff, 3)} or ΔRMSEA > "
            f"{_num(rmsea_cutoff, 3)}; Chen, 2007). Under each step: the p-value of the Δχ² "
            f"test and the ladder's decision. Configural model: CFI = {_num(base['cfi'], 3)}, "
            f"RMSEA = {_num(base['rmsea'], 3)}."
        )
    caption += _status_note(status, drawn)
    n = len(data)
    canvas = _canvas(
        width=max(6.5, 2 * (1.0 + 1.1 * n) + 1.2), axes_h=2.4, left=0.75, right=0.3,
        bottom=0.75, top_extra=0.0, number=number, title=title or words["invariance"],
        caption=caption, status=status, prop=prop, lang=drawn, ncols=2, gap=0.85,
    )  # fmt: skip
    x = np.arange(n, dtype=float)
    ticks = []
    for r in data.itertuples(index=False):
        decision = _DECISION_ZH.get(r.decision, r.decision) if drawn == "zh" else r.decision
        ptext = "p = " + (_num(r.p_delta, 3) if np.isfinite(r.p_delta) else "NA")
        if np.isfinite(r.p_delta) and r.p_delta < 0.001:
            ptext = "p < .001"
        ticks.append(f"{r.step}\n{ptext}\n{decision}")
    panels = (
        ("ΔCFI", "delta_cfi", "cfi_fails", cfi_cutoff),
        ("ΔRMSEA", "delta_rmsea", "rmsea_fails", rmsea_cutoff),
    )
    for ax, (name, col, fails, cut) in zip(canvas.axes, panels, strict=True):
        heights = data[col].to_numpy(float)
        failing = data[fails].to_numpy(bool)
        colors = ["#c0392b" if f else "#9e9e9e" for f in failing]
        bars = ax.bar(
            x, np.nan_to_num(heights), width=0.55, color=colors, edgecolor="black", lw=0.6
        )
        for bar, f in zip(bars.patches, failing, strict=True):
            if f:
                bar.set_hatch("///")
        for xi, h in zip(x, heights, strict=True):
            text = _num(h, 3, sign=True) if np.isfinite(h) else words["not_fitted"]
            off = 3 if not np.isfinite(h) or h >= 0 else -3
            ax.annotate(text, (xi, np.nan_to_num(h)), xytext=(0, off), textcoords="offset points",
                        ha="center", va="bottom" if off > 0 else "top",
                        fontproperties=_sized(prop, _SMALL_PT + 0.5))  # fmt: skip
        ax.axhline(cut, color="red", lw=0.9, ls="--")
        ax.axhline(0, color="black", lw=0.6)
        finite = heights[np.isfinite(heights)]
        top = max([cut, 0.0, *finite]) if finite.size else max(cut, 0.0)
        bottom = min([cut, 0.0, *finite]) if finite.size else min(cut, 0.0)
        pad = 0.25 * (top - bottom or 0.01)
        ax.set_ylim(bottom - pad, top + pad)
        ax.text(1.0, cut, f" {_num(cut, 3)}", transform=blended_transform_factory(ax.transAxes,
                ax.transData), ha="right", va="bottom", color="red",
                fontproperties=_sized(prop, _SMALL_PT))  # fmt: skip
        ax.set_xticks(x, ticks)
        ax.set_ylabel(name, fontproperties=_sized(prop, _TEXT_PT))
        ax.yaxis.set_major_locator(MaxNLocator(nbins=6, steps=[1, 2, 5, 10]))
        ax.yaxis.set_major_formatter(lambda v, _pos: _num(v, 3))
        _apa_axes(ax)
        _style_ticks(ax, prop, _SMALL_PT + 0.5)
    return Figure(
        canvas.figure, "invariance", number, title or words["invariance"], caption, status,
        data, drawn, tuple(canvas.axes),
    )  # fmt: skip


# ---------------------------------------------------------------------------------------
# trends across survey waves

_TREND_TITLES = {
    "en": {
        "path": "Standardized Paths by Wave",
        "effect": "Standardized Indirect Effects by Wave",
        "fit": "Model Fit by Wave",
        "r2": "Explained Variance (R²) by Wave",
        "wave": "Wave",
    },
    "zh": {
        "path": "各波次的标准化路径系数",
        "effect": "各波次的标准化间接效应",
        "fit": "各波次的模型拟合",
        "r2": "各波次的解释方差（R²）",
        "wave": "波次",
    },
}
_TREND_FIT = ("cfi", "tli", "rmsea", "srmr")


def _trend_status(rows: pd.DataFrame) -> Status:
    """The status of the waves drawn, from the status labels of the long table."""
    bad = rows.drop_duplicates("wave")
    bad = bad[bad["status"] != "converged, admissible, identified"]
    labels = [str(s) for s in bad["status"]]
    return Status(
        converged=not any("NOT converged" in s for s in labels),
        admissible=not any("inadmissible" in s for s in labels),
        identified=not any("NOT identified" in s for s in labels),
        reasons=tuple(f"wave {w}: {s}" for w, s in zip(bad["wave"], labels, strict=True)),
    )


def trend_figure(
    long: pd.DataFrame,
    *,
    kind: str = "path",
    level: float = 0.95,
    lang: str = "en",
    number: int = 1,
    title: str | None = None,
) -> Figure:
    """Key quantities across survey waves: one line per quantity, with its intervals.

    Parameters
    ----------
    long : DataFrame
        A study's long table (``loyaltysem.study.run.LONG_COLUMNS``: ``wave, kind, quantity,
        estimate, std_all, se_std_all, status``, ...).
    kind : {"path", "effect", "fit", "r2"}
        Standardized paths or indirect effects (std.all with ``level`` normal intervals from
        their delta-method SEs), fit indices (CFI, TLI, RMSEA, SRMR) or R².
    level : float
        Level of the intervals.
    lang : {"en", "zh"}
    number : int
    title : str, optional

    Returns
    -------
    Figure
        ``data`` holds the plotted values (``wave, quantity, value, lower, upper``); a wave
        whose fit is improper makes the figure's status improper (red, with the wave named).

    Examples
    --------
    >>> import pandas as pd
    >>> ok = "converged, admissible, identified"
    >>> long = pd.DataFrame({"wave": ["1", "2"], "kind": "path", "quantity": "LOY ~ SAT",
    ...                      "estimate": [0.5, 0.4], "std_all": [0.45, 0.30],
    ...                      "se_std_all": [0.05, 0.05], "status": ok})
    >>> fig = trend_figure(long)
    >>> fig.data["value"].tolist(), fig.status.ok
    ([0.45, 0.3], True)
    """
    lang = _lang(lang)
    if kind not in ("path", "effect", "fit", "r2"):
        raise ReportError(
            "unknown trend", found=kind, expected='"path", "effect", "fit" or "r2"',
            fix='kind="path"',
        )  # fmt: skip
    _need(long, ("columns",), "the long table", "a study's long table", "pass res.table")
    rows = long[long["kind"] == kind]
    if kind == "effect":
        rows = rows[rows["quantity"].str.startswith("indirect ")]
    if kind == "fit":
        rows = rows[rows["quantity"].isin(_TREND_FIT)]
    if rows.empty:
        raise ReportError(
            f"the long table has no {kind} rows to draw",
            found=sorted(set(long["kind"])),
            expected=f"rows of kind {kind!r}",
            fix="pass the long table of a study run (StudyResult.table)",
        )
    waves = list(dict.fromkeys(long["wave"].astype(str)))
    standardized = kind in ("path", "effect")
    z = float(stats.norm.ppf(0.5 + level / 2))
    value = rows["std_all"] if standardized else rows["estimate"]
    se = rows["se_std_all"] if standardized and "se_std_all" in rows else np.nan * value
    data = pd.DataFrame(
        {
            "wave": rows["wave"].astype(str).to_numpy(),
            "quantity": rows["quantity"].astype(str).str.removeprefix("indirect ").to_numpy(),
            "value": value.to_numpy(dtype=float),
            "lower": (value - z * se).to_numpy(dtype=float),
            "upper": (value + z * se).to_numpy(dtype=float),
        }
    )
    status = _trend_status(rows)
    prop, lang = _fonts(lang)
    words = _TREND_TITLES[lang]
    quantities = list(dict.fromkeys(data["quantity"]))
    caption = (
        f"{len(waves)} waves; "
        + (
            f"std.all with {round(100 * level)}% normal intervals from delta-method SEs."
            if standardized and lang == "en"
            else (
                f"标准化估计及其 {round(100 * level)}% 置信区间（delta 法标准误）。"
                if standardized
                else ("Values as estimated in each wave." if lang == "en" else "各波次的估计值。")
            )
        )
        + _status_note(status, lang)
    )
    canvas = _canvas(
        width=6.5,
        axes_h=2.8,
        left=0.7,
        right=2.2,
        bottom=0.5,
        top_extra=0.0,
        number=number,
        title=title or words[kind],
        caption=caption,
        status=status,
        prop=prop,
        lang=lang,
    )
    ax = canvas.axes[0]
    pos = {w: i for i, w in enumerate(waves)}
    for k, q in enumerate(quantities):
        d = data[data["quantity"] == q]
        xs = np.array([pos[w] for w in d["wave"]]) + (k - len(quantities) / 2) * 0.02
        (line,) = ax.plot(xs, d["value"], marker="o", markersize=3, linewidth=1, label=q)
        if standardized:
            ax.vlines(xs, d["lower"], d["upper"], linewidth=0.6, alpha=0.6, color=line.get_color())
    ax.set_xticks(range(len(waves)), waves)
    ax.set_xlabel(words["wave"], fontproperties=_sized(prop, _TEXT_PT))
    _style_ticks(ax, prop)
    _apa_axes(ax)
    ax.legend(
        prop=_sized(prop, _SMALL_PT), loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False
    )
    return Figure(
        figure=canvas.figure,
        kind="trend",
        number=number,
        title=title or words[kind],
        caption=caption,
        status=status,
        data=data,
        lang=lang,
        axes=tuple(canvas.axes),
    )
