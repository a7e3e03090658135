"""Importance–performance map analysis (IPMA) of a PLS path model, as SmartPLS defines it.

:func:`ipma` takes a :class:`~loyaltysem.pls.PLSResult` and a target construct and gives,
for every construct with an effect on the target and for their items:

- **performance** on 0–100: items rescaled from their scale bounds,
  ``100 · (x − min) / (max − min)``, with the bounds of the questionnaire (codebook) — not
  the smallest and largest answers observed — and reverse-keyed items flipped first;
  a construct's performance is the mean of its rescaled score, the items weighted by
  their *rescaled unstandardized* outer weights (standardized weight ÷ sd of the
  rescaled item, then divided by their sum within the construct, so they sum to 1);
- **importance**: the *unstandardized* total effect on the target, from the OLS
  regressions of the rescaled construct scores (for an item: its rescaled weight times
  its construct's unstandardized total effect).

This is the definition of Ringle & Sarstedt (2016) and SmartPLS. The other four in use
differ as follows (``docs/pls_groups.md``):

1. *observed bounds* (cSEM ``doIPMA()`` on unstandardized scores; some tutorials):
   performance rescaled with the smallest and largest *observed* answer; a sample in
   which nobody chose the lowest category gets a lower performance than SmartPLS gives;
2. *standardized importance* (the standardized total effect, as in early IPMA papers
   and seminr-based tutorials): importance no longer in "points of target performance
   per point of antecedent performance";
3. *standardized weights for performance* (unweighted or standardized-weight means of
   items): a construct's performance then ignores the items' different spreads;
4. *raw scale performance* (cSEM reports means in the items' own units, not 0–100).

Every outer weight must be positive after reverse-keyed items are flipped: a negative
weight makes the rescaled score leave 0–100 and the map meaningless, so :func:`ipma`
refuses it (:class:`~loyaltysem.errors.ModelSpecError` naming the item).

Optional bootstrap intervals (``n_boot``): rows resampled with replacement, the model
re-estimated for up to 250 draws at once by
:func:`loyaltysem._kernels.pls_batched.pls_batched` (equal to one ``pls_moments`` per draw,
kept as ``_boot_chunk_loop``, to 1e-10), importance and performance recomputed (same scale
bounds); percentile intervals. No other tool gives them.

Examples
--------
>>> from loyaltysem.datasets import load_corp_rep
>>> from loyaltysem.pls import pls
>>> from loyaltysem.pls.ipma import ipma
>>> s = load_corp_rep()
>>> mm = {"COMP": ["comp_1", "comp_2", "comp_3"], "LIKE": ["like_1", "like_2", "like_3"],
...       "CUSA": ["cusa"], "CUSL": ["cusl_1", "cusl_2", "cusl_3"]}
>>> res = pls(s, mm, "CUSA ~ COMP + LIKE; CUSL ~ COMP + LIKE + CUSA", missing="mean")
>>> out = ipma(res, "CUSL", scale=s)
>>> out.constructs["importance"].round(3).to_dict()  # unstandardized total effects on CUSL
{'COMP': 0.109, 'LIKE': 0.523, 'CUSA': 0.607}
>>> out.constructs["performance"].round(2).to_dict()  # 0-100
{'COMP': 67.12, 'LIKE': 57.53, 'CUSA': 74.0}
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar

import numpy as np
import pandas as pd

from loyaltysem._display import DisplayMixin
from loyaltysem._kernels import pls as _k
from loyaltysem._kernels import pls_batched as _kb
from loyaltysem._progress import Counter, ProgressArg
from loyaltysem._threads import blas_single_threaded
from loyaltysem._workers import run_tasks
from loyaltysem.errors import ModelSpecError, SurveyDataError
from loyaltysem.pls import require_plain
from loyaltysem.pls.groups import (
    RandomState,
    _batches,
    _count,
    _fit_counts,
    _seeds,
    _Spec,
    _spec,
)
from loyaltysem.status import Status

__all__ = ["IPMAResult", "ipma"]


@dataclass(frozen=True, eq=False, repr=False)
class IPMAResult(DisplayMixin):
    """An importance–performance map (:func:`ipma`), at full precision.

    Attributes
    ----------
    target : str
        The target construct.
    target_performance : float
        Performance of the target (0–100).
    constructs : DataFrame
        Per construct with an effect on the target: ``importance`` (unstandardized
        total effect) and ``performance`` (0–100); with a bootstrap also
        ``importance_lower``, ``importance_upper``, ``performance_lower``,
        ``performance_upper``.
    items : DataFrame
        Per item of those constructs: ``construct``, ``weight`` (rescaled
        unstandardized outer weight; they sum to 1 within a construct),
        ``importance``, ``performance`` (and intervals with a bootstrap).
    bounds : DataFrame
        Per item: ``min``, ``max`` (scale bounds used) and ``reversed``.
    n_boot : int
        Bootstrap draws used (0: none).
    level : float
        Level of the percentile intervals.
    seed : int, sequence of int or None
        The entropy of the seed sequence of the bootstrap.
    """

    target: str
    target_performance: float
    constructs: pd.DataFrame
    items: pd.DataFrame
    bounds: pd.DataFrame
    n_boot: int = 0
    level: float = 0.95
    seed: Any = None
    notes: tuple[str, ...] = field(default=())
    _status: Status = field(default_factory=Status)

    _title: ClassVar[str] = "Importance-performance map analysis"
    _na_rep: ClassVar[str] = ""

    @property
    def status(self) -> Status:
        """Whether the (re-)estimation converged, with notes on left-out draws."""
        return self._status

    def _header(self) -> list[str]:
        lines = [
            f"status: {self.status.label}",
            f"target: {self.target} (performance {self.target_performance:.2f}); importance "
            "= unstandardized total effect, performance on 0-100 from the scale bounds "
            "(Ringle & Sarstedt 2016; SmartPLS)",
        ]
        if self.n_boot:
            lines.append(
                f"{self.level:.0%} percentile intervals from {self.n_boot} bootstrap draws"
            )
        lines.extend(self.notes)
        return lines

    def _sections(self) -> list[tuple[str, pd.DataFrame | pd.Series]]:
        return [
            ("Constructs", self.constructs),
            ("Items", self.items),
        ]

    def figure(self, level: str = "constructs") -> Any:
        """The importance–performance map as a matplotlib Figure.

        Parameters
        ----------
        level : {"constructs", "items"}
            What to plot.

        Returns
        -------
        matplotlib.figure.Figure
            Importance (x) against performance (y), dashed lines at the means; with a
            bootstrap, the percentile intervals as error bars.

        Examples
        --------
        >>> import pandas as pd
        >>> res = IPMAResult("Y", 50.0, pd.DataFrame({"importance": [0.2, 0.4],
        ...     "performance": [60.0, 40.0]}, index=["A", "B"]), pd.DataFrame(),
        ...     pd.DataFrame())
        >>> fig = res.figure()
        >>> fig.axes[0].get_xlabel()
        'Importance (unstandardized total effect on Y)'
        """
        from matplotlib.figure import Figure

        if level not in ("constructs", "items"):
            raise ModelSpecError(
                "unknown level of the map",
                found=level,
                expected="'constructs' or 'items'",
                fix="figure('constructs')",
            )
        table = self.constructs if level == "constructs" else self.items
        fig = Figure(figsize=(6.0, 4.5))
        ax = fig.add_subplot()
        x = table["importance"].to_numpy(dtype=float)
        y = table["performance"].to_numpy(dtype=float)
        if "importance_lower" in table:
            xerr = np.vstack([x - table["importance_lower"], table["importance_upper"] - x])
            yerr = np.vstack([y - table["performance_lower"], table["performance_upper"] - y])
            ax.errorbar(x, y, xerr=xerr, yerr=yerr, fmt="o", color="black", ecolor="0.6")
        else:
            ax.plot(x, y, "o", color="black")
        for name, xi, yi in zip(table.index, x, y, strict=True):
            ax.annotate(str(name), (xi, yi), textcoords="offset points", xytext=(5, 4))
        if len(x):
            ax.axvline(float(np.mean(x)), linestyle="--", color="0.5", linewidth=0.8)
            ax.axhline(float(np.mean(y)), linestyle="--", color="0.5", linewidth=0.8)
        ax.set_xlabel(f"Importance (unstandardized total effect on {self.target})")
        ax.set_ylabel("Performance (0-100)")
        ax.set_title(f"Importance-performance map: {self.target}")
        fig.tight_layout()
        return fig


# --------------------------------------------------------------------------- bounds


def _bounds(scale: object, result: Any, items: list[str]) -> tuple[np.ndarray, np.ndarray]:
    if scale is None:
        for name in ("survey", "codebook"):
            found = getattr(result, name, None)
            if found is not None:
                scale = found
                break
    if scale is None:
        raise ModelSpecError(
            "IPMA needs the items' scale bounds to put performance on 0-100",
            found="scale=None, and the result carries no codebook",
            expected="a Survey or Codebook (item min/max), {item: (min, max)}, or (min, max)",
            fix="ipma(result, target, scale=survey), or scale=(1, 7) for 7-point items",
        )
    codebook = getattr(scale, "codebook", scale)
    lo = np.full(len(items), np.nan)
    hi = np.full(len(items), np.nan)
    if hasattr(codebook, "items") and hasattr(codebook, "item_names"):
        known = {it.name: it for it in codebook.items}
        for k, name in enumerate(items):
            it = known.get(name)
            if it is not None and it.min is not None and it.max is not None:
                lo[k], hi[k] = float(it.min), float(it.max)
    elif isinstance(scale, Mapping):
        for k, name in enumerate(items):
            if name in scale:
                pair = tuple(scale[name])
                if len(pair) != 2:
                    raise ModelSpecError(
                        "scale bounds must be (min, max)",
                        column=name,
                        found=scale[name],
                        expected="(min, max), e.g. (1, 7)",
                        fix=f"scale={{{name!r}: (1, 7), ...}}",
                    )
                lo[k], hi[k] = float(pair[0]), float(pair[1])
    elif isinstance(scale, Sequence) and not isinstance(scale, str) and len(scale) == 2:
        lo[:] = float(scale[0])
        hi[:] = float(scale[1])
    else:
        raise ModelSpecError(
            "cannot read the scale bounds",
            found=type(scale).__name__,
            expected="a Survey or Codebook, {item: (min, max)}, or (min, max) for every item",
            fix="scale=(1, 7)",
        )
    unknown = [items[k] for k in range(len(items)) if np.isnan(lo[k]) or np.isnan(hi[k])]
    if unknown:
        raise ModelSpecError(
            "items of the model have no scale bounds",
            column=unknown[0],
            found=unknown,
            expected="min and max for every item (the questionnaire's scale, e.g. 1-7)",
            fix="add min/max to the codebook, or pass scale={item: (min, max)}",
        )
    bad = [items[k] for k in range(len(items)) if not hi[k] > lo[k]]
    if bad:
        raise ModelSpecError(
            "scale bounds must have max > min",
            column=bad[0],
            found={b: (lo[items.index(b)], hi[items.index(b)]) for b in bad},
            expected="min < max",
            fix="check the codebook's min and max",
        )
    return lo, hi


# --------------------------------------------------------------------------- core


@dataclass(frozen=True)
class _Map:
    weights: np.ndarray  # standardized outer weights (p, m)
    rescaled: np.ndarray  # rescaled unstandardized weights (p, m), columns sum to 1
    total: np.ndarray  # unstandardized total effects (m, m), [i, j]: i on j
    performance_c: np.ndarray  # (m,)
    performance_i: np.ndarray  # (p,)


def _reachable(inner: np.ndarray, target: int) -> list[int]:
    """Constructs with a directed path to ``target``, in model order."""
    found: set[int] = set()
    stack = [target]
    while stack:
        j = stack.pop()
        for i in np.flatnonzero(inner[:, j]):
            if int(i) not in found:
                found.add(int(i))
                stack.append(int(i))
    return sorted(found)


def _map(x: np.ndarray, spec: _Spec, lo: np.ndarray, hi: np.ndarray) -> _Map | None:
    """The IPMA quantities from raw item scores (already flipped); None if PLS fails."""
    z, _, sd = _k.standardize(x)
    if not np.all(sd > 0):
        return None
    try:
        fit = _k.pls_moments(
            np.corrcoef(z, rowvar=False),
            spec.blocks,
            spec.inner,
            spec.modes,
            spec.scheme,
            spec.max_iter,
            spec.tol,
        )
    except np.linalg.LinAlgError:  # perfectly collinear items or scores in a resample
        return None
    if not fit.converged:
        return None
    xr = (x - lo) / (hi - lo) * 100.0
    sd_r = xr.std(axis=0, ddof=1)
    unstd = fit.weights / sd_r[:, None]
    rescaled = unstd / unstd.sum(axis=0)
    lv = xr @ rescaled
    m = len(spec.names)
    b = np.zeros((m, m))
    for j in range(m):
        pred = np.flatnonzero(spec.inner[:, j])
        if len(pred):
            design = np.column_stack([np.ones(len(lv)), lv[:, pred]])
            coef = np.linalg.lstsq(design, lv[:, j], rcond=None)[0]
            b[pred, j] = coef[1:]
    total = np.linalg.inv(np.eye(m) - b) - np.eye(m)
    return _Map(
        weights=fit.weights,
        rescaled=rescaled,
        total=total,
        performance_c=lv.mean(axis=0),
        performance_i=xr.mean(axis=0),
    )


def _vectors(mp: _Map, spec: _Spec, target: int, cons: list[int]) -> np.ndarray:
    """importance_c, performance_c, importance_i, performance_i (items of cons), target perf."""
    owner = np.zeros(len(spec.items), dtype=int)
    for j, bl in enumerate(spec.blocks):
        owner[bl] = j
    item_pos = np.concatenate([spec.blocks[j] for j in cons])
    imp_i = mp.rescaled[item_pos, owner[item_pos]] * mp.total[owner[item_pos], target]
    return np.concatenate(
        [
            mp.total[cons, target],
            mp.performance_c[cons],
            imp_i,
            mp.performance_i[item_pos],
            [mp.performance_c[target]],
        ]
    )


@blas_single_threaded
def _boot_chunk_loop(
    x: np.ndarray,
    spec: _Spec,
    lo: np.ndarray,
    hi: np.ndarray,
    target: int,
    cons: list[int],
    children: Sequence[np.random.SeedSequence],
) -> tuple[np.ndarray, int]:
    n = len(x)
    size = 2 * len(cons) + 2 * sum(len(spec.blocks[j]) for j in cons) + 1
    out = np.full((len(children), size), np.nan)
    negative = 0
    for k, child in enumerate(children):
        rows = np.random.default_rng(child).integers(0, n, n)
        mp = _map(x[rows], spec, lo, hi)
        if mp is None:
            continue
        if np.any(mp.weights[mp.weights != 0] < 0):
            negative += 1
        out[k] = _vectors(mp, spec, target, cons)
    return out, negative


@blas_single_threaded
def _boot_chunk(
    x: np.ndarray,
    spec: _Spec,
    lo: np.ndarray,
    hi: np.ndarray,
    target: int,
    cons: list[int],
    children: Sequence[np.random.SeedSequence],
) -> tuple[np.ndarray, int]:
    """As :func:`_boot_chunk_loop`, all draws of the chunk through the batched kernel.

    Per draw, from the row counts: the means and sds of the rescaled items (weighted
    moments), the rescaled weights, the covariances of the rescaled scores
    ``U' D R D U`` (``D`` the sds, ``R`` the draw's item correlations, ``U`` the
    rescaled weights) and from them the OLS paths with intercept (normal equations on
    covariances), the total effects and the performances.
    """
    n = len(x)
    idx = np.stack([np.random.default_rng(c).integers(0, n, n) for c in children])
    counts = _kb.row_counts(idx, n)
    fit, ok, r = _fit_counts(x, counts, spec)
    xr = (x - lo) / (hi - lo) * 100.0
    xc = xr - xr.mean(axis=0)
    mean_c = counts @ xc / n
    mean_r = mean_c + xr.mean(axis=0)
    sd_r = np.sqrt((counts @ xc**2 - n * mean_c**2) / (n - 1))
    weights = np.where(ok[:, None, None], fit.weights, _start(spec))
    corr = np.where(ok[:, None, None], r, np.eye(r.shape[1]))
    with np.errstate(all="ignore"):
        unstd = weights / sd_r[:, :, None]
        rescaled = unstd / unstd.sum(axis=1, keepdims=True)
        cov_x = sd_r[:, :, None] * corr * sd_r[:, None, :]
        cov = np.matmul(rescaled.transpose(0, 2, 1), np.matmul(cov_x, rescaled))
    m = len(spec.names)
    b = np.zeros((len(idx), m, m))
    for j in range(m):
        pred = np.flatnonzero(spec.inner[:, j])
        if len(pred):
            b[:, pred, j] = np.linalg.solve(cov[:, pred[:, None], pred], cov[:, pred, j, None])[
                ..., 0
            ]
    eye = np.eye(m)
    total = np.linalg.inv(eye - b) - eye
    perf_c = np.einsum("bp,bpm->bm", mean_r, rescaled)
    owner = np.zeros(len(spec.items), dtype=int)
    for j, bl in enumerate(spec.blocks):
        owner[bl] = j
    item_pos = np.concatenate([spec.blocks[j] for j in cons])
    out = np.concatenate(
        [
            total[:, cons, target],
            perf_c[:, cons],
            rescaled[:, item_pos, owner[item_pos]] * total[:, owner[item_pos], target],
            mean_r[:, item_pos],
            perf_c[:, [target]],
        ],
        axis=1,
    )
    out[~ok] = np.nan
    negative = int(np.sum(ok & np.any(fit.weights < 0, axis=(1, 2))))
    return out, negative


def _start(spec: _Spec) -> np.ndarray:
    """Unit weights within each block (p, m): a harmless stand-in for failed draws."""
    w = np.zeros((len(spec.items), len(spec.names)))
    for j, bl in enumerate(spec.blocks):
        w[bl, j] = 1.0
    return w


def ipma(
    result: Any,
    target: str,
    *,
    scale: object = None,
    reverse: Sequence[str] | None = None,
    n_boot: int = 0,
    level: float = 0.95,
    random_state: RandomState = None,
    n_jobs: int = 1,
    progress: ProgressArg = None,
) -> IPMAResult:
    r"""Importance–performance map analysis of a PLS path model (SmartPLS's definition).

    Parameters
    ----------
    result : PLSResult
        The estimated model (:func:`~loyaltysem.pls.pls`).
    target : str
        The target construct (must have predecessors).
    scale : Survey, Codebook, dict or (min, max)
        The items' scale bounds: a Survey or Codebook (each item's ``min``/``max``),
        ``{item: (min, max)}``, or one ``(min, max)`` for every item. Required: the
        bounds of the questionnaire, never the observed extremes.
    reverse : sequence of str, optional
        Items whose scores are reverse-keyed *in the data the model was estimated on*;
        they are flipped to ``min + max − x`` and the model re-estimated before the map.
        A Survey's items are already reverse-coded by ``read_survey()`` (codebook
        ``reverse = true``): do not list them again.
    n_boot : int, default 0
        Bootstrap draws for percentile intervals of importance and performance.
    level : float, default 0.95
        Interval level.
    random_state : int or SeedSequence, optional
        Seed of the bootstrap; one child seed per draw (independent of ``n_jobs``).
    n_jobs : int, default 1
        Processes for the bootstrap (batches of draws run in parallel).
    progress : bool or callable, optional
        A progress bar of the bootstrap draws (``None``: in a terminal or Jupyter), or
        a callable given the number of draws just finished (``loyaltysem._progress``).

    Returns
    -------
    IPMAResult

    Raises
    ------
    ModelSpecError
        Unknown target or one without predecessors; missing or bad scale bounds; an
        outer weight that is negative after flipping (named); bad settings.
    SurveyDataError
        Scores outside the scale bounds (named).

    Notes
    -----
    With items :math:`x_i` rescaled to :math:`\tilde x_i = 100 (x_i - a_i)/(b_i - a_i)`
    on their bounds :math:`[a_i, b_i]`, standardized outer weights :math:`w_i` (as
    estimated) become :math:`\tilde w_i = (w_i / s(\tilde x_i)) / \sum_{k} (w_k /
    s(\tilde x_k))` within a construct, and the rescaled score is
    :math:`\tilde\xi = \sum_i \tilde w_i \tilde x_i` — an increasing affine function of
    the standardized PLS score, so the structural model is unchanged and, with positive
    weights, :math:`\tilde\xi \in [0, 100]`. Performance is the mean of
    :math:`\tilde\xi` (of :math:`\tilde x_i` for an item). Importance of a construct is
    its unstandardized total effect on the target, from the OLS regressions (with
    intercept) of the rescaled scores: equal to the standardized total effect times
    :math:`s(\tilde\xi_{target}) / s(\tilde\xi)`. An item's importance is
    :math:`\tilde w_i` times its construct's total effect.

    In SmartPLS: Calculate → Importance-Performance Map Analysis (IPMA), with the
    indicators' min/max set in the data view. In R: ``cSEM::doIPMA()`` (observed bounds,
    see the module docstring); seminr has no IPMA.

    References
    ----------
    Ringle, C. M., & Sarstedt, M. (2016). Gain more insight from your PLS-SEM results:
    The importance-performance map analysis. *Industrial Management & Data Systems*,
    116(9), 1865–1886.

    Examples
    --------
    >>> from loyaltysem.datasets import load_corp_rep
    >>> from loyaltysem.pls import pls
    >>> s = load_corp_rep()
    >>> mm = {"COMP": ["comp_1", "comp_2", "comp_3"], "CUSL": ["cusl_1", "cusl_2", "cusl_3"]}
    >>> res = pls(s, mm, "CUSL ~ COMP", missing="mean")
    >>> out = ipma(res, "CUSL", scale=(1, 7), n_boot=50, random_state=1)
    >>> out.constructs.columns.tolist()  # doctest: +NORMALIZE_WHITESPACE
    ['importance', 'performance', 'importance_lower', 'importance_upper',
     'performance_lower', 'performance_upper']
    >>> out.items["weight"].sum().round(12)
    np.float64(1.0)
    """
    require_plain(result, "IPMA")
    spec = _spec(result)
    if target not in spec.names:
        raise ModelSpecError(
            "the IPMA target is not a construct of the model",
            found=target,
            expected=f"one of {spec.names}",
            fix="check the construct name (case matters)",
        )
    t = spec.names.index(target)
    cons = _reachable(spec.inner, t)
    if not cons:
        raise ModelSpecError(
            "the IPMA target has no predecessors",
            found=target,
            expected="an endogenous construct (with paths into it)",
            fix="choose a construct that other constructs predict, e.g. the final outcome",
        )
    if not (isinstance(level, float) and 0 < level < 1):
        raise ModelSpecError(
            "level must be between 0 and 1", found=level, expected="e.g. 0.95", fix="level=0.95"
        )
    n_boot = _count(n_boot, "n_boot", 0)
    lo, hi = _bounds(scale, result, spec.items)
    x = np.array(result.data[spec.items].to_numpy(dtype=float), copy=True)
    outside = (x < lo - 1e-9) | (x > hi + 1e-9)
    if outside.any():
        cols = [spec.items[k] for k in np.flatnonzero(outside.any(axis=0))]
        k0 = spec.items.index(cols[0])
        raise SurveyDataError(
            "item scores lie outside the scale bounds",
            column=cols[0],
            found={
                c: [
                    float(v)
                    for v in np.unique(x[outside[:, spec.items.index(c)], spec.items.index(c)])
                ][:5]
                for c in cols
            },
            expected=f"scores within [{lo[k0]:g}, {hi[k0]:g}] for {cols[0]}",
            fix="check the codebook's min/max, or the missing-value codes (e.g. -99)",
        )
    flipped = list(reverse or [])
    stray = [r for r in flipped if r not in spec.items]
    if stray:
        raise ModelSpecError(
            "reverse names items that are not in the model",
            column=str(stray[0]),
            found=stray,
            expected=f"items of the model, e.g. {spec.items[:5]}",
            fix="list only the model's reverse-keyed items",
        )
    for name in flipped:
        k = spec.items.index(name)
        x[:, k] = lo[k] + hi[k] - x[:, k]

    mp = _map(x, spec, lo, hi)
    if mp is None:
        raise ModelSpecError(
            "the model could not be estimated for IPMA (no convergence, or collinear items)",
            found=f"reverse={flipped}",
            expected="a converging PLS estimate",
            fix="check the reverse-keyed items; raise max_iter in pls()",
        )
    negative = [
        (spec.items[i], spec.names[j], float(mp.weights[i, j]))
        for j, bl in enumerate(spec.blocks)
        for i in bl
        if mp.weights[i, j] < 0
    ]
    if negative:
        item, con, _ = negative[0]
        raise ModelSpecError(
            "IPMA needs positive outer weights: a negative weight puts performance outside 0-100",
            column=item,
            found={f"{i} ({c})": round(v, 6) for i, c, v in negative},
            expected="every outer weight > 0 after reverse-keyed items are flipped",
            fix=f"if {item} is reverse-keyed, pass reverse=[{item!r}] (or reverse-code it in "
            f"the codebook); otherwise drop it from {con}",
        )
    estimate = _vectors(mp, spec, t, cons)
    item_pos = np.concatenate([spec.blocks[j] for j in cons])
    owner = {i: j for j, bl in enumerate(spec.blocks) for i in bl}
    nc, ni = len(cons), len(item_pos)
    con_index = pd.Index([spec.names[j] for j in cons], name="construct")
    item_index = pd.Index([spec.items[i] for i in item_pos], name="item")
    constructs = pd.DataFrame(
        {"importance": estimate[:nc], "performance": estimate[nc : 2 * nc]}, index=con_index
    )
    items = pd.DataFrame(
        {
            "construct": [spec.names[owner[i]] for i in item_pos],
            "weight": [mp.rescaled[i, owner[i]] for i in item_pos],
            "importance": estimate[2 * nc : 2 * nc + ni],
            "performance": estimate[2 * nc + ni : 2 * nc + 2 * ni],
        },
        index=item_index,
    )
    bounds = pd.DataFrame(
        {"min": lo, "max": hi, "reversed": [i in flipped for i in spec.items]},
        index=pd.Index(spec.items, name="item"),
    )
    reasons: list[tuple[str, str]] = []
    notes: list[str] = []
    seed = None
    n_used = 0
    if n_boot:
        seq = _seeds(random_state)
        seed = seq.entropy
        children = seq.spawn(n_boot)
        tasks = [
            (x, spec, lo, hi, t, cons, [children[i] for i in chunk])
            for chunk in _batches(n_boot, len(x))
        ]
        parts = []
        with Counter(n_boot, progress, "IPMA bootstrap") as bar:
            for part in run_tasks(_boot_chunk, tasks, n_jobs):
                parts.append(part)
                bar.update(len(part[0]))
        draws = np.vstack([p[0] for p in parts])
        n_negative = sum(p[1] for p in parts)
        ok = ~np.isnan(draws).any(axis=1)
        draws = draws[ok]
        n_used = int(ok.sum())
        if n_used < 2:
            raise ModelSpecError(
                "too few bootstrap draws could be estimated for IPMA intervals",
                found=f"{n_used} of {n_boot}",
                expected="the model to converge in most resamples",
                fix="raise max_iter in pls(), or drop n_boot",
            )
        if n_used < n_boot:
            reasons.append(
                ("note", f"{n_boot - n_used} of {n_boot} bootstrap draws left out (no convergence)")
            )
        if n_negative:
            reasons.append(
                (
                    "note",
                    f"{n_negative} of {n_boot} bootstrap draws had a negative outer weight "
                    "(kept; their performance may leave 0-100)",
                )
            )
        lower = np.quantile(draws, (1 - level) / 2, axis=0)
        upper = np.quantile(draws, 1 - (1 - level) / 2, axis=0)
        for name, sl, frame in (
            ("importance", slice(0, nc), constructs),
            ("performance", slice(nc, 2 * nc), constructs),
            ("importance", slice(2 * nc, 2 * nc + ni), items),
            ("performance", slice(2 * nc + ni, 2 * nc + 2 * ni), items),
        ):
            frame[f"{name}_lower"] = lower[sl]
            frame[f"{name}_upper"] = upper[sl]
    if flipped:
        notes.append(f"reverse-keyed items flipped before the map: {', '.join(flipped)}")
    return IPMAResult(
        target=target,
        target_performance=float(estimate[-1]),
        constructs=constructs,
        items=items,
        bounds=bounds,
        n_boot=n_used,
        level=float(level),
        seed=seed,
        notes=tuple(notes),
        _status=Status.from_reasons(reasons),
    )
