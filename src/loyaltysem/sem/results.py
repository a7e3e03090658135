"""Result objects: immutable, pandas tables at full precision, with provenance."""

from __future__ import annotations

import functools
import platform
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
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
from loyaltysem._threads import single_blas_thread
from loyaltysem.errors import ModelSpecError
from loyaltysem.sem.effects import EffectsResult, effects
from loyaltysem.sem.specification import DefinedParameters
from loyaltysem.status import Status

__all__ = [
    "GroupTables",
    "MultiGroupResult",
    "Provenance",
    "SEMResult",
    "estimates_table",
    "library_versions",
    "rsquare",
]

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


class GroupTables(Mapping[Any, Any]):
    """One table per group of a multi-group result, by group label.

    ``result.implied_cov("urban")`` (a call, as before) or ``result.implied_cov["urban"]``;
    iterating gives the labels in lavaan's group order. Each table is handed out as a
    copy: changing it never changes the result. (lavaan: ``fitted(fit)`` returns a list
    with one element per group.)
    """

    def __init__(self, result: SEMResult, tables: Mapping[Any, Any], index: int) -> None:
        self._result = result
        self._tables = tables
        self._index = index  # which table of each group's tuple

    def __getitem__(self, group: Any) -> Any:
        return _copy(self._tables[self._result._label(group)][self._index])

    def __call__(self, group: Any) -> Any:
        """The table of ``group`` (as the multi-group methods took it before)."""
        return self[group]

    def __iter__(self) -> Iterator[Any]:
        return iter(self._result.group_labels)

    def __len__(self) -> int:
        return len(self._result.group_labels)

    def __repr__(self) -> str:
        return f"<GroupTables of groups {list(self)!r}>"


