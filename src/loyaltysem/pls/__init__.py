"""PLS path modelling (PLS-SEM) as seminr and SmartPLS estimate it.

:func:`fit_pls` takes the model in the syntax :func:`loyaltysem.fit` takes (``=~`` mode A,
``<~`` mode B, ``~`` paths; :mod:`loyaltysem.pls.model`) or a codebook with
``structural=``, and estimates it with :func:`pls`. The result also gives total,
indirect and specific indirect effects, f², VIFs, the Fornell–Larcker table and SRMR,
d_ULS and d_G (:mod:`loyaltysem.pls.quality`), and goes through the report wing
(:mod:`loyaltysem.report.pls`).

:func:`pls` runs the Wold/Lohmöller PLS algorithm (kernel:
``loyaltysem._kernels.pls``) with seminr's defaults — path weighting, at most 300
iterations, stop when the summed absolute change of the outer weights is below
``1e-7`` (seminr ``stopCriterion = 7``, SmartPLS "abort criterion 1.0E-7") — on data
standardized with the sd of divisor n − 1. It returns a :class:`PLSResult` with outer
weights (each construct score has variance 1, as SmartPLS and seminr report them),
outer loadings, path coefficients, R², construct scores, reliability (alpha, rho_A,
rho_C, AVE, as seminr's ``summary()$reliability``) and HTMT (as seminr's
``summary()$validity$htmt``).

:func:`rho_a` gives Dijkstra–Henseler's rho_A of constructs on their own.

Agreement (``tests/test_pls.py``): on the ECSI model of ``mobi`` every path, weight,
loading, R², alpha, rho_A, rho_C, AVE and HTMT equals seminr's to ~1e-14, and paths
and weights equal SmartPLS 2's (path, centroid and factorial schemes) to the 8
decimals SmartPLS printed. See ``docs/pls.md``.

Examples
--------
>>> from loyaltysem.datasets import load_mobi
>>> from loyaltysem.pls import pls
>>> mobi = load_mobi()
>>> res = pls(mobi, mobi.constructs, '''
...     Expectation ~ Image
...     Quality ~ Expectation
...     Value ~ Expectation + Quality
...     Satisfaction ~ Image + Expectation + Quality + Value
...     Complaints ~ Satisfaction
...     Loyalty ~ Image + Satisfaction + Complaints
... ''')
>>> round(float(res.paths.loc["Image", "Expectation"]), 4)  # seminr::estimate_pls(mobi, ...)
0.5049
>>> res.reliability.loc["Loyalty"].round(3).tolist()  # alpha, rho_A, rho_C, AVE
[0.472, 0.746, 0.722, 0.517]
"""

from __future__ import annotations

import functools
import re
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, ClassVar, Literal

import numpy as np
import pandas as pd

from loyaltysem import _pickling  # noqa: F401 - read-only mappings pickle (results save)
from loyaltysem._display import DisplayMixin
from loyaltysem._kernels import pls as _k
from loyaltysem.errors import ConvergenceWarning, ModelSpecError, SurveyDataError
from loyaltysem.pls.model import PLSModel, fit_pls, parse_pls_model
from loyaltysem.status import Status

__all__ = [
    "RELIABILITY_COLUMNS",
    "ModelArrays",
    "PLSModel",
    "PLSResult",
    "fit_pls",
    "parse_pls_model",
    "parse_structural",
    "pls",
    "require_plain",
    "rho_a",
]

RELIABILITY_COLUMNS: tuple[str, ...] = ("alpha", "rho_a", "rho_c", "ave")
"""Columns of :attr:`PLSResult.reliability`, in order."""

_RELIABILITY_INDEX = pd.Index(RELIABILITY_COLUMNS)
_R2_INDEX = pd.Index(["r2", "adj_r2"])

_SCHEME_ALIASES = {
    "path": "path",
    "path_weighting": "path",
    "pathweighting": "path",
    "factorial": "factorial",
    "path_factorial": "factorial",
    "centroid": "centroid",
}
_MISSING = ("error", "listwise", "mean")

Missing = Literal["error", "listwise", "mean"]


# --------------------------------------------------------------------------- result


