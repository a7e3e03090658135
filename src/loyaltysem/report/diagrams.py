"""Path diagrams of a fitted SEM: an automatic, SEM-aware layout drawn with matplotlib.

Constructs stand in columns by causal order (the topological layers of the structural model,
exogenous on the left); each construct's indicators fan outward (to the left of the first
column, to the right of the last, above or below in the columns between); covariances among
constructs of one column are arcs on their right. Paths carry the standardized coefficients
(``std_all``) with stars, endogenous constructs their R². Nodes, edges and labels are placed so
that no two node or label boxes intersect and no edge runs through a node; the geometry is kept
on the :class:`Diagram` (in inches) so that it can be checked and exported to Graphviz DOT.

The R equivalent is ``semPlot::semPaths(fit, "std", layout = "tree2", rotation = 2)`` or
``lavaanPlot::lavaanPlot(fit, coefs = TRUE, stand = TRUE, stars = "regress")``, both of which
need a hand-made layout for a measurement plus structural model.

Examples
--------
>>> import loyaltysem as ls
>>> from loyaltysem.report.diagrams import diagram
>>> d = diagram(ls.fit(ls.DEFAULT_MODEL, ls.load_ecommerce()))
>>> len(d.nodes), d.edge_label("TRU", "LOY")
(38, '.37***')
"""

from __future__ import annotations

import functools
import math
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd
from matplotlib import font_manager
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.patches import Ellipse, FancyArrowPatch, Rectangle
from matplotlib.path import Path as MplPath
from matplotlib.textpath import TextPath

from loyaltysem.errors import LoyaltySemWarning, ReportError

__all__ = ["Diagram", "DiagramEdge", "DiagramNode", "diagram", "find_cjk_font", "format_coef"]

# sizes in inches (the axes are drawn 1:1 in inches) and points
_LATENT_PT = 10.0
_ITEM_PT = 8.0
_LABEL_PT = 7.5
_TITLE_PT = 11.0
_ITEM_H = 0.30
_ITEM_GAP_V = 0.14  # between indicators stacked in a column
_ITEM_GAP_H = 0.16  # between indicators in a row
_FAN = 1.15  # distance from a construct's edge to its indicators
_BLOCK_GAP = 0.40  # between constructs of one column
_COL_GAP = 1.9  # between columns (before room for covariance arcs)
_MARGIN = 0.25
_CJK_NAMES = (
    "Noto Sans CJK",
    "Noto Serif CJK",
    "Source Han Sans",
    "Source Han Serif",
    "WenQuanYi",
    "SimSun",
    "SimHei",
    "Microsoft YaHei",
    "PingFang",
    "Heiti",
    "Songti",
    "AR PL",
    "Droid Sans Fallback",
)
_TEXT = {
    "en": {
        "title": "Path diagram",
        "improper": "Improper solution",
        "std": "Standardized estimates (std_all)",
        "stars": "* p < .05, ** p < .01, *** p < .001",
        "group": "Group",
        "not_drawn": "residual covariances of indicators not drawn",
        "pls": "PLS-SEM estimates ({scheme} scheme; N = {n}): outer loadings of =~ constructs, "
        "outer weights of <~ composites (arrows into the composite), path coefficients; no "
        "significance without a bootstrap.",
    },
    "zh": {
        "title": "路径图",
        "improper": "不当解",
        "std": "标准化估计值 (std_all)",
        "stars": "* p < .05, ** p < .01, *** p < .001",
        "group": "组",
        "not_drawn": "个指标残差协方差未画出",
        "pls": "PLS-SEM 估计值（{scheme} 方案；N = {n}）：=~ 构念为外部载荷，<~ 复合构念为外部权重"
        "（箭头指向复合构念），以及路径系数；未做 Bootstrap，不标显著性。",
    },
}


def format_coef(value: float, pvalue: float | None = None) -> str:
    """A standardized coefficient in APA style: two decimals, no leading zero, stars.

    Parameters
    ----------
    value : float
        The coefficient (``std_all``).
    pvalue : float, optional
        Its p-value; ``*`` below .05, ``**`` below .01, ``***`` below .001; none when
        missing (a fixed parameter).

    Returns
    -------
    str
        E.g. ``".76***"``, ``"−.12"`` (a typographic minus), ``"1.02"`` (no zero is dropped
        where the value is not below 1 in size: a Heywood case shows as such).

    Examples
    --------
    >>> format_coef(0.7577, 1e-9), format_coef(-0.1249, 0.03), format_coef(1.0213)
    ('.76***', '−.12*', '1.02')
    """
    if value is None or not np.isfinite(value):
        return "NA"
    text = f"{abs(value):.2f}"
    if text.startswith("0."):
        text = text[1:]
    sign = "−" if value < 0 and text.strip("0.") else ""
    stars = ""
    if pvalue is not None and np.isfinite(pvalue):
        stars = "***" if pvalue < 0.001 else "**" if pvalue < 0.01 else "*" if pvalue < 0.05 else ""
    return f"{sign}{text}{stars}"