@dataclass(frozen=True, eq=False)
class SEMResult(DisplayMixin):
    """The result of :func:`loyaltysem.fit`: estimates, fit, R², implied moments.

    One type for every fit: a single group is the case G = 1 (lavaan's own
    representation), a fit with ``group=`` has G > 1 groups and is returned as its
    named subclass :class:`MultiGroupResult`.

    Attributes
    ----------
    model : str
        The model syntax fitted.
    estimates : DataFrame
        One row per parameter (lavaan ``parameterEstimates()`` joined with
        ``standardizedSolution()``): ``lhs, op, rhs, group, label, free, est, se, z,
        pvalue, ci_lower, ci_upper, std_lv, std_all, se_std_all``. ``group`` is
        lavaan's group number (1..G; 1 for one group; 0 on ``:=`` rows, as lavaan's
        ``parTable()``); with several groups ``group_label`` follows it.
    fit_measures : Series
        Keyed by lavaan's ``fitMeasures()`` names (the joint fit with several groups).
    r2 : Series
        R² of every endogenous variable (lavaan ``lavInspect(fit, "rsquare")``); with
        several groups indexed ``group_label, variable``.
    implied_cov, sample_cov : DataFrame, or GroupTables with several groups
        Model-implied and sample covariance matrices (divisor N, per group N_g);
        with several groups a ``GroupTables``: ``implied_cov("urban")``.
    implied_mean : Series, None, or GroupTables with several groups
        Model-implied means, with a mean structure.
    sample_mean : None, or GroupTables with several groups
        Sample means per group (a single-group fit keeps none).
    vcov : DataFrame
        Covariance matrix of the free parameters (shared ones once).
    n_groups : int
        G; 1 without ``group=``.
    group : str or None
        The grouping column (lavaan ``group =``).
    group_labels : tuple
        The groups in lavaan's order (empty for one group).
    group_equal, group_partial : tuple of str
        The constraints across groups, as given.
    nobs, chisq_group : Series
        Rows used and the chi-square contribution per group.
    converged : bool
    iterations : int
    warnings : tuple of str
        Everything a reader must know (non-convergence, Heywood cases, dropped rows).
    provenance : Provenance
    status : Status
        Converged, admissible (in every group), identified, with the reasons
        (:mod:`loyaltysem.status`); shown first by ``summary()``.
    """

    # the tables a fit always reports are made with it; the others (R², implied and sample
    # moments, vcov) may be deferred (a Once, made on first use and kept: one fit with
    # its fit measures and standardized solution does not pay for tables nobody reads)
    model: str
    _estimates: pd.DataFrame
    _fit_measures: pd.Series
    _r2: pd.Series | Once[pd.Series]
    _vcov: pd.DataFrame | Once[pd.DataFrame]
    converged: bool
    iterations: int
    warnings: tuple[str, ...]
    provenance: Provenance
    # one group (G = 1): its moments
    _implied_cov: pd.DataFrame | Once[pd.DataFrame] | None = field(default=None, repr=False)
    _sample_cov: pd.DataFrame | Once[pd.DataFrame] | None = field(default=None, repr=False)
    _implied_mean: pd.Series | Once[pd.Series] | None = field(default=None, repr=False)
    # several groups (G > 1): the grouping and each group's moments, by label
    group: str | None = None
    group_labels: tuple[Any, ...] = ()
    group_equal: tuple[str, ...] = ()
    group_partial: tuple[str, ...] = ()
    _chisq_group: pd.Series | None = field(default=None, repr=False)
    _nobs: pd.Series | None = field(default=None, repr=False)
    _implied: Mapping[Any, tuple[pd.DataFrame, pd.Series]] | None = field(default=None, repr=False)
    _sample: Mapping[Any, tuple[pd.DataFrame, pd.Series]] | None = field(default=None, repr=False)
    # score tests of the equality constraints across groups (None: there are none)
    _score: Callable[[], tuple[pd.DataFrame, pd.Series]] | None = field(default=None, repr=False)
    _modindices: Callable[[], pd.DataFrame] | None = field(default=None, repr=False)
    # standardized residuals: one matrix (G = 1) or one per group
    _std_residuals: Callable[[], Any] | None = field(default=None, repr=False)
    # the free-parameter estimates and the map from a batch of them (batch, q) to the
    # std.all values of the parameter rows (batch, rows): delta-method SEs of quantities
    # derived from the standardized solution (effects); one map per group with G > 1
    _x: np.ndarray | None = field(default=None, repr=False)
    _std_all_batch: Callable[[np.ndarray], np.ndarray] | None = field(default=None, repr=False)
    _std_all_batches: tuple[Callable[[np.ndarray], np.ndarray], ...] = field(default=(), repr=False)
    # ordinal (WLSMV/ULSMV) fits: what the scaled-shifted difference test needs
    # (loyaltysem._kernels.multigroup_dwls.OrdinalInternals); None otherwise
    _internals: Any = field(default=None, repr=False)
    # the status as classified where the warnings arose (None: from the warning sentences)
    _status: Status | None = field(default=None, repr=False)

    _title: ClassVar[str] = "Structural equation model"
    _na_rep: ClassVar[str] = ""

    @property
    def n_groups(self) -> int:
        """G, the number of groups (1 without ``group=``).

        Examples
        --------
        >>> import loyaltysem as ls, warnings
        >>> s = ls.load_ecommerce()
        >>> ls.fit("TRU =~ TRU1 + TRU2 + TRU3", s).n_groups
        1
        >>> with warnings.catch_warnings():
        ...     warnings.simplefilter("ignore")  # 8 rows without answers, counted
        ...     ls.fit("TRU =~ TRU1 + TRU2 + TRU3", s, group="wave").n_groups
        3
        """
        return max(1, len(self.group_labels))

    @property
    def _grouped(self) -> bool:
        """Fitted with ``group=``: per-group tables, even when one group is left."""
        return self.group is not None

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
        """One row per parameter (and group; see the class docstring)."""
        return _copy(self._estimates)

    @property
    def fit_measures(self) -> pd.Series:
        """Fit measures keyed by lavaan's ``fitMeasures()`` names."""
        return _copy(self._fit_measures)

    @property
    def r2(self) -> pd.Series:
        """R² of every endogenous variable (per group with several)."""
        return _copy(self._r2)

    @property
    def implied_cov(self) -> Any:
        """Model-implied covariance matrix; with several groups, one per group.

        Examples
        --------
        >>> import loyaltysem as ls, warnings
        >>> s = ls.load_ecommerce()
        >>> with warnings.catch_warnings():
        ...     warnings.simplefilter("ignore")  # 8 rows without answers, counted
        ...     mg = ls.fit("TRU =~ TRU1 + TRU2 + TRU3", s, group="wave")
        >>> mg.implied_cov(1).shape, list(mg.implied_cov)  # R: fitted(fit)[["1"]]$cov
        ((3, 3), [1, 2, 3])
        """
        if self._implied is not None:
            return GroupTables(self, self._implied, 0)
        return _copy(self._implied_cov)

    @property
    def implied_mean(self) -> Any:
        """Model-implied means (``None`` without a mean structure); per group with several."""
        if self._implied is not None:
            return GroupTables(self, self._implied, 1)
        return None if self._implied_mean is None else _copy(self._implied_mean)

    @property
    def sample_cov(self) -> Any:
        """Sample covariance matrix (divisor N); per group (divisor N_g) with several."""
        if self._sample is not None:
            return GroupTables(self, self._sample, 0)
        return _copy(self._sample_cov)

    @property
    def sample_mean(self) -> Any:
        """Sample means per group (a :class:`GroupTables`); ``None`` for one group."""
        return None if self._sample is None else GroupTables(self, self._sample, 1)

    @property
    def vcov(self) -> pd.DataFrame:
        """Covariance matrix of the free parameters (shared ones once)."""
        return _copy(self._vcov)

    @property
    def nobs(self) -> pd.Series:
        """Rows used, per group (one entry for one group)."""
        if self._nobs is not None:
            return _copy(self._nobs)
        return pd.Series([self.provenance.n], name="n")

    @property
    def chisq_group(self) -> pd.Series:
        """Chi-square contribution of each group (lavaan's "test statistic for each group")."""
        if self._chisq_group is not None:
            return _copy(self._chisq_group)
        return pd.Series([self._fit_measures.get("chisq", np.nan)], name="chisq")

    def _label(self, group: Any) -> Any:
        if self._implied is not None and group in self._implied:
            return group
        raise ModelSpecError(
            "no such group",
            column=self.group,
            found=group,
            expected=f"one of {[_plain(v) for v in self.group_labels]}"
            if self.group_labels
            else "no group: this model was fitted to one group",
            fix="pass a value of the grouping column",
        )

    def modification_indices(self, *, minimum_value: float = 0.0) -> pd.DataFrame:
        """Modification indices, largest first (lavaan ``modindices(fit, sort. = TRUE)``).

        Columns ``lhs, op, rhs, mi, epc, sepc.lv, sepc.all, sepc.nox`` (with several
        groups also ``group``: freeing the parameter in that one group); computed on
        request from the expected information of the model extended by every
        parameter lavaan considers (ML fits of one group or several:
        ``loyaltysem.sem.modindices``, one group the case G = 1; WLSMV/ULSMV fits:
        ``loyaltysem.sem.ordinal.ordinal_modification_indices``).

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
            several = self._grouped
            raise ModelSpecError(
                "this result has no modification indices",
                found=f"a {'multi-group ' if several else ''}fit by {self.provenance.estimator}",
                expected="a multi-group fit by ML, MLM or MLR (listwise or missing='ml')"
                if several
                else "a result of loyaltysem.fit() on data or summary statistics",
                fix="inspect the score tests (score_tests()) of the equality constraints, or "
                "refit by ML for modification indices"
                if several
                else "refit the model with loyaltysem.fit() and call modification_indices()",
            )
        if not self._grouped:
            table = self._modindices()
            return table[table["mi"] > minimum_value].reset_index(drop=True)
        with single_blas_thread():
            table = self._modindices()
        if minimum_value > 0:
            table = table[table["mi"] > minimum_value]
        return _copy(table.reset_index(drop=True))

    def score_tests(self) -> pd.DataFrame:
        """Score tests of the equality constraints, as ``lavTestScore(fit)$uni``.

        One row per constraint: the parameter it holds equal to group 1's
        (``lhs, op, rhs, group``: the row lavaan's constraint names on its right-hand
        side; ``group_label``: that group's label), ``X2`` (1 df), ``pvalue``; largest
        first. The statistic is what freeing that one parameter in that one group would
        gain (a Lagrange multiplier test).

        Raises
        ------
        ModelSpecError
            A model without equality constraints across groups.
        """
        return self._with_group_labels(self._score_parts()[0])

    def score_test_total(self) -> pd.Series:
        """The score test of all equality constraints at once, as ``lavTestScore(fit)$test``.

        ``X2``, ``df`` (the number of constraints) and ``pvalue``.
        """
        return self._score_parts()[1]

    def _with_group_labels(self, table: pd.DataFrame) -> pd.DataFrame:
        """``table`` with a ``group_label`` column after its lavaan group numbers."""
        if "group" not in table.columns or "group_label" in table.columns:
            return table
        out = table.copy()
        labels = [_plain(v) for v in self.group_labels]
        numbers = pd.to_numeric(out["group"], errors="coerce")
        out.insert(
            list(out.columns).index("group") + 1,
            "group_label",
            [labels[int(g) - 1] if g == g and 1 <= g <= len(labels) else None for g in numbers],
        )
        return out

    def _score_parts(self) -> tuple[pd.DataFrame, pd.Series]:
        if self._score is None:
            raise ModelSpecError(
                "this model has no equality constraints to test",
                found=f"group_equal={list(self.group_equal)}",
                expected="a model with parameters constrained equal across groups",
                fix="fit with group=..., group_equal=('loadings', ...)",
            )
        with single_blas_thread():
            table, total = self._score()
        return _copy(table), _copy(total)

    def effects(self, bootstrap: Any = None, level: float = 0.95) -> EffectsResult:
        """Direct, indirect, specific and total effects and the mediation types.

        :func:`loyaltysem.sem.effects.effects` of this result (delta-method SEs; with
        ``bootstrap=loyaltysem.bootstrap(result, ...)`` also percentile intervals); with
        several groups every group's, ``group`` and ``group_label`` columns first.

        Examples
        --------
        >>> import loyaltysem as ls
        >>> res = ls.fit(ls.DEFAULT_MODEL, ls.load_ecommerce())
        >>> eff = res.effects()  # R: := definitions + parameterEstimates(fit)
        >>> eff.mediation.set_index(["source", "target"]).loc[("TRU", "LOY"), "type"]
        'complementary'
        """
        return effects(self, bootstrap, level)

    def residuals(self, group: Any = None, kind: str | None = None) -> pd.DataFrame:
        """Residual covariances ``S - Sigma`` (of one group, with several).

        ``residuals(kind)`` with one group, ``residuals(group, kind)`` with several
        (lavaan ``resid(fit)``, a list with one element per group).

        Parameters
        ----------
        group
            With several groups: a value of the grouping column. With one group it may
            be left out, and a kind given in its place (``residuals("cor")``).
        kind : {"raw", "cor", "standardized"}, default "raw"
            ``raw``: covariance residuals (lavaan ``resid(fit, type = "raw")``);
            ``cor``: ``cor(S) - cor(Sigma)`` (``type = "cor.bollen"``, lavaan's
            ``"cor"``); ``standardized``: raw residuals divided by their standard
            errors (``type = "standardized"``, see
            ``loyaltysem.sem.residuals.standardized_residuals``; with several
            groups lavaan 0.6.14's group-by-group ``lav_residuals_acov`` for ML, MLM,
            MLR, full-information ML and fixed.x covariates, not yet ordinal).

        Raises
        ------
        ModelSpecError
            An unknown group or kind, or standardized residuals that are not available.

        Examples
        --------
        >>> import loyaltysem as ls, warnings
        >>> s = ls.load_ecommerce()
        >>> one = ls.fit("TRU =~ TRU1 + TRU2 + TRU3", s)
        >>> with warnings.catch_warnings():
        ...     warnings.simplefilter("ignore")  # 8 rows without answers, counted
        ...     mg = ls.fit("TRU =~ TRU1 + TRU2 + TRU3", s, group="wave")
        >>> one.residuals("cor").shape, mg.residuals(2, "cor").shape
        ((3, 3), (3, 3))
        """
        if not self._grouped:
            if kind is None and group is not None:  # residuals("cor"): the kind
                group, kind = None, group
            if group is not None:
                self._label(group)  # raises: no groups
            s, sigma = _made(self._sample_cov), _made(self._implied_cov)
        else:
            label = self._label(group)
            s, sigma = self._sample[label][0], self._implied[label][0]  # type: ignore[index]
        kind = "raw" if kind is None else kind
        if kind == "raw":
            values = s.to_numpy() - sigma.to_numpy()
        elif kind == "cor":
            ds = np.sqrt(np.diag(s.to_numpy()))
            dm = np.sqrt(np.diag(sigma.to_numpy()))
            values = s.to_numpy() / np.outer(ds, ds) - sigma.to_numpy() / np.outer(dm, dm)
        elif kind == "standardized":
            values = self._standardized_residuals(group)
        else:
            raise ModelSpecError(
                "unknown kind of residuals",
                found=kind,
                expected="'raw', 'cor' or 'standardized'",
                fix="residuals(kind='cor')" if not self._grouped else "residuals(group, 'cor')",
            )
        return pd.DataFrame(values, index=s.index, columns=s.columns)

    def _standardized_residuals(self, group: Any) -> np.ndarray:
        if self._std_residuals is None:
            several = self._grouped
            raise ModelSpecError(
                "standardized residuals of this fit are not available yet",
                found=f"a {'multi-group ' if several else ''}fit by {self.provenance.estimator}",
                expected="a fit of continuous indicators (ML, MLM, MLR)"
                if several
                else "a fit by loyaltysem.fit() on data or summary statistics",
                fix="use kind='raw' or 'cor'",
            )
        # computed once (their asymptotic covariance is the costly part; a report asks
        # for them twice): the result is immutable, so the values never change
        cached = self.__dict__.get("_std_residuals_values")
        if cached is None:
            with single_blas_thread():
                made = self._std_residuals()
            cached = (
                np.asarray(made, dtype=float)
                if not self._grouped
                else tuple(np.asarray(m, dtype=float) for m in made)
            )
            object.__setattr__(self, "_std_residuals_values", cached)
        if not self._grouped:
            return cached.copy()
        return cached[self.group_labels.index(self._label(group))].copy()

    def diagram(self, **options: Any) -> Any:
        """Draw the path diagram (:func:`loyaltysem.report.diagram` with this result).

        R: ``semPlot::semPaths(fit, "std")`` or ``lavaanPlot(model = fit)``, with an
        automatic SEM layout (constructs in columns by causal order, indicators fanned
        outward) and the result's status in the title when it is not ok; with several
        groups one panel per group.

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
        >>> import loyaltysem as ls, warnings
        >>> s = ls.load_ecommerce()
        >>> d = ls.fit(ls.DEFAULT_MODEL, s).diagram(codebook=s, structural_only=True)
        >>> d.edge_label("TRU", "LOY")
        '.37***'
        >>> with warnings.catch_warnings():
        ...     warnings.simplefilter("ignore")
        ...     mg = ls.fit("REP =~ REP1 + REP2 + REP3", s, group="gender")
        >>> mg.diagram().panels
        ('female', 'male')
        """
        return report_backend("diagrams").diagram(self, **options)

    def fit_table(self) -> pd.DataFrame:
        """The fit indices a reader reports, as a compact table (full precision).

        χ², df, p, CFI, TLI, RMSEA with its 90 % CI and close-fit p, SRMR, AIC, BIC and
        N (all groups); with a robust estimator (MLM, MLR, WLSMV, ULSMV) a second column
        ``robust`` with the scaled χ² and the robust CFI, TLI and RMSEA
        (``loyaltysem._display.fit_table``). :attr:`fit_measures` keeps every
        measure lavaan's ``fitMeasures()`` gives.

        Examples
        --------
        >>> import loyaltysem as ls
        >>> res = ls.fit(ls.DEFAULT_MODEL, ls.load_ecommerce())
        >>> table = res.fit_table()  # R: fitMeasures(fit, c("chisq", "df", "pvalue", ...))
        >>> table.columns.tolist(), int(table.loc["df", "standard"])
        (['standard'], 353)
        >>> import warnings
        >>> with warnings.catch_warnings():
        ...     warnings.simplefilter("ignore")  # 8 rows without answers, counted
        ...     mg = ls.fit_groups("TRU =~ TRU1 + TRU2 + TRU3", ls.load_ecommerce(), "wave",
        ...                        estimator="MLR")
        >>> mg.fit_table().columns.tolist()
        ['standard', 'robust']
        """
        return fit_table(self._fit_measures, self.provenance.n)

    # ------------------------------------------------------------------ display
    def _header(self) -> list[str]:
        if self._grouped:
            return self._header_groups()
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

    def _header_groups(self) -> list[str]:
        fm = self._fit_measures
        p = self.provenance
        sizes = ", ".join(
            f"{_plain(g)}: {int(n)}" for g, n in zip(self.group_labels, self.nobs, strict=True)
        )
        lines = [
            f"status: {self.status.label}",
            f"estimator: {p.estimator}, N = {p.n} in {len(self.group_labels)} groups of "
            f"{self.group!r} ({sizes})" + (f" ({p.n_excluded} excluded)" if p.n_excluded else ""),
            f"equal across groups: {', '.join(self.group_equal) or 'nothing (configural)'}"
            + (f"; free: {', '.join(self.group_partial)}" if self.group_partial else ""),
            f"converged: {self.converged} after {self.iterations} iterations",
            *fit_sentence(fm).split("; "),
        ]
        if np.isfinite(fm.get("chisq.scaling.factor", np.nan)):
            lines.append(f"scaling factor = {fm['chisq.scaling.factor']:.3f}")
        return lines + [f"WARNING: {w}" for w in self.warnings]

    def _sections(self) -> Iterable[tuple[str, pd.DataFrame | pd.Series]]:
        if self._grouped:
            yield from self._sections_groups()
            return
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

    def _sections_groups(self) -> Iterable[tuple[str, pd.DataFrame | pd.Series]]:
        cols = ["lhs", "op", "rhs", "label", "est", "se", "z", "pvalue", "std_all"]
        est = self._estimates
        for g, label in enumerate(self.group_labels, start=1):
            table = est.loc[est["group"] == g, cols].copy()
            fixed = est.loc[est["group"] == g, "free"] == 0
            table.loc[fixed, ["se", "z", "pvalue"]] = np.nan
            yield f"Group {g}: {self.group} = {_plain(label)}", table.reset_index(drop=True)
        yield "Chi-square per group", self.chisq_group
        if len(self._r2):
            yield "R-squared", self.r2
        yield "Fit measures", format_fit_table(self.fit_table())

    def _repr_parts(self) -> list[str]:
        fm = self._fit_measures
        scaled = "chisq.scaled" in fm.index
        chisq = fm["chisq.scaled"] if scaled else fm["chisq"]
        if self._grouped:
            return [
                f"groups={len(self.group_labels)}",
                f"N={self.provenance.n}",
                f"estimator={self.provenance.estimator}",
                self.status.repr_part(),
                f"npar={int(fm['npar'])}",
                f"{'chisq.scaled' if scaled else 'chisq'}={chisq:.3f}",
                f"df={fm['df']:.0f}",
                f"equal={','.join(self.group_equal) or 'none'}",
            ]
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
        return short_repr(type(self).__name__, self._repr_parts())


@dataclass(frozen=True, eq=False, repr=False)
class MultiGroupResult(SEMResult):
    """A :class:`SEMResult` with G > 1 groups: what :func:`fit_groups` returns.

    The same type (every attribute and method is :class:`SEMResult`'s); the name is
    kept so that code testing ``isinstance(result, MultiGroupResult)`` goes on
    working. Per-group tables: ``estimates`` has ``group`` (lavaan's group number 1..G)
    and ``group_label``; ``label`` holds lavaan's labels (``.p2.`` for a parameter
    constrained equal across groups); ``r2`` is indexed ``group_label, variable``;
    ``implied_cov(group)``, ``implied_mean(group)``, ``sample_cov(group)``,
    ``sample_mean(group)`` and ``residuals(group, kind)`` take a group label;
    ``chisq_group`` and ``nobs`` have one entry per group; ``score_tests()`` and
    ``score_test_total()`` test the equality constraints.
    """

    _title: ClassVar[str] = "Multi-group structural equation model"


def _plain(value: Any) -> Any:
    """A group label as Python data (``3``, not ``np.int64(3)``), for messages and JSON."""
    return value.item() if isinstance(value, np.generic) else value


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
    *,
    group: np.ndarray | None = None,
    group_labels: Sequence[Any] | None = None,
) -> pd.DataFrame:
    """A fit's estimates: lavaan's ``parameterEstimates()`` with ``standardizedSolution()``.

    One row per parameter-table row (``z``, ``pvalue`` and the 95 % interval from the
    normal distribution; ``z`` only for free parameters; ``group`` lavaan's group number
    of the row, 1 for one group, and 0 on ``:=`` rows as in ``parTable()``), then the
    ``:=`` rows of ``defined`` (delta-method SEs at ``x`` with ``vcov``). ``std_all``
    and ``se_std_all`` may carry the defined parameters after the rows. With
    ``group_labels`` (several groups) a ``group_label`` column follows ``group``.
    """
    is_free = pt.free > 0
    with np.errstate(divide="ignore", invalid="ignore"):
        z = np.where(is_free, est / se, np.nan)
    n_rows = len(pt)
    text = pt.text_columns
    columns = {
        "lhs": text["lhs"],
        "op": text["op"],
        "rhs": text["rhs"],
        "group": np.ones(n_rows, dtype=np.int64) if group is None else group,
        "label": text["label"],
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
    if group_labels is not None:
        columns = dict(columns)
        labels = np.empty(len(group_labels), dtype=object)
        labels[:] = list(group_labels)
        items = list(columns.items())
        items.insert(4, ("group_label", labels[columns["group"] - 1]))
        columns = dict(items)
    table = _frame(columns, n_rows)
    if defined is not None and x is not None and vcov is not None:
        rows = defined.table(x, vcov, std_lv, std_all, se_std_all)
        rows.insert(3, "group", np.zeros(len(rows), dtype=np.int64))  # lavaan: group 0
        if group_labels is not None:
            rows.insert(4, "group_label", None)
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