@dataclass(frozen=True, eq=False, repr=False)
class PLSResult(DisplayMixin):
    """A PLS path model estimated by :func:`pls`, at full precision.

    Attributes
    ----------
    weights : DataFrame
        Outer weights, items × constructs (zero outside a construct's block), scaled
        so every construct score has variance 1 (seminr ``$outer_weights``, SmartPLS
        "outer weights").
    loadings : DataFrame
        Outer loadings, items × constructs: correlation of an item with its construct
        score (seminr ``$outer_loadings``), zero outside the block.
    cross_loadings : DataFrame
        Correlation of every item with every construct score (seminr
        ``summary()$validity$cross_loadings``).
    paths : DataFrame
        Path coefficients, source constructs (rows) × target constructs (columns),
        zero where no path is specified (seminr ``$path_coef``).
    r2 : DataFrame
        Per endogenous construct: ``r2`` and ``adj_r2`` = 1 − (1 − R²)(n − 1)/(n − k − 1)
        with k predictors (seminr ``$rSquared``).
    scores : DataFrame
        Construct scores (mean 0, variance 1), indexed like the rows used.
    construct_cor : DataFrame
        Correlations of the construct scores.
    reliability : DataFrame
        Per construct, the columns ``RELIABILITY_COLUMNS``, as seminr's
        ``summary(model)$reliability``:

        ``alpha``
            Cronbach's alpha of the standardized items (seminr computes it from the
            item correlation matrix, i.e. "standardized alpha").
        ``rho_a``
            Dijkstra & Henseler (2015) with the PLS outer weights; 1 for a single
            item or a mode-B construct (seminr's convention).
        ``rho_c``
            (Σλ)² / ((Σλ)² + Σ(1 − λ²)) with the PLS outer loadings λ.
        ``ave``
            mean(λ²) with the PLS outer loadings.

        A single-item construct gets 1 in every column.
    htmt : DataFrame
        Heterotrait–monotrait ratio of absolute item correlations, symmetric, NaN on
        the diagonal (seminr prints the upper triangle).
    measurement : Mapping
        ``{construct: (items, ...)}`` as estimated.
    structural : tuple of (source, target)
        The paths, in the order given.
    modes : Mapping
        Measurement mode per construct, ``"A"`` or ``"B"``.
    scheme : str
        Inner weighting scheme: ``"path"``, ``"factorial"`` or ``"centroid"``.
    iterations : int
        Iterations counted as seminr's ``$iterations`` (the loop counter at the stop,
        starting at 0; SmartPLS reports one fewer).
    converged : bool
        Whether the weights changed by less than ``tol`` within ``max_iter``.
    weight_diff : float
        The last summed absolute change of the weights.
    n : int
        Rows used.
    n_dropped : int
        Incomplete rows dropped (``missing="listwise"``) or filled
        (``missing="mean"``); 0 with complete data.
    missing : str
        How missing answers were handled.
    max_iter, tol :
        The stop settings used.
    data : DataFrame
        The item scores estimated from, raw units, rows as used (after listwise
        deletion or mean replacement): what resampling, prediction, group comparison
        and IPMA re-estimate from.
    consistent : bool
        Corrected to consistent PLS (PLSc, :func:`consistent`).
    extension : str
        ``""`` for a plain path model, ``"interaction"`` for one with interaction terms
        (:func:`moderation`), ``"higher_order"`` for the second stage of higher-order
        constructs (:func:`higher_order`). Their bootstrap re-runs every stage per draw;
        prediction, group comparison and IPMA of these are refused (their terms would
        have to be rebuilt from the raw items in every fold and group).
    survey : Survey or None
        The Survey estimated from (:func:`fit_pls`): its group columns for MICOM and MGA
        (``res.mga("servicetype")``).
    codebook : Codebook or None
        The survey's codebook: item labels and scale bounds for reports and IPMA.
    source : DataFrame or None
        For a model estimated in stages (``extension``): the raw item scores its
        interaction terms or stage-1 scores are built from, rows as used.
    inadmissible : tuple of str
        Why a PLSc solution is inadmissible (a construct correlation beyond ±1, rho_A
        not positive, R² outside [0, 1]); empty when it is admissible.
    unsettled : tuple of str
        When not converged: the (up to three) constructs whose weights still changed
        most in the last iteration, named in the warning and the status.
    """

    weights: pd.DataFrame
    loadings: pd.DataFrame
    cross_loadings: pd.DataFrame
    paths: pd.DataFrame
    r2: pd.DataFrame
    scores: pd.DataFrame
    construct_cor: pd.DataFrame
    reliability: pd.DataFrame
    htmt: pd.DataFrame
    measurement: Mapping[str, tuple[str, ...]]
    structural: tuple[tuple[str, str], ...]
    modes: Mapping[str, str]
    scheme: str
    iterations: int
    converged: bool
    weight_diff: float
    n: int
    n_dropped: int = 0
    missing: str = "error"
    max_iter: int = 300
    tol: float = 1e-7
    notes: tuple[str, ...] = field(default=())
    data: pd.DataFrame | None = None
    unsettled: tuple[str, ...] = ()
    consistent: bool = False
    extension: str = ""
    survey: Any = field(default=None, repr=False)
    inadmissible: tuple[str, ...] = ()
    source: pd.DataFrame | None = field(default=None, repr=False)
    # a staged model (interaction terms, higher-order constructs): its estimation again,
    # on other rows of ``source`` (the bootstrap re-runs every stage per draw, as seminr)
    _refit: Any = field(default=None, repr=False)

    _title: ClassVar[str] = "PLS path model"
    _na_rep: ClassVar[str] = ""

    @property
    def codebook(self) -> Any:
        """The codebook of ``survey`` (``None`` without one)."""
        return getattr(self.survey, "codebook", None)

    @property
    def constructs(self) -> list[str]:
        """Construct names in model order."""
        return list(self.measurement)

    # ------------------------------------------------------------ quality measures
    # computed on first use (loyaltysem.pls.quality); cached in the instance dict

    @functools.cached_property
    def total_effects(self) -> pd.DataFrame:
        """Total effects, source × target (seminr ``total_effects``)."""
        from loyaltysem.pls import quality

        return quality.total_effects(self)

    @functools.cached_property
    def indirect_effects(self) -> pd.DataFrame:
        """Total indirect effects, source × target (seminr ``total_indirect_effects``)."""
        from loyaltysem.pls import quality

        return quality.indirect_effects(self)

    @functools.cached_property
    def specific_effects(self) -> pd.DataFrame:
        """Every specific indirect effect (seminr ``specific_effect_significance`` labels)."""
        from loyaltysem.pls import quality

        return quality.specific_effects(self)

    @functools.cached_property
    def f2(self) -> pd.DataFrame:
        """Cohen's f² per path, source × target, by re-estimation (seminr ``fSquared``)."""
        from loyaltysem.pls import quality

        return quality.f_squared(self)

    @functools.cached_property
    def vif_inner(self) -> pd.DataFrame:
        """VIF of the antecedents of each endogenous construct, source × target."""
        from loyaltysem.pls import quality

        return quality.vif_inner(self)

    @functools.cached_property
    def vif_outer(self) -> pd.DataFrame:
        """VIF of each item within its block (columns ``construct``, ``vif``)."""
        from loyaltysem.pls import quality

        return quality.vif_outer(self)

    @functools.cached_property
    def fornell_larcker(self) -> pd.DataFrame:
        """Fornell–Larcker table: correlations below, √AVE on the diagonal."""
        from loyaltysem.pls import quality

        return quality.fornell_larcker(self)

    @functools.cached_property
    def fit_measures(self) -> pd.DataFrame:
        """SRMR, d_ULS, d_G of the saturated and estimated model (cSEM definitions)."""
        from loyaltysem.pls import quality

        return quality.fit_measures(self)

    @property
    def status(self) -> Status:
        """Converged or not (PLS has no admissibility or identification checks).

        Examples
        --------
        >>> from loyaltysem.datasets import load_mobi
        >>> from loyaltysem.pls import pls
        >>> mobi = load_mobi()
        >>> mm = {k: mobi.constructs[k] for k in ["Image", "Value", "Satisfaction"]}
        >>> pls(mobi, mm, "Satisfaction ~ Image + Value").status.label
        'converged, admissible, identified'
        """
        reasons = [("admissibility", why) for why in self.inadmissible]
        if not self.converged:
            reasons.insert(
                0,
                (
                    "convergence",
                    f"PLS did not converge in {self.max_iter} iterations (weight change "
                    f"{self.weight_diff:.3g} >= tol {self.tol:g}"
                    + (
                        f"; still moving most: {', '.join(self.unsettled)})"
                        if self.unsettled
                        else ")"
                    ),
                ),
            )
        return Status.from_reasons(reasons) if reasons else Status()

    # ------------------------------------------------------------ built on the fit
    def bootstrap(self, n_boot: int = 5000, **options: Any) -> Any:
        """Bootstrap this model: :func:`loyaltysem.pls.bootstrap.bootstrap_pls`.

        PLSc draws for a PLSc result. In R: ``seminr::bootstrap_model(model, nboot)``.

        Examples
        --------
        >>> import loyaltysem as ls
        >>> res = ls.fit_pls(ls.instruments.ECSI_MODEL, ls.datasets.load_mobi())
        >>> boot = res.bootstrap(200, random_state=1)
        >>> row = boot.table("percentile").loc[("path", "Image -> Expectation")]
        >>> boot.n_used, round(float(row["estimate"]), 4)  # seminr: 0.5049
        (200, 0.5049)
        """
        from loyaltysem.pls.bootstrap import bootstrap_pls

        return bootstrap_pls(self, n_boot, **options)

    def predict(self, **options: Any) -> Any:
        """PLSpredict: :func:`loyaltysem.pls.predict.predict_pls` (seminr ``predict_pls()``)."""
        from loyaltysem.pls.predict import predict_pls

        return predict_pls(self, **options)

    def micom(self, group: Any, **options: Any) -> Any:
        """Measurement invariance of composites: :func:`loyaltysem.pls.groups.micom`."""
        from loyaltysem.pls.groups import micom

        return micom(self, group, **options)

    def mga(self, group: Any, **options: Any) -> Any:
        """Multi-group analysis: :func:`loyaltysem.pls.groups.mga` (seminr ``estimate_pls_mga``)."""
        from loyaltysem.pls.groups import mga

        return mga(self, group, **options)

    def ipma(self, target: str, **options: Any) -> Any:
        """Importance–performance map: :func:`loyaltysem.pls.ipma.ipma` (SmartPLS IPMA)."""
        from loyaltysem.pls.ipma import ipma

        return ipma(self, target, **options)

    def _header(self) -> list[str]:
        status = "converged" if self.converged else "NOT converged"
        lines = [
            f"status: {self.status.label}",
            f"n = {self.n}; scheme = {self.scheme}; {status} after {self.iterations} "
            f"iterations (seminr count; max_iter = {self.max_iter}, tol = {self.tol:g})",
        ]
        if self.n_dropped:
            verb = "dropped" if self.missing == "listwise" else "mean-filled"
            lines.append(f"{self.n_dropped} incomplete rows {verb} (missing={self.missing!r})")
        lines.extend(self.notes)
        return lines

    def _sections(self) -> list[tuple[str, pd.DataFrame | pd.Series]]:
        paths = pd.DataFrame(
            [(s, t, float(self.paths.loc[s, t])) for s, t in self.structural],
            columns=["source", "target", "estimate"],
        )
        return [
            ("Path coefficients", paths),
            ("R²", self.r2),
            ("Outer loadings", self.loadings),
            ("Outer weights", self.weights),
            ("Reliability", self.reliability),
            ("HTMT", self.htmt),
            ("Fornell–Larcker criterion (√AVE on the diagonal)", self.fornell_larcker),
            ("VIF, items", self.vif_outer),
            ("VIF, antecedents", self._long(self.vif_inner, "vif")),
            ("f²", self._long(self.f2, "f2")),
            ("Total effects", self._long(self.total_effects, "total")),
            ("Specific indirect effects", self.specific_effects),
            ("Model fit (SRMR, d_ULS, d_G)", self.fit_measures),
        ]

    def _long(self, table: pd.DataFrame, name: str) -> pd.DataFrame:
        rows = [
            (s, t, float(table.loc[s, t]))
            for s in self.constructs
            for t in self.constructs
            if (s, t) in self.structural or (name == "total" and table.loc[s, t] != 0)
        ]
        return pd.DataFrame(rows, columns=["source", "target", name])

    def __repr__(self) -> str:
        return (
            f"<PLSResult: {len(self.measurement)} constructs, {len(self.structural)} paths, "
            f"n={self.n}, scheme={self.scheme!r}, iterations={self.iterations}, "
            f"{'converged' if self.converged else 'NOT converged'}>"
        )