def find_cjk_font() -> Path | None:
    """The file of a font on this machine that covers Chinese, or ``None``.

    Looks in matplotlib's font list for Noto Sans/Serif CJK, Source Han, WenQuanYi, SimSun,
    SimHei, Microsoft YaHei, PingFang and similar families (sans-serif families first).

    Returns
    -------
    pathlib.Path or None

    Examples
    --------
    >>> font = find_cjk_font()
    >>> font is None or font.exists()
    True
    """
    entries = font_manager.fontManager.ttflist
    for wanted in _CJK_NAMES:
        hits = sorted(
            (f for f in entries if wanted.lower() in f.name.lower()),
            key=lambda f: (
                f.weight not in (400, "normal", "regular"),
                f.style != "normal",
                f.fname,
            ),
        )
        if hits:
            return Path(hits[0].fname)
    return None


@dataclass(frozen=True)
class DiagramNode:
    """One drawn variable: centre ``(x, y)``, width and height in inches.

    ``kind`` is ``"latent"`` (an ellipse) or ``"observed"`` (a box); ``label`` is the text
    drawn (a codebook label or the code); ``r2`` is ``None`` for exogenous variables.
    """

    name: str
    kind: str
    x: float
    y: float
    width: float
    height: float
    label: str
    r2: tuple[float | None, ...] = ()

    def contains(self, x: float, y: float, pad: float = 0.0) -> bool:
        """Whether point ``(x, y)`` lies inside the node's box grown by ``pad``."""
        return abs(x - self.x) < self.width / 2 + pad and abs(y - self.y) < self.height / 2 + pad


@dataclass(frozen=True)
class DiagramEdge:
    """One drawn path: ``kind`` is ``"loading"``, ``"regression"`` or ``"covariance"``.

    ``points`` is the drawn polyline (inches, n × 2, from ``source`` to ``target``);
    ``std_all`` and ``pvalue`` hold one value per panel (group).
    """

    source: str
    target: str
    kind: str
    points: np.ndarray = field(repr=False)
    std_all: tuple[float, ...]
    pvalue: tuple[float, ...]

    @property
    def label(self) -> str:
        """The text drawn on the edge (panels joined by ``" / "``)."""
        return " / ".join(format_coef(v, p) for v, p in zip(self.std_all, self.pvalue, strict=True))


@dataclass(eq=False)
class Diagram:
    """A drawn path diagram: the matplotlib figure and the geometry behind it.

    Attributes
    ----------
    figure : matplotlib.figure.Figure
        Draw it, save it (:meth:`save`), or show it in Jupyter (``_repr_svg_``).
    nodes : dict of str to DiagramNode
        Every drawn variable, with its centre and size in inches.
    edges : list of DiagramEdge
        Every drawn path, with its polyline.
    panels : tuple
        The group labels of the panels (``(None,)`` for a single-group result).
    title : str
        The title drawn above the diagram; it starts with "Improper solution" (in red) when
        the result's status is not ``ok``.
    improper : bool
        Whether the result's status is not ``ok``.
    label_texts : list of matplotlib.text.Text
        The coefficient labels drawn (for checks of their extents).
    node_artists : list of (name, patch, texts)
        Every node's patch and the texts inside it.
    not_drawn : int
        Residual covariances between indicators that are left out (counted in the caption).
    """

    figure: Figure
    nodes: dict[str, DiagramNode]
    edges: list[DiagramEdge]
    panels: tuple[Any, ...]
    title: str
    caption: str
    improper: bool
    label_texts: list[Any] = field(repr=False)
    node_artists: list[tuple[str, Any, list[Any]]] = field(repr=False)
    not_drawn: int = 0

    def edge(self, source: str, target: str) -> DiagramEdge:
        """The edge from ``source`` to ``target`` (either direction for covariances)."""
        for e in self.edges:
            if (e.source, e.target) == (source, target) or (
                e.kind == "covariance" and (e.target, e.source) == (source, target)
            ):
                return e
        raise ReportError(
            "no such edge in the diagram",
            found=f"{source} -> {target}",
            expected="one of " + ", ".join(f"{e.source}->{e.target}" for e in self.edges[:8]),
            fix="name a path of the model (source first: construct -> indicator, x -> y)",
        )

    def edge_label(self, source: str, target: str) -> str:
        """The coefficient text drawn on the edge from ``source`` to ``target``."""
        return self.edge(source, target).label

    def save(self, path: str | Path, *, dpi: int = 200) -> Path:
        """Write the diagram to ``.svg``, ``.png`` or ``.pdf`` (chosen by the suffix).

        Raises
        ------
        ReportError
            For another suffix.
        """
        path = Path(path)
        if path.suffix.lower() not in (".svg", ".png", ".pdf"):
            raise ReportError(
                "unknown figure format",
                found=path.name,
                expected=".svg, .png or .pdf",
                fix="give the file name one of these suffixes, or use to_dot() for Graphviz",
            )
        self.figure.savefig(path, dpi=dpi, format=path.suffix.lower()[1:])
        return path

    def _repr_svg_(self) -> str:
        import io

        buffer = io.StringIO()
        self.figure.savefig(buffer, format="svg")
        return buffer.getvalue()

    def to_dot(self) -> str:
        """The diagram in Graphviz DOT, with the computed positions (``neato -n2`` keeps them).

        Returns
        -------
        str
            A ``digraph``: constructs as ellipses, observed variables as boxes, paths with
            their labels, covariances as dashed two-headed edges.

        Examples
        --------
        >>> import loyaltysem as ls
        >>> from loyaltysem.report.diagrams import diagram
        >>> dot = diagram(ls.fit(ls.DEFAULT_MODEL, ls.load_ecommerce())).to_dot()
        >>> dot.splitlines()[0], dot.count(" -> ")
        ('digraph sem {', 53)
        """

        def esc(text: str) -> str:
            return str(text).replace("\\", "\\\\").replace('"', '\\"')

        def q(text: str) -> str:
            return '"' + esc(text) + '"'

        lines = ["digraph sem {", "  rankdir=LR;", '  node [fontname="Helvetica"];']
        if self.improper:
            lines.append(f"  label={q(self.title)}; labelloc=t; fontcolor=red;")
        for n in self.nodes.values():
            label = esc(n.label)
            r2 = [v for v in n.r2 if v is not None]
            if r2:
                label += "\\nR² = " + " / ".join(format_coef(v) for v in r2)
            shape = "ellipse" if n.kind == "latent" else "box"
            pos = f"{n.x * 72:.1f},{n.y * 72:.1f}!"
            lines.append(f'  {q(n.name)} [shape={shape}, label="{label}", pos={q(pos)}];')
        for e in self.edges:
            attrs = [f"label={q(e.label)}"]
            if e.kind == "covariance":
                attrs += ["dir=both", "style=dashed", "constraint=false"]
            lines.append(f"  {q(e.source)} -> {q(e.target)} [{', '.join(attrs)}];")
        lines.append("}")
        return "\n".join(lines) + "\n"


