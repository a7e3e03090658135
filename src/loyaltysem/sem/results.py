"""Result objects: immutable, pandas tables at full precision, with provenance."""

from __future__ import annotations

import functools
import platform
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from importlib.metadata import PackageNotFoundError, version
from types import MappingProxyType
from typing import Any, ClassVar

import numpy as np
import pandas as pd
from scipy import special, stats

from loyaltysem._display import (
    DisplayMixin,
    fit_sentence,
    fit_table,
    format_fit_table,
    report_backend,
    short_repr,
)
from loyaltysem._kernels.partable import CompiledModel, ParTable
from loyaltysem._pickling import Once  # (importing it makes read-only mappings pickle)
from loyaltysem.errors import ModelSpecError
from loyaltysem.sem.effects import EffectsResult, effects
from loyaltysem.sem.specification import DefinedParameters
from loyaltysem.status import Status

__all__ = ["Provenance", "SEMResult", "estimates_table", "library_versions", "rsquare"]

#: the libraries whose code computes a result's numbers. semopy and factor_analyzer (the
#: ``crosscheck`` extra) are not among them: the library never imports them, so a result
#: does not depend on whether or which version of them is installed.
_LIBRARIES = ("loyaltysem", "numpy", "scipy", "pandas")


def library_versions() -> dict[str, str]:
    """Versions of Python and of the libraries a result depends on.

    A library that is not installed (``loyaltysem`` itself when run from a source tree
    without ``pip install``) is recorded as ``"not installed"``, never an error.

    Examples
    --------
    >>> from loyaltysem.sem.results import library_versions
    >>> sorted(library_versions())
    ['loyaltysem', 'numpy', 'pandas', 'python', 'scipy']
    """
    return dict(_library_versions())


@functools.cache
def _library_versions() -> tuple[tuple[str, str], ...]:
    out = {"python": platform.python_version()}
    for name in _LIBRARIES:
        try:
            out[name] = version(name)
        except PackageNotFoundError:
            out[name] = "not installed"
    return tuple(out.items())