# --------------------------------------------------------------------------- input


def _items_frame(data: object, caller: str) -> pd.DataFrame:
    if isinstance(data, pd.DataFrame):
        return data
    frame = getattr(data, "data", None)
    if isinstance(frame, pd.DataFrame):
        return frame
    raise SurveyDataError(
        f"{caller}() needs a Survey or a pandas DataFrame of item scores",
        found=type(data).__name__,
        expected="loyaltysem.Survey or DataFrame with one column per item",
        fix="load the survey with loyaltysem.read_survey(), or pass a DataFrame",
    )


def _measurement(measurement: object, frame: pd.DataFrame) -> dict[str, list[str]]:
    items = measurement
    if not isinstance(items, Mapping):
        items = getattr(measurement, "constructs", None)
    if not isinstance(items, Mapping) or not items:
        raise ModelSpecError(
            "cannot read the measurement model",
            found=type(measurement).__name__ if not isinstance(items, Mapping) else items,
            expected="{construct: [items]} (or a Survey/Codebook with .constructs)",
            fix="pass e.g. {'Image': ['IMAG1', 'IMAG2', 'IMAG3'], ...}",
        )
    out: dict[str, list[str]] = {}
    for name, names in items.items():
        out[str(name)] = [names] if isinstance(names, str) else list(names)
    empty = [c for c, v in out.items() if not v]
    if empty:
        raise ModelSpecError(
            "a construct has no items",
            found=empty,
            expected="at least one item per construct",
            fix="list the construct's items, or drop the construct",
        )
    seen: dict[Any, str] = {}
    for c, names in out.items():
        for item in names:
            if item in seen:
                raise ModelSpecError(
                    "an item belongs to two constructs",
                    column=str(item),
                    found=[seen[item], c],
                    expected="each item in one block (PLS blocks are disjoint)",
                    fix="remove the item from one of the constructs",
                )
            seen[item] = c
    absent = [i for v in out.values() for i in v if i not in frame.columns]
    if absent:
        raise ModelSpecError(
            "items of the measurement model are not in the data",
            column=str(absent[0]),
            found=absent,
            expected=f"columns of the data, e.g. {[str(c) for c in frame.columns[:5]]}",
            fix="check the item names (case matters) against data.columns",
        )
    return out