# ---------------------------------------------------------------------------------------
# reading the result


def _panels(result: Any, group: Any, multigroup: str) -> tuple[list[Any], list[pd.DataFrame]]:
    if not hasattr(result, "estimates") or not hasattr(result, "status"):
        raise ReportError(
            "diagram() draws a fitted structural equation model",
            found=type(result).__name__,
            expected="a SEMResult or MultiGroupResult (from loyaltysem.fit)",
            fix="pass the result of ls.fit(model, survey)",
        )
    est = result.estimates
    if "group_label" not in est.columns:  # one group
        if group is not None:
            raise ReportError(
                "group= names a group of a multi-group result, but this result has one group",
                found=group,
                expected="None",
                fix="leave group out, or fit with ls.fit(model, survey, group=column)",
            )
        return [None], [est]
    labels = list(result.group_labels)
    if group is not None:
        if group not in labels:
            raise ReportError(
                "unknown group",
                found=group,
                expected="one of " + ", ".join(map(str, labels)),
                fix="pass one of the group labels, or None for all groups",
            )
        labels = [group]
    if multigroup not in ("panels", "labels"):
        raise ReportError(
            "unknown multigroup style",
            found=multigroup,
            expected="'panels' (one panel per group) or 'labels' ('a / b' on each path)",
            fix="pass multigroup='panels' or multigroup='labels'",
        )
    frames = [est[est["group_label"] == g].reset_index(drop=True) for g in labels]
    return labels, frames


def _r2_of(result: Any, labels: Sequence[Any]) -> list[dict[str, float]]:
    r2 = result.r2
    if labels == [None]:
        return [{str(k): float(v) for k, v in r2.items()}]
    out = []
    for g in labels:
        part = r2.xs(g, level=0) if isinstance(r2.index, pd.MultiIndex) else r2
        out.append({str(k): float(v) for k, v in part.items()})
    return out


def _construct_label(name: str, codebook: Any, lang: str) -> str:
    if codebook is None:
        return name
    construct = getattr(codebook, "constructs", {}).get(name)
    if construct is None:
        return name
    text = construct.label_zh if lang == "zh" else construct.label
    return str(text) if text else name


# ---------------------------------------------------------------------------------------
# geometry


@functools.lru_cache(maxsize=4096)
def _line_width(line: str, size: float, prop: font_manager.FontProperties) -> float:
    """Width of one line in inches (laid out once per text, size and font: it is slow)."""
    return float(TextPath((0, 0), line or " ", size=size, prop=prop).get_extents().width) / 72


def _text_size(text: str, size: float, prop: font_manager.FontProperties) -> tuple[float, float]:
    """Width and height of ``text`` in inches (one line per newline)."""
    lines = text.split("\n")
    return max(_line_width(line, size, prop) for line in lines), len(lines) * size * 1.25 / 72


def _boundary(node: DiagramNode, towards: tuple[float, float]) -> tuple[float, float]:
    """Where the line from the node's centre towards a point leaves the node."""
    dx, dy = towards[0] - node.x, towards[1] - node.y
    if dx == 0 and dy == 0:
        return node.x, node.y
    a, b = node.width / 2, node.height / 2
    if node.kind == "latent":
        t = 1 / math.sqrt((dx / a) ** 2 + (dy / b) ** 2)
    else:
        t = min(a / abs(dx) if dx else math.inf, b / abs(dy) if dy else math.inf)
    return node.x + t * dx, node.y + t * dy


def _bezier(p0: np.ndarray, c: np.ndarray, p1: np.ndarray, n: int = 40) -> np.ndarray:
    t = np.linspace(0, 1, n)[:, None]
    return (1 - t) ** 2 * p0 + 2 * (1 - t) * t * c + t**2 * p1