@dataclass(frozen=True, repr=False)
class Provenance:
    """Where a result came from: enough to reproduce it.

    Attributes
    ----------
    estimator : str
        E.g. ``"ML"``.
    n : int
        Observations used.
    n_excluded : int
        Observations dropped (listwise deletion), counted, never silent.
    data_hash : str or None
        SHA-256 of the data used (``None`` for summary-statistic input, where the
        hash of the covariance matrix is used instead).
    random_state : int or None
        Seed of anything random (``None`` where nothing is).
    versions : mapping
        Python and library versions.
    options : mapping
        The options that decide the numbers (information, std_lv, fixed_x, ...).
    """

    estimator: str
    n: int
    n_excluded: int
    data_hash: str | None
    random_state: int | None = None
    versions: Mapping[str, str] = field(
        default_factory=lambda: MappingProxyType(library_versions())
    )
    options: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}))

    def __repr__(self) -> str:
        digest = (self.data_hash or "")[:12]
        parts = [
            f"estimator={self.estimator}",
            f"n={self.n}",
            f"n_excluded={self.n_excluded}",
            f"data_hash={digest}…" if digest else "",
            f"random_state={self.random_state}",
            f"loyaltysem={self.versions.get('loyaltysem', '?')}",
        ]
        return short_repr("Provenance", parts)

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe dict."""
        return {
            "estimator": self.estimator,
            "n": self.n,
            "n_excluded": self.n_excluded,
            "data_hash": self.data_hash,
            "random_state": self.random_state,
            "versions": dict(self.versions),
            "options": {k: v for k, v in self.options.items()},
        }


_PANDAS_COW = int(pd.__version__.split(".")[0]) >= 3


def _copy(table: Any) -> Any:
    return _made(table).copy(deep=not _PANDAS_COW)


def _made(table: Any) -> Any:
    """A table, or one deferred (:class:`~loyaltysem._pickling.Once`) made on first use."""
    return table() if isinstance(table, Once) else table


@dataclass(frozen=True, eq=False)
class SEMResult(DisplayMixin):
    """The result of :func:`loyaltysem.fit`: estimates, fit, R², implied moments.

    Attributes
    ----------
    model : str
        The model syntax fitted.
    estimates : DataFrame
        One row per parameter (lavaan ``parameterEstimates()`` joined with
        ``standardizedSolution()``): ``lhs, op, rhs, label, free, est, se, z, pvalue,
        ci_lower, ci_upper, std_lv, std_all, se_std_all``.
    fit_measures : Series
        Keyed by lavaan's ``fitMeasures()`` names.
    r2 : Series
        R² of every endogenous variable (lavaan ``lavInspect(fit, "rsquare")``).
    implied_cov, sample_cov : DataFrame
        Model-implied and sample covariance matrices (divisor N).
    implied_mean : Series or None
        Model-implied means, with a mean structure.
    vcov : DataFrame
        Covariance matrix of the free parameters.
    converged : bool
    iterations : int
    warnings : tuple of str
        Everything a reader must know (non-convergence, Heywood cases, dropped rows).
    provenance : Provenance
    status : Status
        Converged, admissible, identified, with the reasons (:mod:`loyaltysem.status`);
        shown first by ``summary()``.
    """

    # the tables a fit always reports are made with it; the others (R², implied and sample
    # moments, vcov) may be deferred (a Once, made on first use and kept: one fit with
    # its fit measures and standardized solution does not pay for tables nobody reads)
    model: str
    _estimates: pd.DataFrame
    _fit_measures: pd.Series
    _r2: pd.Series | Once[pd.Series]
    _implied_cov: pd.DataFrame | Once[pd.DataFrame]
    _sample_cov: pd.DataFrame | Once[pd.DataFrame]
    _vcov: pd.DataFrame | Once[pd.DataFrame]
    converged: bool
    iterations: int
    warnings: tuple[str, ...]
    provenance: Provenance
    _modindices: Callable[[], pd.DataFrame] | None = field(default=None, repr=False)
    _std_residuals: Callable[[], np.ndarray] | None = field(default=None, repr=False)
    # the free-parameter estimates and the map from a batch of them (batch, q) to the
    # std.all values of the parameter rows (batch, rows): delta-method SEs of quantities
    # derived from the standardized solution (effects)
    _x: np.ndarray | None = field(default=None, repr=False)
    _std_all_batch: Callable[[np.ndarray], np.ndarray] | None = field(default=None, repr=False)
    _implied_mean: pd.Series | Once[pd.Series] | None = field(default=None, repr=False)
    # ordinal (WLSMV/ULSMV) fits: what the scaled-shifted difference test needs
    # (loyaltysem._kernels.multigroup_dwls.OrdinalInternals); None otherwise
    _internals: Any = field(default=None, repr=False)
    # the status as classified where the warnings arose (None: from the warning sentences)
    _status: Status | None = field(default=None, repr=False)

    _title: ClassVar[str] = "Structural equation model"

    @property
    def status(self) -> Status:
        """Converged, admissible, identified, with the reasons (:class:`Status`).

        Examples
        --------
        >>> import loyaltysem as ls
        >>> ls.fit(ls.DEFAULT_MODEL, ls.load_ecommerce()).status.label
        'converged, admissible, identified'
        """
        own = self._status
        if own is not None and own.converged == self.converged and own.reasons == self.warnings:
            return own
        return Status.from_warnings(self.converged, self.warnings)  # e.g. after replace()

    # Tables are handed out as copies (cheap under pandas copy-on-write), so that changing
    # one never changes the result: a result is data, fixed once fitted.
    @property
    def estimates(self) -> pd.DataFrame:
        """One row per parameter (see the class docstring)."""
        return _copy(self._estimates)

    @property
    def fit_measures(self) -> pd.Series:
        """Fit measures keyed by lavaan's ``fitMeasures()`` names."""
        return _copy(self._fit_measures)

    @property
    def r2(self) -> pd.Series:
        """R² of every endogenous variable."""
        return _copy(self._r2)

    @property
    def implied_cov(self) -> pd.DataFrame:
        """Model-implied covariance matrix."""
        return _copy(self._implied_cov)

    @property
    def implied_mean(self) -> pd.Series | None:
        """Model-implied means (``None`` without a mean structure)."""
        return None if self._implied_mean is None else _copy(self._implied_mean)

    @property
    def sample_cov(self) -> pd.DataFrame:
        """Sample covariance matrix (divisor N)."""
        return _copy(self._sample_cov)

    @property
    def vcov(self) -> pd.DataFrame:
        """Covariance matrix of the free parameters."""
        return _copy(self._vcov)

    def modification_indices(self, *, minimum_value: float = 0.0) -> pd.DataFrame:
        """Modification indices, largest first (lavaan ``modindices(fit, sort. = TRUE)``).

        Columns ``lhs, op, rhs, mi, epc, sepc.lv, sepc.all, sepc.nox``; computed on
        request from the expected information of the model extended by every
        parameter lavaan considers (ML fits:
        :func:`loyaltysem.sem.single_group.modification_indices`; WLSMV/ULSMV fits:
        :func:`loyaltysem.sem.ordinal.ordinal_modification_indices`).

        Parameters
        ----------
        minimum_value : float, default 0
            Only rows with ``mi`` above this value (lavaan ``minimum.value``).

        Raises
        ------
        ModelSpecError
            A result without modification indices (built without the data they need).
        """
        if self._modindices is None:
            raise ModelSpecError(
                "this result has no modification indices",
                found=f"a result of estimator {self.provenance.estimator!r}",
                expected="a result of loyaltysem.fit() on data or summary statistics",
                fix="refit the model with loyaltysem.fit() and call modification_indices()",
            )
        table = self._modindices()
        return table[table["mi"] > minimum_value].reset_index(drop=True)

    def effects(self, bootstrap: Any = None, level: float = 0.95) -> EffectsResult:
        """Direct, indirect, specific and total effects and the mediation types.

        :func:`loyaltysem.sem.effects.effects` of this result (delta-method SEs; with
        ``bootstrap=loyaltysem.bootstrap(result, ...)`` also percentile intervals).

        Examples
        --------
        >>> import loyaltysem as ls
        >>> res = ls.fit(ls.DEFAULT_MODEL, ls.load_ecommerce())
        >>> eff = res.effects()  # R: := definitions + parameterEstimates(fit)
        >>> eff.mediation.set_index(["source", "target"]).loc[("TRU", "LOY"), "type"]
        'complementary'
        """
        return effects(self, bootstrap, level)

    def residuals(self, kind: str = "raw") -> pd.DataFrame:
        """Residual covariances ``S - Sigma``.

        Parameters
        ----------
        kind : {"raw", "cor", "standardized"}
            ``raw``: covariance residuals (lavaan ``resid(fit, type = "raw")``);
            ``cor``: correlation residuals ``cor(S) - cor(Sigma)``
            (``type = "cor.bollen"``, lavaan's ``"cor"``); ``standardized``: raw
            residuals divided by their standard errors (``type = "standardized"``, see
            :func:`loyaltysem.sem.single_group.standardized_residuals`).
        """
        s = self.sample_cov.to_numpy()
        sigma = self.implied_cov.to_numpy()
        if kind == "raw":
            values = s - sigma
        elif kind == "standardized":
            if self._std_residuals is None:
                raise ValueError("this result has no standardized residuals")
            # computed once (their asymptotic covariance is the costly part; a report asks
            # for them twice): the result is immutable, so the values never change
            cached = self.__dict__.get("_std_residuals_values")
            if cached is None:
                cached = np.asarray(self._std_residuals(), dtype=float)
                object.__setattr__(self, "_std_residuals_values", cached)
            values = cached.copy()
        elif kind == "cor":
            ds = np.sqrt(np.diag(s))
            dm = np.sqrt(np.diag(sigma))
            values = s / np.outer(ds, ds) - sigma / np.outer(dm, dm)
        else:
            raise ValueError(f"kind must be 'raw', 'cor' or 'standardized', got {kind!r}")
        return pd.DataFrame(values, index=self.sample_cov.index, columns=self.sample_cov.columns)

    def diagram(self, **options: Any) -> Any:
        """Draw the path diagram (:func:`loyaltysem.report.diagram` with this result).

        R: ``semPlot::semPaths(fit, "std")`` or ``lavaanPlot(model = fit)``, with an
        automatic SEM layout (constructs in columns by causal order, indicators fanned
        outward) and the result's status in the title when it is not ok.

        Parameters
        ----------
        **options
            The keywords of :func:`loyaltysem.report.diagram`: ``structural_only``,
            ``loadings``, ``lang``, ``layout``, ``group``, ``multigroup``, ``codebook``,
            ``covariances``.

        Returns
        -------
        Diagram
            Save it with ``.save("model.svg")``; Jupyter shows it as SVG.

        Examples
        --------
        >>> import loyaltysem as ls
        >>> s = ls.load_ecommerce()
        >>> d = ls.fit(ls.DEFAULT_MODEL, s).diagram(codebook=s, structural_only=True)
        >>> d.edge_label("TRU", "LOY")
        '.37***'
        """
        return report_backend("diagrams").diagram(self, **options)

    def fit_table(self) -> pd.DataFrame:
        """The fit indices a reader reports, as a compact table (full precision).

        χ², df, p, CFI, TLI, RMSEA with its 90 % CI and close-fit p, SRMR, AIC, BIC and
        N; with a robust estimator (MLM, MLR, WLSMV, ULSMV) a second column ``robust``
        with the scaled χ² and the robust CFI, TLI and RMSEA
        (:func:`loyaltysem._display.fit_table`). :attr:`fit_measures` keeps every
        measure lavaan's ``fitMeasures()`` gives.

        Examples
        --------
        >>> import loyaltysem as ls
        >>> res = ls.fit(ls.DEFAULT_MODEL, ls.load_ecommerce())
        >>> table = res.fit_table()  # R: fitMeasures(fit, c("chisq", "df", "pvalue", ...))
        >>> table.columns.tolist(), int(table.loc["df", "standard"])
        (['standard'], 353)
        """
        return fit_table(self._fit_measures, self.provenance.n)

    # ------------------------------------------------------------------ display
    def _header(self) -> list[str]:
        p = self.provenance
        fiml = p.options.get("missing") in ("ml", "ml.x")
        excluded = "without any answer" if fiml else "listwise"
        lines = [
            f"status: {self.status.label}",
            f"estimator: {p.estimator}, N = {p.n}"
            + (f", missing = '{p.options.get('missing')}' (full-information ML)" if fiml else "")
            + (f" ({p.n_excluded} excluded {excluded})" if p.n_excluded else ""),
            f"converged: {self.converged} after {self.iterations} iterations",
            *fit_sentence(self._fit_measures).split("; "),
        ]
        lines += [f"WARNING: {w}" for w in self.warnings]
        return lines

    _na_rep: ClassVar[str] = ""

    def _sections(self) -> Iterable[tuple[str, pd.DataFrame | pd.Series]]:
        cols = ["lhs", "op", "rhs", "label", "est", "se", "z", "pvalue", "std_all"]
        table = self.estimates[cols].copy()
        fixed = (self.estimates["free"] == 0) & (self.estimates["op"] != ":=")
        table.loc[fixed, ["se", "z", "pvalue"]] = np.nan  # lavaan leaves them blank
        ops, lhs, rhs = table["op"], table["lhs"], table["rhs"]
        parts = [
            ("Latent variables (=~)", ops == "=~"),
            ("Regressions (~)", ops == "~"),
            ("Covariances (~~)", (ops == "~~") & (lhs != rhs)),
            ("Intercepts (~1)", ops == "~1"),
            ("Thresholds (|)", ops == "|"),
            ("Scales (~*~)", ops == "~*~"),
            ("Variances (~~)", (ops == "~~") & (lhs == rhs)),
            ("Defined parameters (:=)", ops == ":="),
        ]
        for title, mask in parts:
            if mask.any():
                yield title, table[mask]
        if len(self.r2):
            yield "R-squared", self.r2.rename("r2")
        yield "Fit measures", format_fit_table(self.fit_table())

    def _repr_parts(self) -> list[str]:
        fm = self._fit_measures
        scaled = "chisq.scaled" in fm.index
        chisq = fm["chisq.scaled"] if scaled else fm["chisq"]
        return [
            f"N={self.provenance.n}",
            f"estimator={self.provenance.estimator}",
            self.status.repr_part(),
            f"npar={int(fm['npar'])}",
            f"{'chisq.scaled' if scaled else 'chisq'}={chisq:.3f}",
            f"df={fm['df']:.0f}",
            f"cfi={fm.get('cfi.robust' if scaled else 'cfi', np.nan):.3f}",
            f"rmsea={fm.get('rmsea.robust' if scaled else 'rmsea', np.nan):.3f}",
        ]

    def __repr__(self) -> str:
        return short_repr("SEMResult", self._repr_parts())