def parse_structural(structural: str | Sequence[tuple[str, str]]) -> list[tuple[str, str]]:
    r"""Paths ``(source, target)`` from lavaan-like regressions or from pairs.

    Parameters
    ----------
    structural : str or sequence of (source, target)
        Lines such as ``"Satisfaction ~ Image + Value"`` (one outcome per line; lines
        may also be separated by ``;``; ``#`` starts a comment), or pairs
        ``(source, target)`` as seminr's ``paths(from = source, to = target)``.

    Returns
    -------
    list of (source, target)

    Raises
    ------
    ModelSpecError
        A line that is not a regression, an empty part, a repeated path, a
        self-loop.

    Examples
    --------
    >>> parse_structural("Sat ~ Image + Value\nLoy ~ Sat  # loyalty")
    [('Image', 'Sat'), ('Value', 'Sat'), ('Sat', 'Loy')]
    """
    pairs: list[tuple[str, str]] = []
    if isinstance(structural, str):
        for number, raw in enumerate(structural.splitlines(), start=1):
            for part in raw.split("#", 1)[0].split(";"):
                text = part.strip()
                if not text:
                    continue
                if text.count("~") != 1 or "=~" in text or "~~" in text:
                    raise ModelSpecError(
                        "a structural line must be one regression 'outcome ~ predictors'",
                        line=number,
                        found=text,
                        expected="e.g. 'Satisfaction ~ Image + Value'",
                        fix="write one regression per line; the measurement model is a dict",
                    )
                lhs, rhs = (s.strip() for s in text.split("~"))
                preds = [s.strip() for s in rhs.split("+")]
                if not re.fullmatch(r"[^\s+*]+", lhs) or not all(
                    re.fullmatch(r"[^\s+*]+", s) for s in preds
                ):
                    raise ModelSpecError(
                        "cannot read the regression",
                        line=number,
                        found=text,
                        expected="construct names separated by '+', no labels or products",
                        fix="e.g. 'Satisfaction ~ Image + Value'",
                    )
                pairs.extend((p, lhs) for p in preds)
    else:
        try:
            for pair in structural:
                source, target = pair
                pairs.append((str(source), str(target)))
        except (TypeError, ValueError):
            raise ModelSpecError(
                "cannot read the structural model",
                found=structural,
                expected="lavaan-like lines 'Y ~ X1 + X2' or pairs (source, target)",
                fix="e.g. [('Image', 'Satisfaction'), ('Value', 'Satisfaction')]",
            ) from None
    if not pairs:
        raise ModelSpecError(
            "the structural model has no paths",
            found=structural,
            expected="at least one path, e.g. 'Satisfaction ~ Image'",
            fix="add the paths; for reliability alone use rho_a()",
        )
    seen: set[tuple[str, str]] = set()
    for s, t in pairs:
        if s == t:
            raise ModelSpecError(
                "a construct cannot predict itself",
                found=f"{t} ~ {s}",
                expected="paths between different constructs",
                fix=f"remove {s} from the predictors of {t}",
            )
        if (s, t) in seen:
            raise ModelSpecError(
                "a path is given twice",
                found=f"{t} ~ {s}",
                expected="each path once",
                fix="remove the repetition",
            )
        seen.add((s, t))
    return pairs


def _check_recursive(names: list[str], inner: np.ndarray) -> None:
    """Refuse feedback loops: path weighting needs predecessors and successors."""
    indegree = (inner != 0).sum(axis=0)
    queue = [j for j in range(len(names)) if indegree[j] == 0]
    done = 0
    while queue:
        i = queue.pop()
        done += 1
        for j in np.flatnonzero(inner[i]):
            indegree[j] -= 1
            if indegree[j] == 0:
                queue.append(int(j))
    if done < len(names):
        loop = [names[j] for j in range(len(names)) if indegree[j] > 0]
        raise ModelSpecError(
            "the structural model has a feedback loop",
            found=loop,
            expected="a recursive model (no construct predicts itself through others)",
            fix="remove one path of the loop",
        )


def _modes(mode: object, names: list[str]) -> dict[str, str]:
    def norm(value: object, where: str) -> str:
        text = str(value).upper() if isinstance(value, str) else ""
        if text not in ("A", "B"):
            raise ModelSpecError(
                "measurement mode must be 'A' (reflective) or 'B' (formative)",
                found={where: value},
                expected="'A' or 'B'",
                fix="mode='A', or mode={'Quality': 'B'}",
            )
        return text

    if isinstance(mode, Mapping):
        unknown = [str(k) for k in mode if k not in names]
        if unknown:
            raise ModelSpecError(
                "mode names constructs that are not in the model",
                found=unknown,
                expected=f"some of {names}",
                fix="check the construct names in mode=",
            )
        return {c: norm(mode.get(c, "A"), c) for c in names}
    value = norm(mode, "mode")
    return dict.fromkeys(names, value)


def _scheme(scheme: object) -> str:
    key = str(scheme).lower() if isinstance(scheme, str) else None
    if key not in _SCHEME_ALIASES:
        raise ModelSpecError(
            "unknown inner weighting scheme",
            found=scheme,
            expected="'path' (seminr path_weighting), 'factorial' (path_factorial) or 'centroid'",
            fix="scheme='path'",
        )
    return _SCHEME_ALIASES[key]