def _clear(points: np.ndarray, nodes: Sequence[DiagramNode], skip: set[str]) -> bool:
    for n in nodes:
        if n.name in skip:
            continue
        inside = (np.abs(points[:, 0] - n.x) < n.width / 2 + 0.04) & (
            np.abs(points[:, 1] - n.y) < n.height / 2 + 0.04
        )
        if inside.any():
            return False
    return True


def _route(
    a: DiagramNode, b: DiagramNode, nodes: Sequence[DiagramNode], *, arc: float | None = None
) -> np.ndarray:
    """A straight line from ``a`` to ``b``, or the least bent curve that clears every node."""
    pa, pb = np.array([a.x, a.y]), np.array([b.x, b.y])
    mid = (pa + pb) / 2
    d = pb - pa
    normal = np.array([-d[1], d[0]]) / (np.hypot(*d) or 1.0)
    offsets = [arc] if arc is not None else [0.0]
    offsets += [s * k * 0.35 for k in range(1, 25) for s in (1, -1)]
    if arc is not None:
        offsets = [arc + k * 0.3 for k in range(25)]
    points = np.empty((0, 2))
    for off in offsets:
        control = mid + normal * 2 * off
        start = np.array(_boundary(a, tuple(control if off else pb)))
        end = np.array(_boundary(b, tuple(control if off else pa)))
        points = _bezier(start, control, end) if off else np.linspace(start, end, 40)
        if _clear(points, nodes, {a.name, b.name}):
            return points
    return points


def _boxes_overlap(a: tuple[float, float, float, float], b: tuple[float, float, float, float]):
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def _layers(structural: list[str], regressions: list[tuple[str, str]]) -> dict[str, int]:
    preds: dict[str, list[str]] = {n: [] for n in structural}
    for src, dst in regressions:
        preds[dst].append(src)
    layer = {n: 0 for n in structural}
    for _ in range(len(structural)):  # longest path; a cycle stops at len(structural)
        changed = False
        for n in structural:
            want = max((layer[p] + 1 for p in preds[n] if p != n), default=0)
            if want > layer[n] and want < len(structural):
                layer[n], changed = want, True
        if not changed:
            break
    return layer


@dataclass
class _Spec:
    latents: list[str]
    indicators: dict[str, list[str]]
    structural: list[str]
    regressions: list[tuple[str, str]]
    covariances: list[tuple[str, str]]
    not_drawn: int


def _spec(est: pd.DataFrame, structural_only: bool) -> _Spec:
    load = est[est["op"] == "=~"]
    latents = list(dict.fromkeys(load["lhs"]))
    indicators = {lv: list(load.loc[load["lhs"] == lv, "rhs"]) for lv in latents}
    reg = est[est["op"] == "~"]
    regressions = list(dict.fromkeys(zip(reg["rhs"], reg["lhs"], strict=True)))
    structural = list(
        dict.fromkeys(latents + [v for pair in regressions for v in pair if v not in latents])
    )
    cov = est[(est["op"] == "~~") & (est["lhs"] != est["rhs"])]
    covariances, not_drawn = [], 0
    for lhs, rhs, free, value in zip(cov["lhs"], cov["rhs"], cov["free"], cov["est"], strict=True):
        if lhs in structural and rhs in structural:
            if free or value != 0:
                covariances.append((lhs, rhs))
        else:
            not_drawn += 1
    if structural_only:
        indicators = {lv: [] for lv in latents}
    return _Spec(latents, indicators, structural, regressions, covariances, not_drawn)