_Z_95 = float(stats.norm.ppf(0.975))


def estimates_table(
    pt: ParTable,
    est: np.ndarray,
    se: np.ndarray,
    std_lv: np.ndarray,
    std_all: np.ndarray,
    se_std_all: np.ndarray,
    defined: DefinedParameters | None = None,
    x: np.ndarray | None = None,
    vcov: np.ndarray | None = None,
) -> pd.DataFrame:
    """A fit's estimates: lavaan's ``parameterEstimates()`` with ``standardizedSolution()``.

    One row per parameter-table row (``z``, ``pvalue`` and the 95 % interval from the
    normal distribution; ``z`` only for free parameters), then the ``:=`` rows of
    ``defined`` (delta-method SEs at ``x`` with ``vcov``). ``std_all`` and
    ``se_std_all`` may carry the defined parameters after the rows.
    """
    is_free = pt.free > 0
    with np.errstate(divide="ignore", invalid="ignore"):
        z = np.where(is_free, est / se, np.nan)
    n_rows = len(pt)
    columns = {
        **pt.text_columns,  # lhs, op, rhs, label
        "free": pt.free.copy(),
        "est": est,
        "se": se,
        "z": z,
        "pvalue": 2 * special.ndtr(-np.abs(z)),  # stats.norm.sf, without its overhead
        "ci_lower": est - _Z_95 * se,
        "ci_upper": est + _Z_95 * se,
        "std_lv": std_lv,
        "std_all": std_all[:n_rows],
        "se_std_all": se_std_all[:n_rows],
    }
    table = _frame(columns, n_rows)
    if defined is not None and x is not None and vcov is not None:
        rows = defined.table(x, vcov, std_lv, std_all, se_std_all)
        table = pd.concat([table, rows], ignore_index=True)
    return table