def _stop(max_iter: object, tol: object) -> tuple[int, float]:
    if isinstance(max_iter, bool) or not isinstance(max_iter, (int, np.integer)) or max_iter < 1:
        raise ModelSpecError(
            "max_iter must be a positive integer", found=max_iter, expected=">= 1", fix="300"
        )
    if (
        isinstance(tol, bool)
        or not isinstance(tol, (int, float, np.floating))
        or not np.isfinite(tol)
        or tol <= 0
    ):
        raise ModelSpecError(
            "tol must be a positive number",
            found=tol,
            expected="> 0 (seminr stopCriterion = 7 means 1e-7)",
            fix="tol=1e-7",
        )
    return int(max_iter), float(tol)


def _numeric_block(frame: pd.DataFrame, items: list[Any]) -> np.ndarray | None:
    """The items as floats when the frame is one numeric block with finite values, else None.

    A frame of float or integer columns only (a Survey's item scores) converts to one
    array without a copy; the items are taken from it by position. Anything else (text,
    booleans, infinite values) goes through :func:`_checked_values`, which names the
    offending columns.
    """
    whole = frame.to_numpy()
    if whole.dtype.kind not in "fiu" or frame.columns.has_duplicates:
        return None
    position = {c: i for i, c in enumerate(frame.columns.tolist())}  # faster than get_indexer
    values = whole[:, [position[c] for c in items]].astype(float)
    return None if np.isinf(values).any() else values


def _checked_values(sub: pd.DataFrame) -> tuple[np.ndarray, pd.Index, pd.Index]:
    numeric = all(getattr(dtype, "kind", "O") in "fiu" for dtype in sub.dtypes)
    bad = [
        str(c)
        for c, dtype in sub.dtypes.items()
        if not numeric
        and (pd.api.types.is_bool_dtype(dtype) or not pd.api.types.is_numeric_dtype(dtype))
    ]
    if bad:
        raise SurveyDataError(
            "item scores must be numeric",
            column=bad[0],
            found={c: str(sub[c].dtype) for c in bad},
            expected="float or integer columns (NaN for a missing answer)",
            fix="resolve text answers and missing-value codes first, e.g. with read_survey()",
        )
    values = sub.to_numpy(dtype=float, na_value=np.nan)
    if np.isinf(values).any():
        cols = [str(c) for c in sub.columns[np.isinf(values).any(axis=0)]]
        raise SurveyDataError(
            "item scores must be finite",
            column=cols[0],
            found=cols,
            expected="finite numbers or NaN",
            fix="replace infinite values by NaN (missing) or by the intended score",
        )
    return values, sub.index, sub.columns


def _complete_data(
    frame: pd.DataFrame, items: list[Any], missing: str, caller: str
) -> tuple[pd.DataFrame, int]:
    if missing not in _MISSING:
        raise SurveyDataError(
            "unknown missing-data option",
            found=missing,
            expected=f"one of {list(_MISSING)}",
            fix="missing='listwise'",
        )
    fast = _numeric_block(frame, items)
    if fast is not None:
        values, index, columns = fast, frame.index, pd.Index(items)
    else:
        sub = frame[items]
        values, index, columns = _checked_values(sub)
    incomplete = np.isnan(values).any(axis=1)
    n_bad = int(incomplete.sum())
    out = pd.DataFrame(values, index=index, columns=columns)
    if n_bad:
        per_item = {str(c): int(k) for c, k in out.isna().sum().items() if k}
        if missing == "error":
            raise SurveyDataError(
                f"{caller}() needs complete data: {n_bad} of {len(out)} rows have a "
                "missing answer on the model's items",
                found=per_item,
                expected="no NaN in the items of the model",
                fix="pass missing='listwise' to drop those rows (counted in the result), "
                "or missing='mean' for seminr's default mean replacement",
            )
        if missing == "listwise":
            out = out.loc[~incomplete]
        else:
            out = out.fillna(out.mean())
    if len(out) < 3:
        raise SurveyDataError(
            f"{caller}() needs at least 3 complete rows",
            found=len(out),
            expected=">= 3 rows",
            fix="check the filter or the missing answers",
        )
    sd = np.std(out.to_numpy(), axis=0, ddof=1)
    if np.any(~(sd > 0)):
        flat = [str(c) for c in out.columns[~(sd > 0)]]
        raise SurveyDataError(
            "items with zero variance cannot be standardized",
            column=flat[0],
            found=flat,
            expected="items whose answers vary",
            fix="drop the constant items from the measurement model",
        )
    return out, n_bad


def _blocks(measurement: Mapping[str, Sequence[Any]]) -> tuple[list[Any], list[np.ndarray]]:
    items: list[Any] = []
    blocks: list[np.ndarray] = []
    for names in measurement.values():
        blocks.append(np.arange(len(items), len(items) + len(names)))
        items.extend(names)
    return items, blocks


@dataclass(frozen=True)
class ModelArrays:
    """A PLS model as the kernels take it, in model order.

    What re-estimating a :class:`PLSResult` on other rows needs (the bootstrap,
    PLSpredict, MICOM, MGA, IPMA): construct ``names``, ``items``, each construct's item
    positions (``blocks``), the ``inner`` matrix (``inner[i, j] = 1`` when construct i
    predicts j), ``modes``, the inner weighting ``scheme`` and the stop settings.
    """

    names: list[str]
    items: list[str]
    blocks: list[np.ndarray]
    inner: np.ndarray
    modes: list[str]
    scheme: str
    max_iter: int
    tol: float

    @classmethod
    def of(cls, result: Any, caller: str) -> ModelArrays:
        """The arrays of ``result``; a typed error if it does not keep its item scores.

        Examples
        --------
        >>> from loyaltysem.datasets import load_mobi
        >>> mobi = load_mobi()
        >>> mm = {k: mobi.constructs[k] for k in ["Image", "Value", "Satisfaction"]}
        >>> a = ModelArrays.of(pls(mobi, mm, "Satisfaction ~ Image + Value"), "example")
        >>> a.names, [len(b) for b in a.blocks], a.inner[:, 2].tolist()
        (['Image', 'Value', 'Satisfaction'], [5, 2, 3], [1.0, 1.0, 0.0])
        """
        data = getattr(result, "data", None)
        measurement = getattr(result, "measurement", None)
        if not isinstance(data, pd.DataFrame) or not isinstance(measurement, Mapping):
            raise ModelSpecError(
                f"{caller} needs a PLS result that keeps its item scores (the rows it was "
                "estimated from)",
                found=type(result).__name__,
                expected="a result of loyaltysem.fit_pls() or loyaltysem.pls.pls() (with .data)",
                fix="estimate the model with fit_pls() and pass its result",
            )
        names = [str(c) for c in measurement]
        items, blocks = _blocks(measurement)
        inner = np.zeros((len(names), len(names)))
        for s, t in result.structural:
            inner[names.index(s), names.index(t)] = 1.0
        return cls(
            names=names,
            items=[str(i) for i in items],
            blocks=blocks,
            inner=inner,
            modes=[str(result.modes[c]) for c in names],
            scheme=str(result.scheme),
            max_iter=int(result.max_iter),
            tol=float(result.tol),
        )

    def fields(self) -> dict[str, Any]:
        """The fields as keywords (for the dataclasses that extend these arrays)."""
        return {f: getattr(self, f) for f in self.__dataclass_fields__}