def _layout(
    spec: _Spec,
    sizes: dict[str, tuple[float, float]],
    item_sizes: dict[str, tuple[float, float]],
    given: Mapping[str, tuple[float, float]] | None,
) -> dict[str, DiagramNode]:
    ind = spec.indicators
    if given is not None:
        missing = [n for n in spec.structural if n not in given]
        unknown = [n for n in given if n not in spec.structural]
        if missing or unknown:
            raise ReportError(
                "layout= must place every construct (and observed variable of the structural"
                " model), and nothing else",
                found={"missing": missing, "unknown": unknown},
                expected=", ".join(spec.structural),
                fix="pass layout={name: (x, y), ...} in inches for exactly these names",
            )
        centre = {n: (float(given[n][0]), float(given[n][1])) for n in spec.structural}
        xs = sorted({c[0] for c in centre.values()})
        side = {
            n: "left" if c[0] == xs[0] else "right" if c[0] == xs[-1] else "above"
            for n, c in centre.items()
        }
    else:
        layer = _layers(spec.structural, spec.regressions)
        n_layers = max(layer.values()) + 1
        columns: list[list[str]] = [[] for _ in range(n_layers)]
        for n in spec.structural:
            columns[layer[n]].append(n)
        # order within a column: by the mean row of the predecessors (fewer crossings)
        row: dict[str, float] = {n: i for i, n in enumerate(columns[0])}
        for k in range(1, n_layers):
            preds = {
                n: [row[s] for s, d in spec.regressions if d == n and s in row] for n in columns[k]
            }
            columns[k].sort(key=lambda n: np.mean(preds[n]) if preds[n] else 0.0)
            row.update(
                {n: i * len(columns[0]) / max(len(columns[k]), 1) for i, n in enumerate(columns[k])}
            )
        side = {}
        for k, col in enumerate(columns):
            for i, n in enumerate(col):
                if k == 0:
                    side[n] = "left"
                elif k == n_layers - 1:
                    side[n] = "right"
                else:
                    side[n] = "above" if i < (len(col) + 1) // 2 else "below"

        # the extent of each node's block (node + its indicators) around the node's centre
        def extent(n: str) -> tuple[float, float, float, float]:  # left, right, down, up
            w, h = sizes[n]
            items = ind.get(n, [])
            if not items:
                return w / 2, w / 2, h / 2, h / 2
            iw = max(item_sizes[i][0] for i in items)
            if side[n] in ("left", "right"):
                span = len(items) * _ITEM_H + (len(items) - 1) * _ITEM_GAP_V
                out = w / 2 + _FAN + iw
                half = max(h, span) / 2
                return (out, w / 2, half, half) if side[n] == "left" else (w / 2, out, half, half)
            row_w = sum(item_sizes[i][0] for i in items) + (len(items) - 1) * _ITEM_GAP_H
            half = max(w, row_w) / 2
            reach = h / 2 + _FAN + _ITEM_H
            return (half, half, h / 2, reach) if side[n] == "above" else (half, half, reach, h / 2)

        ext = {n: extent(n) for n in spec.structural}
        heights = [
            sum(ext[n][2] + ext[n][3] for n in col) + _BLOCK_GAP * (len(col) - 1) for col in columns
        ]
        tallest = max(heights)
        centre = {}
        x = 0.0
        for k, col in enumerate(columns):
            if k:
                prev = columns[k - 1]
                arc_room = (
                    0.45 * (len(prev) - 1)
                    if any(a in prev and b in prev for a, b in spec.covariances)
                    else 0.0
                )
                x += (
                    max(ext[n][1] for n in prev) + _COL_GAP + arc_room + max(ext[n][0] for n in col)
                )
            y = (tallest + heights[k]) / 2
            for n in col:
                y -= ext[n][3]
                centre[n] = (x, y)
                y -= ext[n][2] + _BLOCK_GAP
    nodes: dict[str, DiagramNode] = {}
    for n in spec.structural:
        w, h = sizes[n]
        cx, cy = centre[n]
        kind = "latent" if n in spec.latents else "observed"
        nodes[n] = DiagramNode(n, kind, cx, cy, w, h, n)
        items = ind.get(n, [])
        if not items:
            continue
        iw = max(item_sizes[i][0] for i in items)
        if side[n] in ("left", "right"):
            span = len(items) * _ITEM_H + (len(items) - 1) * _ITEM_GAP_V
            ix = cx + (-1 if side[n] == "left" else 1) * (w / 2 + _FAN + iw / 2)
            for j, item in enumerate(items):
                iy = cy + span / 2 - _ITEM_H / 2 - j * (_ITEM_H + _ITEM_GAP_V)
                nodes[item] = DiagramNode(item, "observed", ix, iy, iw, _ITEM_H, item)
        else:
            row_w = sum(item_sizes[i][0] for i in items) + (len(items) - 1) * _ITEM_GAP_H
            iy = cy + (1 if side[n] == "above" else -1) * (h / 2 + _FAN + _ITEM_H / 2)
            left = cx - row_w / 2
            for item in items:
                wi = item_sizes[item][0]
                nodes[item] = DiagramNode(item, "observed", left + wi / 2, iy, wi, _ITEM_H, item)
                left += wi + _ITEM_GAP_H
    return nodes


# ---------------------------------------------------------------------------------------
# the public function


class _PLSView:
    """A PLS result (:func:`loyaltysem.fit_pls`) seen as the diagram reads a SEM fit.

    Loadings of ``=~`` constructs and weights of ``<~`` composites (whose arrows point
    into the composite) label the indicator edges; the paths label the structural ones;
    there are no p-values (no stars) without a bootstrap.
    """

    def __init__(self, res: Any) -> None:
        rows = []
        for c, items in res.measurement.items():
            table = res.weights if res.modes[c] == "B" else res.loadings
            for item in items:
                value = float(table.loc[item, c])
                rows.append(("=~", c, item, value))
        for s, t in res.structural:
            rows.append(("~", t, s, float(res.paths.loc[s, t])))
        est = pd.DataFrame(rows, columns=["op", "lhs", "rhs", "est"])
        est["std_all"] = est["est"]
        est["pvalue"] = math.nan
        est["free"] = True
        self.estimates = est
        self.r2 = res.r2["r2"]
        self.status = res.status
        self.provenance = None
        self.composites = {c for c, m in res.modes.items() if m == "B"}
        self.n = res.n
        self.scheme = res.scheme


def _is_pls(result: Any) -> bool:
    return all(hasattr(result, a) for a in ("weights", "modes", "paths")) and not hasattr(
        result, "estimates"
    )