@functools.lru_cache(maxsize=16)
def _column_index(names: tuple[str, ...]) -> pd.Index:
    """A table's column labels (a handful of distinct sets; an Index is immutable)."""
    return pd.Index(list(names))


def _frame(columns: Mapping[str, Any], n_rows: int) -> pd.DataFrame:
    """``pd.DataFrame(columns)`` for columns of one length and known dtypes, built directly.

    The arrays are already what pandas would hold (numpy float and int arrays, the
    partable's cached string arrays), so pandas' per-column inference and checks are
    skipped (``DataFrame._from_arrays`` without verification: a quarter of the time of
    the dict constructor for an estimates table). Columns of one dtype are still
    consolidated into one block (copied), as the dict constructor does. Should a pandas
    release drop that private constructor, the public one is used.
    """
    arrays = list(columns.values())
    try:
        return pd.DataFrame._from_arrays(  # type: ignore[attr-defined]
            arrays,
            columns=_column_index(tuple(columns)),
            index=pd.RangeIndex(n_rows),
            verify_integrity=False,
        )
    except (AttributeError, TypeError):  # pragma: no cover - a pandas without it
        return pd.DataFrame(dict(columns))


def rsquare(cm: CompiledModel, mats: dict[str, np.ndarray]) -> pd.Series:
    """R² of every indicator (observed, or a first-order factor) and every regressed variable.

    ``1 - residual variance / implied variance``, in lavaan's order
    (``lavInspect(fit, "rsquare")``); above 1 (a negative residual variance) NaN, as
    lavaan reports NA.
    """
    a = np.linalg.inv(np.eye(cm.layout.n_lat) - mats["beta"])
    veta = np.diag(a @ mats["psi"] @ a.T)
    la = mats["lambda"] @ a
    vy = np.diag(la @ mats["psi"] @ la.T + mats["theta"])
    ops, lhs, rhs = cm.table.op, cm.table.lhs, cm.table.rhs
    names: list[str] = []
    for op, right in zip(ops, rhs, strict=True):
        indicator = (right in cm.ov and right not in cm.latent_side) or right in cm.lv
        if op == "=~" and indicator and right not in names:  # first-order factors too
            names.append(right)
    for op, left in zip(ops, lhs, strict=True):
        if op == "~" and left not in names:
            names.append(left)
    lat_pos = {name: j for j, name in enumerate(cm.latent_side)}
    ov_pos = {name: i for i, name in enumerate(cm.ov)}
    values = []
    for name in names:
        if name in lat_pos:
            j = lat_pos[name]
            values.append(1.0 - mats["psi"][j, j] / veta[j])
        else:
            i = ov_pos[name]
            values.append(1.0 - mats["theta"][i, i] / vy[i])
    r2 = np.array(values, dtype=float)
    r2[r2 > 1.0] = np.nan
    return pd.Series(r2, index=pd.Index(names, name="variable"), name="r2", dtype=float)