def _reliability(
    r: np.ndarray,
    blocks: list[np.ndarray],
    weights: np.ndarray,
    loadings: np.ndarray,
    modes: list[str],
    names: list[str] | pd.Index,
) -> pd.DataFrame:
    # all constructs at once (the formulas of _kernels.pls.cronbach_alpha_std, rho_a and
    # rho_c_ave, column by column: weights and loadings are zero outside their block)
    mask = np.zeros_like(loadings)
    for j, b in enumerate(blocks):
        mask[b, j] = 1.0
    k = mask.sum(axis=0)
    single = k == 1
    kk = np.where(single, 2.0, k)  # placeholders where a single item gets 1 below
    d = np.diag(r)
    alpha = kk / (kk - 1.0) * (1.0 - (d @ mask) / np.sum(mask * (r @ mask), axis=0))
    w = weights / np.sqrt(np.sum(weights * (r @ weights), axis=0))
    ww = np.sum(w**2, axis=0)
    num = 1.0 - d @ (w**2)  # w'(S - diag S)w with w'Sw = 1
    den = ww**2 - np.sum(w**4, axis=0)
    with np.errstate(divide="ignore", invalid="ignore"):
        rho = ww**2 * num / den
    lam = loadings * mask
    s2 = np.sum(lam, axis=0) ** 2
    sq = np.sum(lam**2, axis=0)
    rho_c = s2 / (s2 + (k - sq))
    ave = sq / k
    mode_b = np.array([mode == "B" for mode in modes])
    rows = np.column_stack(
        [
            np.where(single, 1.0, alpha),
            np.where(single | mode_b, 1.0, rho),
            np.where(single, 1.0, rho_c),
            np.where(single, 1.0, ave),
        ]
    )
    index = names if isinstance(names, pd.Index) else pd.Index(names, name="construct")
    return pd.DataFrame(rows, index=index, columns=_RELIABILITY_INDEX)


# --------------------------------------------------------------------------- pls