def diagram(
    result: Any,
    *,
    structural_only: bool = False,
    loadings: bool = True,
    lang: Literal["en", "zh"] = "en",
    layout: Mapping[str, tuple[float, float]] | None = None,
    group: Any = None,
    multigroup: Literal["panels", "labels"] = "panels",
    codebook: Any = None,
    covariances: bool = True,
) -> Diagram:
    """Draw the path diagram of a fitted model.

    Parameters
    ----------
    result : SEMResult, MultiGroupResult or PLSResult
        From :func:`loyaltysem.fit`, or :func:`loyaltysem.fit_pls` (loadings of ``=~``
        constructs, weights of ``<~`` composites with their arrows into the composite,
        path coefficients and R², no stars without a bootstrap).
    structural_only : bool, default False
        Draw the constructs and the structural paths only (no indicators).
    loadings : bool, default True
        Write the standardized loadings on the indicator edges.
    lang : {"en", "zh"}
        Language of the construct labels (from ``codebook``), title and caption. Chinese
        needs a CJK font on the machine (``find_cjk_font()``); without one a
        :class:`~loyaltysem.errors.LoyaltySemWarning` says how to install it and the
        diagram shows the codes.
    layout : mapping of str to (x, y), optional
        Centres in inches of every construct (and observed variable of the structural
        model), overriding the automatic layout; the indicators are fanned as usual (left of
        the leftmost column, right of the rightmost, above otherwise).
    group : optional
        For a multi-group result, draw this group only.
    multigroup : {"panels", "labels"}
        For a multi-group result: one panel per group, or one drawing with ``a / b`` labels.
    codebook : Codebook or Survey, optional
        Where the construct labels (``label`` / ``label_zh``) come from; a result does not
        keep its codebook, so pass it (or the survey) to see labels instead of codes.
    covariances : bool, default True
        Draw the covariances among constructs (arcs) and their correlations.

    Returns
    -------
    Diagram
        The figure (``.figure``, ``.save(path)``, ``.to_dot()``) and its geometry.

    Raises
    ------
    ReportError
        For a result that is not a fitted SEM, an unknown group or an incomplete layout.

    Notes
    -----
    Coefficients are lavaan's ``std.all`` (``standardizedSolution()``), with stars from the
    p-value of the unstandardized estimate (as lavaan's ``summary()``); fixed parameters
    carry no stars. An improper or non-converged result gets a red "Improper solution" title
    with its reasons. Residual covariances between indicators are not drawn; the caption
    counts them.

    Examples
    --------
    >>> import loyaltysem as ls
    >>> from loyaltysem.report.diagrams import diagram
    >>> s = ls.load_ecommerce()
    >>> d = diagram(ls.fit(ls.DEFAULT_MODEL, s), structural_only=True, codebook=s)
    >>> d.nodes["TRU"].label, format_coef(d.nodes["TRU"].r2[0])
    ('Trust', '.52')
    >>> d.improper
    False
    """
    if lang not in _TEXT:
        raise ReportError(
            "unknown language",
            found=lang,
            expected="'en' or 'zh'",
            fix="pass lang='en' or lang='zh'",
        )
    codebook = getattr(codebook, "codebook", codebook)
    if _is_pls(result):
        result = _PLSView(result)
    composites: set[str] = getattr(result, "composites", set())
    labels, frames = _panels(result, group, multigroup)
    r2s = _r2_of(result, labels)
    spec = _spec(frames[0], structural_only)

    prop = font_manager.FontProperties(family="DejaVu Sans")
    words = _TEXT[lang]
    names = {
        n: _construct_label(n, codebook, lang) if n in spec.latents else n for n in spec.structural
    }
    if lang == "zh":
        font = find_cjk_font()
        needs = any(not s.isascii() for s in names.values())
        if font is None:
            warnings.warn(
                "no font with Chinese characters was found, so the diagram shows construct codes"
                " and English text; install one (Debian/Ubuntu: apt-get install fonts-noto-cjk;"
                " macOS and Windows have one) and clear matplotlib's font cache"
                " (~/.cache/matplotlib)",
                LoyaltySemWarning,
                stacklevel=2,
            )
            names = {n: n for n in spec.structural}
            words = _TEXT["en"]
        elif needs or lang == "zh":
            prop = font_manager.FontProperties(fname=str(font))

    panel_mode = len(labels) > 1 and multigroup == "panels"
    per_panel = [[i] for i in range(len(labels))] if panel_mode else [list(range(len(labels)))]

    def lookup(frame: pd.DataFrame, op: str, lhs: str, rhs: str) -> tuple[float, float]:
        hit = frame[(frame["op"] == op) & (frame["lhs"] == lhs) & (frame["rhs"] == rhs)]
        if hit.empty and op == "~~":
            hit = frame[(frame["op"] == op) & (frame["lhs"] == rhs) & (frame["rhs"] == lhs)]
        if hit.empty:
            return math.nan, math.nan
        return float(hit["std_all"].iloc[0]), float(hit["pvalue"].iloc[0])

    # node sizes
    endogenous = {d for _, d in spec.regressions}
    sizes: dict[str, tuple[float, float]] = {}
    for n in spec.structural:
        pt = _LATENT_PT if n in spec.latents else _ITEM_PT
        tw, th = _text_size(names[n], pt, prop)
        r2_line = ""
        if n in endogenous:
            shown = [r2s[i].get(n) for i in range(len(labels))]
            r2_line = "R² = " + " / ".join(format_coef(v) for v in shown if v is not None)
            if panel_mode:
                r2_line = "R² = .00"
            rw, rh = _text_size(r2_line, _LABEL_PT, prop)
            tw, th = max(tw, rw), th + rh
        if n in spec.latents:
            sizes[n] = (max(0.95, tw * 1.45 + 0.15), max(0.55, th * 1.5 + 0.1))
        else:
            sizes[n] = (max(0.5, tw + 0.2), max(_ITEM_H, th + 0.1))
    item_sizes = {
        i: (max(0.45, _text_size(i, _ITEM_PT, prop)[0] + 0.16), _ITEM_H)
        for items in spec.indicators.values()
        for i in items
    }
    geometry = _layout(spec, sizes, item_sizes, layout)

    # edges (shared geometry)
    node_list = list(geometry.values())
    routed: list[tuple[str, str, str, np.ndarray]] = []
    for lv, items in spec.indicators.items():
        for item in items:
            points = _route(geometry[lv], geometry[item], node_list)
            if lv in composites:  # a composite (<~) is formed by its indicators
                points = points[::-1]
            routed.append((lv, item, "loading", points))
    for src, dst in spec.regressions:
        routed.append((src, dst, "regression", _route(geometry[src], geometry[dst], node_list)))
    if covariances:
        for a, b in spec.covariances:
            na, nb = geometry[a], geometry[b]
            if abs(na.x - nb.x) < 1e-9:
                # an arc on the right: both ends leave the right side of the ellipses
                top, bottom = (na, nb) if na.y > nb.y else (nb, na)
                span = top.y - bottom.y
                # arcs to farther partners leave further round the ellipse, so that the
                # ends of the arcs at one node are spread instead of bundled
                column = sorted(
                    (g for g in node_list if abs(g.x - na.x) < 1e-9), key=lambda g: -g.y
                )
                rank = min(abs(column.index(top) - column.index(bottom)), 6)
                angle = math.radians(8 + 11 * (rank - 1))
                start = np.array(
                    [
                        top.x + top.width / 2 * math.cos(angle),
                        top.y - top.height / 2 * math.sin(angle),
                    ]
                )
                end = np.array(
                    [
                        bottom.x + bottom.width / 2 * math.cos(angle),
                        bottom.y + bottom.height / 2 * math.sin(angle),
                    ]
                )
                points = np.empty((0, 2))
                for k in range(30):
                    bulge = 0.35 + 0.22 * span + 0.25 * k
                    control = np.array([top.x + top.width / 2 + 2 * bulge, (top.y + bottom.y) / 2])
                    points = _bezier(start, control, end)
                    if _clear(points, node_list, {a, b}):
                        break
                if top.name != a:
                    points = points[::-1]
                routed.append((a, b, "covariance", points))
            else:
                routed.append((a, b, "covariance", _route(na, nb, node_list, arc=0.6)))

    edges = []
    for src, dst, kind, points in routed:
        op = {"loading": "=~", "regression": "~", "covariance": "~~"}[kind]
        lhs, rhs = (dst, src) if kind == "regression" else (src, dst)
        values = [lookup(f, op, lhs, rhs) for f in frames]
        edges.append(
            DiagramEdge(
                src, dst, kind, points, tuple(v for v, _ in values), tuple(p for _, p in values)
            )
        )
    r2_tuple = {
        n: tuple(r2s[i].get(n) for i in range(len(labels))) if n in endogenous else ()
        for n in geometry
    }
    geometry = {
        n: DiagramNode(g.name, g.kind, g.x, g.y, g.width, g.height, names.get(n, n), r2_tuple[n])
        for n, g in geometry.items()
    }

    # the figure
    xs = [v for g in geometry.values() for v in (g.x - g.width / 2, g.x + g.width / 2)]
    ys = [v for g in geometry.values() for v in (g.y - g.height / 2, g.y + g.height / 2)]
    for e in edges:
        xs += [float(e.points[:, 0].min()), float(e.points[:, 0].max())]
        ys += [float(e.points[:, 1].min()), float(e.points[:, 1].max())]
    x0, x1 = min(xs) - _MARGIN - 0.3, max(xs) + _MARGIN + 0.3
    y0, y1 = min(ys) - _MARGIN, max(ys) + _MARGIN
    width, height = x1 - x0, y1 - y0
    status = result.status
    improper = not status.ok
    title = words["title"]
    if improper:
        title = f"{words['improper']}: {status.label}"
    n_obs = getattr(result.provenance, "n", None)
    caption = f"{words['std']}; {words['stars']}."
    if isinstance(result, _PLSView):
        caption = words["pls"].format(n=result.n, scheme=result.scheme)
    if n_obs is not None:
        caption += f" N = {n_obs}, {result.provenance.estimator}."
    if spec.not_drawn and not structural_only:
        caption += f" {spec.not_drawn} {words['not_drawn']}."
    if improper and status.reasons:
        caption += " " + " ".join(status.reasons[:3])
    title_h, caption_h = 0.55, 0.45 + 0.16 * (caption.count(". ") // 2)
    panel_titles = len(per_panel) > 1
    top_h = title_h + (0.3 if panel_titles else 0.0)
    fig_w, fig_h = width * len(per_panel), height + top_h + caption_h
    figure = Figure(figsize=(fig_w, fig_h))
    FigureCanvasAgg(figure)  # figure.canvas.get_renderer() measures the drawn text
    figure.text(
        0.5,
        1 - 0.3 / fig_h,
        title,
        ha="center",
        va="center",
        fontsize=_TITLE_PT,
        fontproperties=prop,
        color="red" if improper else "black",
        weight="bold",
    )
    figure.text(
        0.02,
        caption_h / 2 / fig_h,
        caption,
        ha="left",
        va="center",
        fontsize=_LABEL_PT,
        fontproperties=prop,
        color="red" if improper else "dimgray",
        wrap=True,
    )
    label_texts: list[Any] = []
    node_artists: list[tuple[str, Any, list[Any]]] = []
    blocked = [
        (
            g.x - g.width / 2 - 0.03,
            g.y - g.height / 2 - 0.03,
            g.x + g.width / 2 + 0.03,
            g.y + g.height / 2 + 0.03,
        )
        for g in geometry.values()
    ]
    for p, members in enumerate(per_panel):
        ax = figure.add_axes(
            (p / len(per_panel), caption_h / fig_h, 1 / len(per_panel), height / fig_h)
        )
        ax.set_xlim(x0, x1)
        ax.set_ylim(y0, y1)
        ax.set_axis_off()
        if panel_titles:
            ax.set_title(
                f"{words['group']}: {labels[members[0]]}", fontsize=_LATENT_PT, fontproperties=prop
            )
        for g in geometry.values():
            if g.kind == "latent":
                patch = Ellipse(
                    (g.x, g.y),
                    g.width,
                    g.height,
                    facecolor="white",
                    edgecolor="black",
                    lw=1.1,
                    zorder=3,
                )
            else:
                patch = Rectangle(
                    (g.x - g.width / 2, g.y - g.height / 2),
                    g.width,
                    g.height,
                    facecolor="white",
                    edgecolor="black",
                    lw=0.9,
                    zorder=3,
                )
            ax.add_patch(patch)
            texts = []
            r2_values = [g.r2[i] for i in members if g.r2 and g.r2[i] is not None]
            pt = _LATENT_PT if g.kind == "latent" else _ITEM_PT
            if r2_values:
                texts.append(
                    ax.text(
                        g.x,
                        g.y + 0.08,
                        g.label,
                        ha="center",
                        va="center",
                        fontsize=pt,
                        fontproperties=prop,
                        zorder=4,
                    )
                )
                texts.append(
                    ax.text(
                        g.x,
                        g.y - 0.12,
                        "R² = " + " / ".join(format_coef(v) for v in r2_values),
                        ha="center",
                        va="center",
                        fontsize=_LABEL_PT,
                        fontproperties=prop,
                        zorder=4,
                    )
                )
            else:
                texts.append(
                    ax.text(
                        g.x,
                        g.y,
                        g.label,
                        ha="center",
                        va="center",
                        fontsize=pt,
                        fontproperties=prop,
                        zorder=4,
                    )
                )
            node_artists.append((g.name, patch, texts))
        placed: list[tuple[float, float, float, float]] = []
        for e in edges:
            style = "<|-|>" if e.kind == "covariance" else "-|>"
            arrow = FancyArrowPatch(
                path=MplPath(e.points),
                arrowstyle=style,
                mutation_scale=9,
                lw=0.9 if e.kind != "loading" else 0.7,
                linestyle="--" if e.kind == "covariance" else "-",
                color="black",
                zorder=2,
            )
            ax.add_patch(arrow)
            if e.kind == "loading" and not loadings:
                continue
            text = " / ".join(format_coef(e.std_all[i], e.pvalue[i]) for i in members)
            tw, th = _text_size(text, _LABEL_PT, prop)
            tw, th = tw + 0.06, th + 0.02
            if e.kind == "loading":
                ts = [0.62, 0.7, 0.55, 0.78, 0.48, 0.85, 0.4]
            else:
                ts = [0.5, 0.42, 0.58, 0.34, 0.66, 0.28, 0.72, 0.22, 0.78, 0.16, 0.84]
            best, best_hits = None, None
            for t in ts:
                px, py = e.points[round(t * (len(e.points) - 1))]
                box = (px - tw / 2, py - th / 2, px + tw / 2, py + th / 2)
                hits = sum(_boxes_overlap(box, b) for b in blocked + placed)
                if best_hits is None or hits < best_hits:
                    best, best_hits = (px, py, box), hits
                if hits == 0:
                    break
            assert best is not None
            px, py, box = best
            placed.append(box)
            label_texts.append(
                ax.text(
                    px,
                    py,
                    text,
                    ha="center",
                    va="center",
                    fontsize=_LABEL_PT,
                    fontproperties=prop,
                    zorder=5,
                    bbox={"boxstyle": "square,pad=0.05", "facecolor": "white", "edgecolor": "none"},
                )
            )
    return Diagram(
        figure=figure,
        nodes=geometry,
        edges=edges,
        panels=tuple(labels[m[0]] for m in per_panel)
        if panel_mode
        else (None,)
        if labels == [None]
        else tuple(labels),
        title=title,
        caption=caption,
        improper=improper,
        label_texts=label_texts,
        node_artists=node_artists,
        not_drawn=spec.not_drawn,
    )