def pls(
    data: Any,
    measurement: Mapping[str, Sequence[str]],
    structural: str | Sequence[tuple[str, str]],
    *,
    mode: str | Mapping[str, str] = "A",
    scheme: str = "path",
    max_iter: int = 300,
    tol: float = 1e-7,
    missing: Missing = "error",
) -> PLSResult:
    r"""Estimate a PLS path model as ``seminr::estimate_pls()`` does.

    Parameters
    ----------
    data : Survey or DataFrame
        Item scores, one column per item. Only the model's items are used.
    measurement : dict
        ``{construct: [items]}`` (or anything with such a ``.constructs``, e.g. a
        Survey). Every construct must appear in ``structural``.
    structural : str or sequence of (source, target)
        Lavaan-like lines ``"Satisfaction ~ Image + Value"`` or pairs
        ``(source, target)``; see ``parse_structural()``. Must be recursive.
    mode : {"A", "B"} or dict, default "A"
        Measurement mode: ``"A"`` (correlation weights; seminr ``reflective()`` /
        ``composite(weights = mode_A)``) or ``"B"`` (regression weights; seminr
        ``composite(weights = mode_B)``), for all constructs or per construct
        (constructs left out of the dict get ``"A"``).
    scheme : {"path", "factorial", "centroid"}, default "path"
        Inner weighting: seminr ``inner_weights = path_weighting`` / ``path_factorial``;
        SmartPLS "Path Weighting Scheme" / "Factor Weighting Scheme" / "Centroid
        Weighting Scheme". seminr has no centroid scheme.
    max_iter : int, default 300
        seminr ``maxIt`` (SmartPLS "maximum iterations").
    tol : float, default 1e-7
        Stop when the summed absolute change of all outer weights is below ``tol``:
        seminr ``stopCriterion = 7`` (``10^-7``), SmartPLS "abort criterion".
    missing : {"error", "listwise", "mean"}, default "error"
        PLS needs complete data. ``"error"`` refuses incomplete rows and counts them;
        ``"listwise"`` drops them (``n_dropped`` in the result); ``"mean"`` replaces a
        missing answer by the item mean, seminr's default ``mean_replacement``.

    Returns
    -------
    PLSResult

    Raises
    ------
    ModelSpecError
        Unknown items or constructs, a construct without items, an item in two
        constructs, a construct without a path, a feedback loop, bad settings.
    SurveyDataError
        Missing answers with ``missing="error"``, non-numeric or constant items.

    Warns
    -----
    ConvergenceWarning
        The weights did not settle within ``max_iter`` iterations.

    Notes
    -----
    Data are standardized with the sd of divisor n − 1 (R ``scale()``). Outer weights
    start at 1; construct scores are ``X_std @ W`` with unit variance; loadings are
    item–score correlations; path coefficients are the OLS regressions of each
    endogenous construct on its predictors (standardized, so R² = 1 − 1/(C⁻¹)_dd).
    The algorithm is described in ``docs/pls.md`` and in
    ``loyaltysem._kernels.pls``.

    In R::

        seminr::estimate_pls(data, measurement_model = constructs(...),
                             structural_model = relationships(...),
                             inner_weights = path_weighting, maxIt = 300,
                             stopCriterion = 7)

    Examples
    --------
    >>> from loyaltysem.datasets import load_mobi
    >>> mobi = load_mobi()
    >>> mm = {k: mobi.constructs[k] for k in ["Image", "Expectation", "Value", "Satisfaction"]}
    >>> res = pls(mobi, mm, "Satisfaction ~ Image + Expectation + Value")
    >>> res.paths.loc[["Image", "Expectation", "Value"], "Satisfaction"].round(4).tolist()
    [0.447, 0.1718, 0.3164]
    >>> res.reliability.round(4).loc["Image"].tolist()  # seminr tests/fixtures reliability.csv
    [0.7228, 0.7453, 0.8183, 0.478]
    >>> pls(mobi, mm, "Satisfaction ~ Image + Expectation + Value", scheme="factorial").scheme
    'factorial'
    """
    frame = _items_frame(data, "pls")
    cons = _measurement(measurement, frame)
    pairs = parse_structural(structural)
    names = list(cons)
    in_paths = {c for pair in pairs for c in pair}
    unknown = sorted(in_paths - set(names))
    if unknown:
        raise ModelSpecError(
            "the structural model names constructs without a measurement model",
            found=unknown,
            expected=f"constructs of the measurement model: {names}",
            fix="add their items to the measurement model, or check the spelling",
        )
    lone = [c for c in names if c not in in_paths]
    if lone:
        raise ModelSpecError(
            "constructs of the measurement model have no path in the structural model",
            found=lone,
            expected="every construct connected by at least one path",
            fix="add their paths, drop them from the measurement model, or use rho_a() "
            "for reliability alone",
        )
    modes = _modes(mode, names)
    inner_scheme = _scheme(scheme)
    max_iter, tol = _stop(max_iter, tol)
    inner = np.zeros((len(names), len(names)))
    for s, t in pairs:
        inner[names.index(s), names.index(t)] = 1.0
    _check_recursive(names, inner)

    items, blocks = _blocks(cons)
    clean, n_bad = _complete_data(frame, items, missing, "pls")
    z, _, _ = _k.standardize(clean.to_numpy())
    r = np.corrcoef(z, rowvar=False)
    mode_list = [modes[c] for c in names]
    fit = _k.pls_moments(r, blocks, inner, mode_list, inner_scheme, max_iter, tol)
    unsettled: tuple[str, ...] = ()
    if not fit.converged:
        moved = np.zeros(len(names)) if fit.block_diff is None else fit.block_diff
        order = np.argsort(-moved, kind="stable")
        unsettled = tuple(names[j] for j in order if moved[j] > 0)[:3]
        warnings.warn(
            f"PLS did not converge in {max_iter} iterations (weight change "
            f"{fit.weight_diff:.3g} >= tol {tol:g}; still moving most: "
            f"{', '.join(unsettled) or 'none'}); the estimates are not to be trusted — "
            "raise max_iter, or check those constructs' items",
            ConvergenceWarning,
            stacklevel=2,
        )

    item_index = clean.columns.rename("item")
    con_index = pd.Index(names, name="construct")
    n = len(clean)
    endo = [j for j in range(len(names)) if inner[:, j].any()]
    r2_values = np.column_stack(
        [
            fit.r2[endo],
            [1.0 - (1.0 - fit.r2[j]) * (n - 1) / (n - int(inner[:, j].sum()) - 1) for j in endo],
        ]
    )
    endo_index = pd.Index([names[j] for j in endo], name="construct")
    r2 = pd.DataFrame(r2_values, index=endo_index, columns=_R2_INDEX)
    notes = [] if fit.converged else [f"NOT converged within max_iter = {max_iter}"]
    return PLSResult(
        weights=pd.DataFrame(fit.weights, index=item_index, columns=con_index),
        loadings=pd.DataFrame(fit.loadings, index=item_index, columns=con_index),
        cross_loadings=pd.DataFrame(fit.cross_loadings, index=item_index, columns=con_index),
        paths=pd.DataFrame(
            fit.paths,
            index=con_index.rename("source"),
            columns=con_index.rename("target"),
        ),
        r2=r2,
        scores=pd.DataFrame(_k.scores(z, fit.weights), index=clean.index, columns=con_index),
        construct_cor=pd.DataFrame(fit.construct_cor, index=con_index, columns=con_index),
        reliability=_reliability(r, blocks, fit.weights, fit.loadings, mode_list, con_index),
        htmt=pd.DataFrame(_k.htmt_seminr(r, blocks), index=con_index, columns=con_index),
        measurement=MappingProxyType({c: tuple(v) for c, v in cons.items()}),
        structural=tuple(pairs),
        modes=MappingProxyType(modes),
        scheme=inner_scheme,
        iterations=fit.iterations,
        converged=fit.converged,
        weight_diff=fit.weight_diff,
        n=n,
        n_dropped=n_bad,
        missing=missing,
        max_iter=max_iter,
        tol=tol,
        notes=tuple(notes),
        data=clean,
        unsettled=unsettled,
    )


def require_plain(result: Any, what: str) -> None:
    """Refuse ``what`` for a model whose indicators are built in stages (for now).

    The interaction terms of :func:`moderation` and the stage-1 scores of
    :func:`higher_order` must be rebuilt from the raw items in every fold or group
    (seminr does); re-estimating the stored result would treat them as fixed items and
    give predictions and tests that look right and are not. (The bootstrap rebuilds
    them per draw.)

    Raises
    ------
    ModelSpecError
        ``result.extension`` is ``"interaction"`` or ``"higher_order"``.
    """
    kind = getattr(result, "extension", "")
    if kind:
        built = "interaction terms" if kind == "interaction" else "higher-order constructs"
        raise ModelSpecError(
            f"{what} of a model with {built} is not available yet",
            found=f"a {kind.replace('_', '-')} PLS result",
            expected="a path model without interaction terms or higher-order constructs",
            fix="analyse the model without them, or with seminr for this step until "
            "loyaltysem rebuilds the terms in every fold and group",
        )


def rho_a(
    data: Any,
    constructs: Mapping[str, Sequence[str]],
    *,
    structural: str | Sequence[tuple[str, str]] | None = None,
    mode: str | Mapping[str, str] = "A",
    scheme: str = "path",
    max_iter: int = 300,
    tol: float = 1e-7,
    missing: Missing = "error",
) -> pd.Series:
    r"""Dijkstra–Henseler's rho_A of each construct from PLS outer weights.

    .. math::

        \rho_A = (\hat w'\hat w)^2 \,
        \frac{\hat w'(S - \operatorname{diag} S)\hat w}
             {\hat w'(\hat w\hat w' - \operatorname{diag}(\hat w\hat w'))\hat w}

    with ``S`` the item correlation matrix and ``ŵ`` the PLS outer weights scaled to
    a unit-variance composite (Dijkstra & Henseler 2015, *MIS Quarterly* 39(2),
    eq. 19), as ``seminr::rho_A()``. A single item, and a mode-B construct, get 1.

    Parameters
    ----------
    data : Survey or DataFrame
        Item scores.
    constructs : dict
        ``{construct: [items]}`` (or anything with such a ``.constructs``).
    structural : str or sequence of (source, target), optional
        The inner model. Given, the weights are those of :func:`pls` with it, and
        rho_A equals ``seminr::rho_A(estimate_pls(...), ...)`` (and
        ``summary(model)$reliability[, "rhoA"]``). Omitted, every construct is
        adjacent to every other without direction (a saturated inner model); the
        path scheme then weighs neighbours by their correlations, i.e. it coincides
        with the factorial scheme. seminr always needs a structural model; with a
        saturated one the weights hardly depend on the scheme, and rho_A agrees with
        seminr's on the ECSI model of mobi to about 0.02 (``docs/pls.md``). A lone
        construct (only one given, no model) uses its own score as inner proxy, so
        mode A converges to the first principal component of its items.
    mode, scheme, max_iter, tol, missing
        As :func:`pls` (``scheme`` only matters with ``structural``, or is
        ``"centroid"``).

    Returns
    -------
    Series
        rho_A per construct, named ``rho_a``.

    Examples
    --------
    >>> from loyaltysem.datasets import load_mobi
    >>> mobi = load_mobi()
    >>> mm = {k: mobi.constructs[k] for k in ["Image", "Expectation", "Value", "Satisfaction"]}
    >>> rho_a(mobi, mm, structural="Satisfaction ~ Image + Expectation + Value").round(4).tolist()
    [0.7453, 0.4617, 0.8575, 0.784]
    >>> float(rho_a(mobi, {"Complaints": ["CUSCO"]}).iloc[0])
    1.0
    """
    if structural is not None:
        res = pls(
            data,
            constructs,
            structural,
            mode=mode,
            scheme=scheme,
            max_iter=max_iter,
            tol=tol,
            missing=missing,
        )
        return res.reliability["rho_a"].rename("rho_a")
    frame = _items_frame(data, "rho_a")
    cons = _measurement(constructs, frame)
    names = list(cons)
    modes = _modes(mode, names)
    inner_scheme = _scheme(scheme)
    if inner_scheme == "path":
        inner_scheme = "factorial"  # no directions: path weighting is factorial weighting
    max_iter, tol = _stop(max_iter, tol)
    items, blocks = _blocks(cons)
    clean, _ = _complete_data(frame, items, missing, "rho_a")
    z, _, _ = _k.standardize(clean.to_numpy())
    r = np.atleast_2d(np.corrcoef(z, rowvar=False))
    m = len(names)
    # undirected saturated model: mark every pair adjacent once (upper triangle)
    inner = np.triu(np.ones((m, m)), 1)
    mode_list = [modes[c] for c in names]
    fit = _k.pls_moments(r, blocks, inner, mode_list, inner_scheme, max_iter, tol)
    if not fit.converged:
        warnings.warn(
            f"PLS weights for rho_A did not converge in {max_iter} iterations",
            ConvergenceWarning,
            stacklevel=2,
        )
    values = [
        1.0
        if (len(b) == 1 or mode_list[j] == "B")
        else _k.rho_a(r[np.ix_(b, b)], fit.weights[b, j])
        for j, b in enumerate(blocks)
    ]
    return pd.Series(values, index=pd.Index(names, name="construct"), name="rho_a")


# PLSc, moderation, higher-order constructs (issue 16 item 2); imported last: they build on
# the names above.
from loyaltysem.pls.consistent import consistent  # noqa: E402
from loyaltysem.pls.higher_order import (  # noqa: E402
    HigherOrder,
    HigherOrderStages,
    higher_composite,
    higher_order,
    higher_order_stages,
)
from loyaltysem.pls.moderation import (  # noqa: E402
    Interaction,
    SimpleSlopes,
    interaction_term,
    moderation,
    simple_slopes,
)

__all__ += [
    "HigherOrder",
    "HigherOrderStages",
    "Interaction",
    "SimpleSlopes",
    "consistent",
    "higher_composite",
    "higher_order",
    "higher_order_stages",
    "interaction_term",
    "moderation",
    "simple_slopes",
]

# Inference, prediction, groups and IPMA on a fitted model (issue 16 items 3-6).
from loyaltysem.pls.bootstrap import PLSBootstrap, bootstrap_pls  # noqa: E402
from loyaltysem.pls.groups import MGAResult, MICOMResult, mga, micom  # noqa: E402
from loyaltysem.pls.ipma import IPMAResult, ipma  # noqa: E402
from loyaltysem.pls.predict import (  # noqa: E402
    CVPAT,
    PLSNewPredictions,
    PLSPredict,
    cvpat,
    predict_new,
    predict_pls,
)

__all__ += [
    "CVPAT",
    "IPMAResult",
    "MGAResult",
    "MICOMResult",
    "PLSBootstrap",
    "PLSNewPredictions",
    "PLSPredict",
    "bootstrap_pls",
    "cvpat",
    "ipma",
    "mga",
    "micom",
    "predict_new",
    "predict_pls",
]
