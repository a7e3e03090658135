"""Bootstrap inference for PLS path models: intervals for everything a PLS report shows.

:func:`bootstrap_pls` re-estimates a :class:`~loyaltysem.pls.PLSResult` on resamples of
its rows, B at a time (:mod:`loyaltysem._kernels.pls_batched`), and returns a frozen
:class:`PLSBootstrap`: the draws of path coefficients, outer loadings and weights, R²,
total, total indirect and specific indirect effects, reliability (alpha, rho_A, rho_c,
AVE) and HTMT, with percentile, bias-corrected (BC), BCa and studentized (bootstrap-t)
intervals from :meth:`PLSBootstrap.table`, and the model-fit bootstrap (SRMR, d_ULS, d_G
with their HI95/HI99 quantiles) from :meth:`PLSBootstrap.fit_table`.

Agreement (``tests/test_pls_bootstrap.py``): replaying the resample indices seminr drew
(seminr-ts fixtures ``M6_bootstrap.json``/``boot_indices.json`` and
``M6b_bootstrap_ecsi.json``/``boot_indices_m2.json``), every bootstrap mean, SD,
t statistic and 2.5 %/97.5 % percentile bound seminr reports equals ours to 1e-6. See
``docs/pls_bootstrap.md``.

Examples
--------
>>> from loyaltysem.datasets import load_mobi
>>> from loyaltysem.pls import pls
>>> from loyaltysem.pls.bootstrap import bootstrap_pls
>>> mobi = load_mobi()
>>> mm = {k: mobi.constructs[k] for k in ["Image", "Expectation", "Value", "Satisfaction"]}
>>> res = pls(mobi, mm, "Satisfaction ~ Image + Expectation + Value")
>>> boot = bootstrap_pls(res, 200, random_state=1, fit_draws=True)  # seminr::bootstrap_model(...)
>>> tab = boot.table()
>>> list(tab.columns)
['estimate', 'boot_mean', 'boot_sd', 't', 'p_boot', 'bias', 'ci_lower', 'ci_upper']
>>> round(float(tab.loc[("path", "Image -> Satisfaction"), "estimate"]), 4)
0.447
>>> boot.n_used, boot.status.label
(200, 'converged, admissible, identified')
>>> list(boot.fit_table().columns)  # SRMR, d_ULS, d_G with the HI95 and HI99 of their draws
['estimate', 'HI95', 'HI99']
"""

from __future__ import annotations

import functools
import itertools
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar, Literal

import numpy as np
import pandas as pd

from loyaltysem._display import DisplayMixin
from loyaltysem._kernels import pls_batched as _kb
from loyaltysem._kernels.pls import standardize
from loyaltysem._kernels.resampling import (
    bca_interval,
    bias_corrected_interval,
    percentile_interval,
)
from loyaltysem._progress import Counter, ProgressArg
from loyaltysem._threads import blas_single_threaded
from loyaltysem._workers import run_tasks
from loyaltysem.errors import ConvergenceWarning, ModelSpecError, SurveyDataError
from loyaltysem.pls import ModelArrays, require_plain
from loyaltysem.status import Status

if TYPE_CHECKING:  # the package imports this module's users, not the other way round
    from loyaltysem.pls import PLSResult

__all__ = ["CI_KINDS", "FIT_MEASURES", "SIGN_CHANGES", "PLSBootstrap", "bootstrap_pls"]

CI_KINDS: tuple[str, ...] = ("percentile", "bc", "bca", "studentized")
"""Interval kinds of :meth:`PLSBootstrap.table`."""

SIGN_CHANGES: tuple[str, ...] = ("none", "construct", "individual")
"""Sign-change options (SmartPLS: "no sign changes", "construct level changes",
"individual changes")."""

FIT_MEASURES: tuple[str, ...] = ("srmr", "d_uls", "d_g")
"""Fit measures bootstrapped by :func:`bootstrap_pls` (``fit_draws=True``)."""

_CHUNK = 250  # draws per batched kernel call: (250, p, p) stacks stay small in memory


def _chunk_size(n: int) -> int:
    """Draws per chunk: 250, fewer for large n so a chunk's row counts stay within 16 MB."""
    return int(min(_CHUNK, max(8, (1 << 21) // max(n, 1))))


SignChange = Literal["none", "construct", "individual", "construct level"]


# --------------------------------------------------------------------------- result


@dataclass(frozen=True, eq=False, repr=False)
class PLSBootstrap(DisplayMixin):
    """Bootstrap draws of a PLS model, with what failed; frozen, full precision.

    Attributes
    ----------
    estimates : Series
        The statistics on the original sample, indexed by ``(quantity, parameter)``
        (quantities: ``path``, ``loading``, ``weight``, ``r2``, ``total``,
        ``indirect``, ``specific_indirect``, ``alpha``, ``rho_a``, ``rho_c``, ``ave``,
        ``htmt``).
    draws : DataFrame
        One row per used draw (index: the draw's number from 0), one column per
        statistic (same MultiIndex as ``estimates``), after the sign change.
    failed : DataFrame
        ``draw, reason`` for every draw left out: weights that did not converge in
        ``max_iter`` or a singular matrix. Never dropped silently: counted in
        :attr:`status` and in the summary.
    jackknife : DataFrame or None
        Leave-one-out estimates (rows: the row left out) for BCa.
    inner_se : DataFrame or None
        Per used draw, the SD of ``n_inner`` inner (second-level) bootstrap draws, for
        studentized intervals.
    fit : DataFrame or None
        The model-fit bootstrap (``fit_draws=True``): per used fit draw, SRMR, d_ULS,
        d_G of ``fit_model`` on Bollen–Stine transformed data.
    fit_estimates : Series or None
        SRMR, d_ULS and d_G on the original sample.
    n_boot : int
        Draws requested.
    n_inadmissible : int
        PLSc draws (``consistent=True``) with a disattenuated correlation beyond ±1, a
        non-positive rho_A or an R² outside [0, 1]; kept, as seminr does, and counted.
    random_state : int or None
        The seed; ``None`` with replayed ``indices``.
    sign_change, level, consistent, n_inner, scheme, fit_model :
        The settings used.
    """

    estimates: pd.Series
    draws: pd.DataFrame
    failed: pd.DataFrame
    n_boot: int
    random_state: int | None
    sign_change: str = "none"
    level: float = 0.95
    consistent: bool = False
    scheme: str = "path"
    n_inner: int = 0
    n_inadmissible: int = 0
    jackknife: pd.DataFrame | None = None
    inner_se: pd.DataFrame | None = None
    fit: pd.DataFrame | None = None
    fit_estimates: pd.Series | None = None
    fit_failed: int = 0
    fit_model: str = "saturated"
    notes: tuple[str, ...] = field(default=())

    _title: ClassVar[str] = "PLS bootstrap"
    _na_rep: ClassVar[str] = ""

    @property
    def n_used(self) -> int:
        """Draws used in the summaries (requested minus failed)."""
        return len(self.draws)

    @property
    def status(self) -> Status:
        """Failed and inadmissible draws as notes; the draws themselves have no fit.

        Examples
        --------
        >>> PLSBootstrap(pd.Series(dtype=float), pd.DataFrame(), _no_failures(), 0,
        ...              None).status.ok
        True
        """
        reasons: list[tuple[str, str]] = []
        if len(self.failed):
            counts = self.failed["reason"].value_counts()
            detail = "; ".join(f"{k} × {why}" for why, k in counts.items())
            reasons.append(
                (
                    "note",
                    f"{len(self.failed)} of {self.n_boot} bootstrap draws failed and were "
                    f"left out of every summary ({detail})",
                )
            )
        if self.n_inadmissible:
            reasons.append(
                (
                    "note",
                    f"{self.n_inadmissible} of {self.n_used} PLSc draws are inadmissible "
                    "(|correlation| > 1, rho_A <= 0 or R² outside [0, 1]); kept",
                )
            )
        if self.fit_failed:
            reasons.append(("note", f"{self.fit_failed} model-fit draws failed, left out"))
        return Status().with_reasons(reasons)

    def table(
        self,
        ci: str = "percentile",
        level: float | None = None,
        quantity: str | Sequence[str] | None = None,
    ) -> pd.DataFrame:
        r"""Estimate, bootstrap mean, SD, t, p, bias and interval of every statistic.

        Parameters
        ----------
        ci : {"percentile", "bc", "bca", "studentized"}, default "percentile"
            - ``"percentile"``: the α/2 and 1 − α/2 quantiles of the draws (R's type 7,
              as seminr's ``2.5% CI``/``97.5% CI``);
            - ``"bc"``: bias-corrected, quantiles at
              :math:`\Phi(2 z_0 \pm z_{1-\alpha/2})`, :math:`z_0 = \Phi^{-1}(\#\{\theta^*_b
              < \hat\theta\}/B)` (Efron & Tibshirani 1993, §14.3);
            - ``"bca"``: BC with the jackknife acceleration
              :math:`a = \sum d_i^3 / (6 (\sum d_i^2)^{3/2})`,
              :math:`d_i = \bar\theta_{(\cdot)} - \theta_{(i)}` (§14.3, eq. 14.15);
            - ``"studentized"``: bootstrap-t, :math:`[\hat\theta - t^*_{1-\alpha/2}\,
              \widehat{se},\ \hat\theta - t^*_{\alpha/2}\,\widehat{se}]` with
              :math:`t^*_b = (\theta^*_b - \hat\theta)/\widehat{se}^*_b` and
              :math:`\widehat{se}^*_b` the SD of ``n_inner`` inner bootstrap draws of
              draw b (§12.5); needs ``bootstrap_pls(..., n_inner=...)``.
        level : float, optional
            Confidence level; default the one given to :func:`bootstrap_pls`.
        quantity : str or list of str, optional
            Keep these quantities only (e.g. ``"path"``).

        Returns
        -------
        DataFrame
            Index ``(quantity, parameter)``; columns ``estimate``, ``boot_mean``,
            ``boot_sd`` (divisor B − 1), ``t`` (estimate / boot_sd, seminr's
            ``T Stat.``; for HTMT the test of HTMT < 1, (1 − estimate) / boot_sd, as
            seminr 2.5; NaN for a statistic that does not vary, such as the loading of a
            single item), ``p_boot`` (two-sided bootstrap p-value against 0, for HTMT
            against 1: ``2 min(share of draws <= null, share >= null)``, seminr-ts's
            ``Bootstrap P Val``), ``bias`` (boot_mean − estimate), ``ci_lower``,
            ``ci_upper``.

        Raises
        ------
        SurveyDataError
            An unknown ``ci``, a level outside (0, 1), an unknown quantity, or
            ``"studentized"`` without inner draws.
        """
        if ci not in CI_KINDS:
            raise SurveyDataError(
                "unknown kind of bootstrap interval",
                found=ci,
                expected=f"one of {list(CI_KINDS)}",
                fix="use ci='percentile', 'bc', 'bca' or 'studentized'",
            )
        level = self.level if level is None else _check_level(level)
        draws = self.draws.to_numpy(dtype=float)
        est = self.estimates.to_numpy(dtype=float)
        if not len(draws):  # every draw failed: NaN bounds (the status says why)
            draws = np.full((2, len(est)), np.nan)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN columns give NaN
            lower, upper = self._interval(ci, draws, est, level)
        n = self.n_used
        mean = draws.mean(axis=0) if n else np.full(len(est), np.nan)
        sd = draws.std(axis=0, ddof=1) if n > 1 else np.full(len(est), np.nan)
        # null value: 0, and 1 for HTMT (the test of HTMT < 1, Henseler et al. 2015)
        htmt = (self.estimates.index.get_level_values(0) == "htmt") if len(est) else []
        null = np.where(htmt, 1.0, 0.0)
        with np.errstate(divide="ignore", invalid="ignore"):
            dist = np.where(htmt, null - est, est - null)
            t = np.where(sd > 1e-12 * np.maximum(np.abs(est), 1.0), dist / sd, np.nan)
            below = np.mean(draws <= null, axis=0) if n else np.full(len(est), np.nan)
            above = np.mean(draws >= null, axis=0) if n else np.full(len(est), np.nan)
        p_boot = np.minimum(1.0, 2.0 * np.minimum(below, above))
        out = pd.DataFrame(
            {
                "estimate": est,
                "boot_mean": mean,
                "boot_sd": sd,
                "t": t,
                "p_boot": p_boot,
                "bias": mean - est,
                "ci_lower": lower,
                "ci_upper": upper,
            },
            index=self.estimates.index,
        )
        if quantity is not None:
            wanted = [quantity] if isinstance(quantity, str) else list(quantity)
            have = list(dict.fromkeys(out.index.get_level_values(0)))
            unknown = [q for q in wanted if q not in have]
            if unknown:
                raise SurveyDataError(
                    "unknown bootstrap quantity",
                    found=unknown,
                    expected=f"some of {have}",
                    fix="pick quantities from the list",
                )
            out = out.loc[out.index.get_level_values(0).isin(wanted)]
        return out

    def _interval(
        self, ci: str, draws: np.ndarray, est: np.ndarray, level: float
    ) -> tuple[np.ndarray, np.ndarray]:
        if ci == "percentile":
            lower, upper = percentile_interval(draws, level)
        elif ci == "bc":
            lower, upper = bias_corrected_interval(draws, est, level)
        elif ci == "bca":
            if self.jackknife is None:
                raise SurveyDataError(
                    "BCa intervals need the jackknife estimates",
                    found="jackknife=False",
                    expected="a bootstrap run with jackknife=True",
                    fix="rerun bootstrap_pls(..., jackknife=True), or use ci='percentile'",
                )
            lower, upper = bca_interval(draws, est, self.jackknife.to_numpy(dtype=float), level)
        else:
            if self.inner_se is None:
                raise SurveyDataError(
                    "studentized intervals need inner bootstrap standard errors",
                    found=f"n_inner={self.n_inner}",
                    expected="a bootstrap run with n_inner > 0 (e.g. 100)",
                    fix="rerun bootstrap_pls(..., n_inner=100), or use ci='bca'",
                )
            inner = self.inner_se.to_numpy(dtype=float)
            if inner.shape != draws.shape:  # no draw used
                inner = np.full(draws.shape, np.nan)
            lower, upper = studentized_interval(draws, est, inner, level)
        return lower, upper

    def fit_table(self) -> pd.DataFrame:
        """SRMR, d_ULS, d_G (of ``fit_model``) with the HI95 and HI99 of their draws.

        ``HI95``/``HI99`` are the 95 % and 99 % quantiles (R type 7) of the measure over
        the Bollen–Stine draws; the model fits when the measure lies below them
        (Dijkstra & Henseler 2015; SmartPLS "HI95"/"HI99"; cSEM ``testOMF()``).

        Raises
        ------
        SurveyDataError
            The bootstrap was run with ``fit_draws=False``.
        """
        if self.fit is None or self.fit_estimates is None:
            raise SurveyDataError(
                "no model-fit bootstrap in this result",
                found="fit_draws=False",
                expected="bootstrap_pls(..., fit_draws=True)",
                fix="rerun with fit_draws=True",
            )
        draws = self.fit.to_numpy(dtype=float)
        return pd.DataFrame(
            {
                "estimate": self.fit_estimates.to_numpy(dtype=float),
                "HI95": np.quantile(draws, 0.95, axis=0),
                "HI99": np.quantile(draws, 0.99, axis=0),
            },
            index=pd.Index(list(FIT_MEASURES), name="measure"),
        )

    def _header(self) -> list[str]:
        lines = [
            f"status: {self.status.label}",
            f"draws: {self.n_boot} requested, {self.n_used} used, {len(self.failed)} failed; "
            f"random_state = {self.random_state}; sign change = {self.sign_change}",
            f"{'PLSc' if self.consistent else 'PLS'}; scheme = {self.scheme}; "
            f"percentile intervals at level {self.level:g}",
        ]
        lines.extend(self.notes)
        return lines

    def _sections(self) -> list[tuple[str, pd.DataFrame | pd.Series]]:
        out: list[tuple[str, pd.DataFrame | pd.Series]] = [
            ("Paths", self.table(quantity="path")),
        ]
        if self.fit is not None:
            out.append((f"Model fit ({self.fit_model} model)", self.fit_table()))
        return out

    def __repr__(self) -> str:
        return (
            f"<PLSBootstrap: {self.n_used} of {self.n_boot} draws used, "
            f"{len(self.estimates)} statistics, sign_change={self.sign_change!r}, "
            f"random_state={self.random_state}>"
        )


def _no_failures() -> pd.DataFrame:
    return pd.DataFrame({"draw": pd.Series(dtype=int), "reason": pd.Series(dtype=str)})


def _check_level(level: float) -> float:
    if not 0 < float(level) < 1:
        raise SurveyDataError(
            "the confidence level must lie between 0 and 1",
            found=level,
            expected="e.g. 0.95",
            fix="pass level=0.95",
        )
    return float(level)


def studentized_interval(
    draws: np.ndarray, estimate: np.ndarray, inner_se: np.ndarray, level: float
) -> tuple[np.ndarray, np.ndarray]:
    r"""Bootstrap-t interval (Efron & Tibshirani 1993, §12.5).

    :math:`[\hat\theta - t^*_{1-\alpha/2}\,\widehat{se},\ \hat\theta - t^*_{\alpha/2}\,
    \widehat{se}]`, :math:`t^*_b = (\theta^*_b - \hat\theta) / \widehat{se}^*_b`,
    :math:`\widehat{se}` the SD of the draws (divisor B − 1); quantiles R type 7.
    A statistic that does not vary (SE 0, e.g. a single item's loading) gets the
    estimate as both bounds.

    Examples
    --------
    >>> draws = np.array([[1.0], [2.0], [3.0], [4.0]])
    >>> lo, hi = studentized_interval(draws, np.array([2.5]), np.ones((4, 1)), 0.5)
    >>> float(lo[0]), float(hi[0])
    (1.5317..., 3.4682...)
    """
    a = (1.0 - level) / 2.0
    with np.errstate(divide="ignore", invalid="ignore"):
        t = (draws - estimate) / inner_se
    t = np.where(np.isfinite(t), t, np.nan)
    se = np.std(draws, axis=0, ddof=1)
    lo_t = np.nanquantile(t, a, axis=0)
    hi_t = np.nanquantile(t, 1.0 - a, axis=0)
    flat = ~(se > 0)
    lower = np.where(flat, estimate, estimate - hi_t * se)
    upper = np.where(flat, estimate, estimate - lo_t * se)
    return lower, upper


# --------------------------------------------------------------------------- model


@dataclass(frozen=True)
class _Model(ModelArrays):
    """What the kernel needs, with the labels of every statistic."""

    consistent: bool
    sign_change: str
    pairs: list[tuple[int, int]]  # structural paths (source, target) in model order
    reach: list[tuple[int, int]]  # pairs with a total effect
    indirect: list[tuple[int, int]]  # pairs with an indirect effect
    chains: list[tuple[int, ...]]
    item_of: list[tuple[int, int]]  # (item position, construct)
    endo: list[int]
    fit_model: str = "saturated"
    reference: dict[str, np.ndarray] = field(default_factory=dict)

    def labels(self) -> pd.MultiIndex:
        n, it = self.names, self.items
        rows: list[tuple[str, str]] = []
        rows += [("path", f"{n[i]} -> {n[j]}") for i, j in self.pairs]
        rows += [("loading", f"{it[k]} <- {n[j]}") for k, j in self.item_of]
        rows += [("weight", f"{it[k]} -> {n[j]}") for k, j in self.item_of]
        rows += [("r2", n[j]) for j in self.endo]
        rows += [("total", f"{n[i]} -> {n[j]}") for i, j in self.reach]
        rows += [("indirect", f"{n[i]} -> {n[j]}") for i, j in self.indirect]
        rows += [("specific_indirect", " -> ".join(n[k] for k in c)) for c in self.chains]
        for q in ("alpha", "rho_a", "rho_c", "ave"):
            rows += [(q, c) for c in n]
        m = len(n)
        rows += [("htmt", f"{n[i]} <-> {n[j]}") for i in range(m) for j in range(i + 1, m)]
        return pd.MultiIndex.from_tuples(rows, names=["quantity", "parameter"])

    def statistics(self, r: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """All statistics for a stack of correlation matrices: (B, k), ok (B,), inadmissible."""
        fit = _kb.pls_batched(
            r, self.blocks, self.inner, self.modes, self.scheme, self.max_iter, self.tol
        )
        weights, loadings = fit.weights, fit.loadings
        paths, r2 = fit.paths, fit.r2
        inadmissible = np.zeros(len(r), dtype=bool)
        rho_a = _kb.rho_a_batched(r, self.blocks, weights, self.modes)
        if self.consistent:
            rho_a, loadings, cor, paths, r2 = _kb.consistent_batched(
                r, self.blocks, fit, self.inner, self.modes
            )
            m = len(self.blocks)
            off = np.abs(cor[:, ~np.eye(m, dtype=bool)])
            fr2 = np.where(np.isnan(r2), 0.5, r2)
            inadmissible = ~(
                np.all(rho_a > 0, axis=1)
                & np.all(off <= 1.0, axis=1)
                & np.all((fr2 >= 0) & (fr2 <= 1), axis=1)
            )
        if self.sign_change != "none" and self.reference:
            weights, loadings, paths = self._signs(weights, loadings, paths)
        total, indirect = _kb.effects_batched(paths)
        alpha = _kb.alpha_batched(r, self.blocks)
        rho_c, ave = _kb.rho_c_ave_batched(loadings, self.blocks)
        htmt = _kb.htmt_batched(r, self.blocks)
        k_items = np.array([k for k, _ in self.item_of])
        k_cons = np.array([j for _, j in self.item_of])
        parts = [
            paths[:, [i for i, _ in self.pairs], [j for _, j in self.pairs]],
            loadings[:, k_items, k_cons],
            weights[:, k_items, k_cons],
            r2[:, self.endo],
            total[:, [i for i, _ in self.reach], [j for _, j in self.reach]],
            indirect[:, [i for i, _ in self.indirect], [j for _, j in self.indirect]],
            np.stack(
                [
                    np.prod([paths[:, a, b] for a, b in itertools.pairwise(c)], axis=0)
                    for c in self.chains
                ],
                axis=1,
            )
            if self.chains
            else np.zeros((len(r), 0)),
            alpha,
            rho_a,
            rho_c,
            ave,
        ]
        m = len(self.names)
        iu = np.triu_indices(m, 1)
        parts.append(htmt[:, iu[0], iu[1]])
        values = np.concatenate(parts, axis=1)
        ok = fit.converged & np.all(np.isfinite(values), axis=1)
        return values, ok, inadmissible

    def _signs(
        self, weights: np.ndarray, loadings: np.ndarray, paths: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        ref = self.reference
        if self.sign_change == "construct":
            # Tenenhaus et al. (2005): flip construct j when the draw's loadings are
            # closer to the negated original loadings
            lam0 = ref["loadings"]
            s = np.ones((len(weights), len(self.blocks)))
            for j, b in enumerate(self.blocks):
                minus = np.abs(np.sum(lam0[b, j] - loadings[:, b, j], axis=1))
                plus = np.abs(np.sum(lam0[b, j] + loadings[:, b, j], axis=1))
                s[minus > plus, j] = -1.0
            return (
                weights * s[:, None, :],
                loadings * s[:, None, :],
                paths * s[:, :, None] * s[:, None, :],
            )
        return (
            np.abs(weights) * np.sign(ref["weights"]),
            np.abs(loadings) * np.sign(ref["loadings"]),
            np.abs(paths) * np.sign(ref["paths"]),
        )


def _model(result: Any, consistent: bool, sign_change: str, fit_model: str = "saturated") -> _Model:
    arrays = ModelArrays.of(result, "bootstrap_pls()")
    names, blocks, inner = arrays.names, arrays.blocks, arrays.inner
    m = len(names)
    pairs = [(names.index(s), names.index(t)) for s, t in result.structural]
    total_pattern = np.linalg.inv(np.eye(m) - inner) - np.eye(m)
    reach = [(i, j) for i in range(m) for j in range(m) if total_pattern[i, j] > 0.5]
    chains = _kb.indirect_chains(inner)
    indirect = sorted({(c[0], c[-1]) for c in chains}, key=reach.index)
    item_of = [(int(k), j) for j, b in enumerate(blocks) for k in b]
    endo = [j for j in range(m) if inner[:, j].any()]
    return _Model(
        **arrays.fields(),
        consistent=consistent,
        sign_change=sign_change,
        pairs=pairs,
        reach=reach,
        indirect=indirect,
        chains=chains,
        item_of=item_of,
        endo=endo,
        fit_model=fit_model,
    )


# --------------------------------------------------------------------------- chunks


def _rows(idx: np.ndarray | None, seeds: Sequence[np.random.SeedSequence], n: int) -> np.ndarray:
    """The resampled rows of a chunk: replayed, or drawn from each draw's own seed."""
    if idx is not None:
        return idx
    return np.stack([np.random.default_rng(s).integers(0, n, size=n) for s in seeds])


def _chunk(
    model: _Model,
    x: np.ndarray,
    idx: np.ndarray | None,
    seeds: Sequence[np.random.SeedSequence],
    n_inner: int,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray | None]:
    """Statistics of a chunk of resamples; with ``n_inner`` the SDs of their inner draws."""
    n = x.shape[0]
    idx = _rows(idx, seeds, n)
    r = _kb.weighted_correlations(x, _kb.row_counts(idx, n))
    values, ok, inadmissible = model.statistics(r)
    se = None
    if n_inner:
        se = np.full(values.shape, np.nan)
        for b in range(len(idx)):
            inner = np.random.default_rng(seeds[b].spawn(1)[0]).integers(0, n, size=(n_inner, n))
            rows = idx[b][inner]
            rb = _kb.weighted_correlations(x, _kb.row_counts(rows, n))
            v, good, _ = model.statistics(rb)
            if good.sum() > 1:
                se[b] = v[good].std(axis=0, ddof=1)
    return values, ok, inadmissible, se


def _fit_chunk(
    model: _Model, x: np.ndarray, idx: np.ndarray | None, seeds: Sequence[np.random.SeedSequence]
) -> tuple[np.ndarray, np.ndarray]:
    idx = _rows(idx, seeds, x.shape[0])
    r = _kb.weighted_correlations(x, _kb.row_counts(idx, x.shape[0]))
    return _fit_measures(model, r)


def _implied(model: _Model, r: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Implied item correlations of the saturated or estimated model, and convergence."""
    fit = _kb.pls_batched(
        r, model.blocks, model.inner, model.modes, model.scheme, model.max_iter, model.tol
    )
    loadings, cor, paths = fit.loadings, fit.construct_cor, fit.paths
    if model.consistent:
        _, loadings, cor, paths, _ = _kb.consistent_batched(
            r, model.blocks, fit, model.inner, model.modes
        )
    if model.fit_model == "estimated":
        with np.errstate(all="ignore"):
            cor = _kb.implied_construct_cor(cor, paths, model.inner)
    return _kb.implied_correlations(r, model.blocks, loadings, cor, model.modes), fit.converged


def _fit_measures(model: _Model, r: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    sigma, converged = _implied(model, r)
    values = _kb.fit_measures_batched(r, sigma)
    ok = converged & np.all(np.isfinite(values), axis=1)
    return values, ok


def _jackknife(model: _Model, x: np.ndarray, n_jobs: int) -> np.ndarray:
    n = x.shape[0]
    tasks = [(model, x, np.arange(s, min(n, s + _CHUNK))) for s in range(0, n, _CHUNK)]
    return np.concatenate(list(run_tasks(_jack_chunk, tasks, n_jobs)), axis=0)


def _jack_chunk(model: _Model, x: np.ndarray, rows: np.ndarray) -> np.ndarray:
    values, ok, _ = model.statistics(_kb.jackknife_correlations(x, rows))
    values[~ok] = np.nan
    return values


def _bollen_stine(x: np.ndarray, model: _Model) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Standardized data rotated to the model-implied correlations (Bollen & Stine 1992)."""
    z, _, _ = standardize(x)
    r = np.corrcoef(z, rowvar=False)[None]
    values, ok = _fit_measures(model, r)
    sigma = _implied(model, r)[0][0]
    return z @ _sqrtm(r[0], -0.5) @ _sqrtm(sigma, 0.5), values[0], ok


def _sqrtm(a: np.ndarray, power: float) -> np.ndarray:
    vals, vecs = np.linalg.eigh(a)
    if np.any(vals <= 0):
        raise ModelSpecError(
            "the model-implied item correlation matrix is not positive definite, so the "
            "data cannot be transformed for the model-fit bootstrap",
            found=f"smallest eigenvalue {vals.min():.3g}",
            expected="a positive definite implied correlation matrix",
            fix="pass fit_draws=False, or check the measurement model (Heywood cases)",
        )
    return (vecs * vals**power) @ vecs.T


# --------------------------------------------------------------------------- entry point


def _indices(
    n: int, n_boot: int, random_state: int | None, indices: Any
) -> tuple[np.ndarray | None, list[np.random.SeedSequence]]:
    """Replayed indices (checked) and one seed sequence per draw; rows are drawn in chunks."""
    if indices is not None:
        idx = np.asarray(indices)
        if (
            idx.ndim != 2
            or idx.shape[1] != n
            or not np.issubdtype(idx.dtype, np.integer)
            or idx.min() < 0
            or idx.max() >= n
        ):
            raise SurveyDataError(
                "explicit bootstrap indices do not fit the data",
                found=f"shape {idx.shape}, dtype {idx.dtype}, range {idx.min()}..{idx.max()}",
                expected=f"(n_boot, {n}) integers in 0..{n - 1} (R's 1-based indices minus one)",
                fix="subtract 1 from R's indices and check that the data have the rows used",
            )
        seeds = np.random.SeedSequence(random_state).spawn(len(idx))
        return idx.astype(np.int64), seeds
    if isinstance(n_boot, bool) or int(n_boot) != n_boot or n_boot < 2:
        raise SurveyDataError(
            "n_boot must be a whole number of at least 2",
            found=n_boot,
            expected="e.g. 5000",
            fix="pass n_boot=5000",
        )
    return None, np.random.SeedSequence(random_state).spawn(int(n_boot))


@blas_single_threaded
def bootstrap_pls(
    result: PLSResult,
    n_boot: int = 5000,
    *,
    random_state: int | None = None,
    indices: Any = None,
    n_jobs: int = 1,
    sign_change: SignChange = "none",
    level: float = 0.95,
    progress: ProgressArg = None,
    consistent: bool | None = None,
    jackknife: bool = True,
    n_inner: int = 0,
    fit_draws: bool = False,
    fit_model: Literal["saturated", "estimated"] = "saturated",
) -> PLSBootstrap:
    r"""Bootstrap a PLS path model: draws and intervals for every reported statistic.

    Parameters
    ----------
    result : PLSResult
        A model estimated by :func:`loyaltysem.pls.pls` (it keeps the item scores in
        ``result.data``); the settings (modes, scheme, ``max_iter``, ``tol``) are reused.
    n_boot : int, default 5000
        Resamples (SmartPLS's default is 5,000; seminr's ``nboot`` 500).
    random_state : int, optional
        Seed. Draw b uses its own generator from ``SeedSequence(random_state).spawn``,
        so the draws do not depend on ``n_jobs`` or on the chunking.
    indices : array of int, shape (B, n), optional
        Replay another tool's resamples: row positions from 0 (R's 1-based indices
        minus one). ``n_boot`` is then B; ``random_state`` seeds only inner draws.
    n_jobs : int, default 1
        Processes (``-1``: every core); chunks of 250 draws run in parallel
        (``loyaltysem._workers.run_tasks()``).
    sign_change : {"none", "construct", "individual"}, default "none"
        SmartPLS's options, applied to every draw before summaries:

        - ``"none"``: draws as estimated (SmartPLS 3/4 default, seminr, cSEM);
        - ``"construct"`` (SmartPLS "construct level changes"; also
          ``"construct level"``; Tenenhaus et al. 2005): construct j of a draw is
          reflected (weights, loadings, and every path into or out of it change
          sign) when :math:`|\sum(\hat\lambda_j - \lambda^*_j)| > |\sum(\hat\lambda_j +
          \lambda^*_j)|`;
        - ``"individual"`` (SmartPLS "individual changes"): every path, loading and
          weight of a draw takes the sign of its original estimate; effects are then
          computed from the sign-corrected paths.

        Both make intervals narrower and can hide real instability; use them only to
        undo the arbitrary sign of a construct (Hair et al. 2022, ch. 5).
    level : float, default 0.95
        Default confidence level of :meth:`PLSBootstrap.table`.
    progress : bool or callable, optional
        A progress bar of the draws (tqdm: a widget in Jupyter, text on stderr in a
        terminal): ``None`` (default) when stderr is a terminal or in Jupyter, ``True``
        always, ``False`` never; a callable gets the number of draws just finished. See
        ``loyaltysem._progress``.
    consistent : bool, optional
        Default: as the result (``result.consistent``, set by ``fit_pls(...,
        consistent=True)``); a different value is refused. Bootstrap PLSc (Dijkstra &
        Henseler 2015): every draw is corrected as
        ``loyaltysem._kernels.plsc.consistent()`` (mode-A constructs are common
        factors), as seminr's ``bootstrap_model`` of a model with ``reflective()``
        constructs.
    jackknife : bool, default True
        Compute the n leave-one-out estimates for BCa intervals (n more estimations).
    n_inner : int, default 0
        Inner bootstrap draws per draw for studentized intervals (0: none; 100 is
        common, at n_inner times the cost).
    fit_draws : bool, default False
        Also run the model-fit bootstrap (SRMR, d_ULS, d_G of ``fit_model``)
        on the Bollen–Stine transformed data, with the same resample indices (a second
        bootstrap: about twice the time; SmartPLS runs it with "complete bootstrapping").
    fit_model : {"saturated", "estimated"}, default "saturated"
        Whose implied correlations the fit measures (and the Bollen–Stine transform)
        use: the saturated model (construct correlations as estimated; SmartPLS
        "saturated model") or the estimated one (construct correlations implied by the
        paths, ``loyaltysem._kernels.pls_batched.implied_construct_cor()``; SmartPLS
        "estimated model", cSEM ``testOMF(.saturated = FALSE)``).

    Returns
    -------
    PLSBootstrap

    Raises
    ------
    SurveyDataError
        A result without data, indices that do not fit, bad settings.
    ModelSpecError
        ``fit_draws=True`` and the implied item correlations are not positive definite.

    Warns
    -----
    ConvergenceWarning
        Some draws failed (weights not converged, singular matrices): they are left out
        of every summary, listed in ``failed`` and noted in ``status``.

    Notes
    -----
    Every draw re-standardizes its resample (as seminr's ``estimate_pls`` on
    ``d[sample.int(n, replace = TRUE), ]``); PLS needs only the item correlations, so
    a draw is its row counts and its correlation matrix. A draw whose weights do not
    converge within ``max_iter`` or whose matrices are singular is left out of every
    summary, listed in ``failed`` and counted in ``status`` (seminr also drops such
    draws, with a message).

    Model fit (cSEM ``testOMF()``; Dijkstra & Henseler 2015; SmartPLS "model fit
    bootstrap"): the standardized data ``Z`` are transformed to
    ``Z R^{-1/2} Σ̂^{1/2}`` so that their correlations equal the implied ones ``Σ̂`` of
    ``fit_model`` (Bollen & Stine 1992); the model is re-estimated on the same
    resamples of the transformed rows, and SRMR, d_ULS and d_G computed per draw.
    ``Σ̂`` holds, between blocks, ``λ_i c_ij λ_j'`` (c the construct correlations, as
    estimated or implied by the paths);
    within a mode-A block (common factor) ``λλ'``; within a mode-B block (composite) the
    observed correlations. d_G uses the natural logarithm (Dijkstra & Henseler 2015;
    cSEM's ``calculateDG`` uses log10, a factor ``ln(10)² ≈ 5.30`` smaller).

    In R::

        seminr::bootstrap_model(model, nboot = 5000, seed = 123)
        cSEM::infer(cSEM::resamplecSEMResults(res, .R = 5000),
                    .quantity = c("CI_percentile", "CI_bc", "CI_bca", "CI_t_interval"))
        cSEM::testOMF(res, .R = 5000)

    Examples
    --------
    >>> from loyaltysem.datasets import load_mobi
    >>> from loyaltysem.pls import pls
    >>> mobi = load_mobi()
    >>> mm = {k: mobi.constructs[k] for k in ["Image", "Value", "Satisfaction"]}
    >>> res = pls(mobi, mm, "Satisfaction ~ Image + Value")
    >>> b1 = bootstrap_pls(res, 300, random_state=7, jackknife=False, fit_draws=False)
    >>> b2 = bootstrap_pls(res, 300, random_state=7, jackknife=False, fit_draws=False,
    ...                    n_jobs=2)
    >>> bool((b1.draws == b2.draws).all().all())  # same draws on 1 and 2 processes
    True
    """
    if getattr(result, "extension", "") and getattr(result, "_refit", None) is not None:
        return _staged(
            result, n_boot, random_state, indices, n_jobs, sign_change, level, progress,
            consistent, jackknife, n_inner, fit_draws,
        )  # fmt: skip
    require_plain(result, "The bootstrap")
    own = bool(getattr(result, "consistent", False))
    if consistent is None:
        consistent = own
    elif bool(consistent) != own:
        raise ModelSpecError(
            f"consistent={consistent} does not match the result, which is "
            f"{'PLSc' if own else 'plain PLS'}",
            found={"consistent": consistent, "result.consistent": own},
            expected=f"consistent={own} (or leave it out)",
            fix="leave consistent= out: the draws are estimated as the result was",
        )
    data = getattr(result, "data", None)
    if not isinstance(data, pd.DataFrame) or not hasattr(result, "measurement"):
        raise SurveyDataError(
            "bootstrap_pls() needs a PLSResult that keeps its data",
            found=type(result).__name__,
            expected="the result of loyaltysem.pls.pls(...) (with .data)",
            fix="estimate the model with pls() and pass its result",
        )
    sign = "construct" if sign_change == "construct level" else sign_change
    if sign not in SIGN_CHANGES:
        raise SurveyDataError(
            "unknown sign-change option",
            found=sign_change,
            expected=f"one of {list(SIGN_CHANGES)}",
            fix="use sign_change='none' (default), 'construct' or 'individual'",
        )
    level = _check_level(level)
    if isinstance(n_inner, bool) or int(n_inner) != n_inner or n_inner < 0 or n_inner == 1:
        raise SurveyDataError(
            "n_inner must be 0 (no studentized intervals) or a whole number >= 2",
            found=n_inner,
            expected="0 or e.g. 100",
            fix="pass n_inner=100 for studentized intervals",
        )
    if fit_model not in ("saturated", "estimated"):
        raise SurveyDataError(
            "unknown model for the fit measures",
            found=fit_model,
            expected="'saturated' or 'estimated'",
            fix="pass fit_model='saturated' (default) or 'estimated'",
        )
    model = _model(result, bool(consistent), sign, fit_model)
    x = data[model.items].to_numpy(dtype=float)
    n = x.shape[0]
    idx, seeds = _indices(n, n_boot, random_state, indices)
    n_boot = len(seeds)

    full = _kb.weighted_correlations(x, np.ones((1, n)))
    base = _kb.pls_batched(
        full, model.blocks, model.inner, model.modes, model.scheme, model.max_iter, model.tol
    )
    reference = {"weights": base.weights[0], "loadings": base.loadings[0], "paths": base.paths[0]}
    if consistent:
        _, lam, _, paths, _ = _kb.consistent_batched(
            full, model.blocks, base, model.inner, model.modes
        )
        reference.update(loadings=lam[0], paths=paths[0])
    model.reference.update(reference)
    estimate, _, _ = model.statistics(full)
    labels = model.labels()

    size = _chunk_size(n)
    starts = range(0, n_boot, size)
    tasks = [
        (
            model,
            x,
            None if idx is None else idx[s : s + size],
            seeds[s : s + size],
            int(n_inner),
        )
        for s in starts
    ]
    values, oks, inadm, ses = [], [], [], []
    with Counter(n_boot, progress, "PLS bootstrap") as bar:
        for v, ok, bad, se in run_tasks(_chunk, tasks, n_jobs):
            values.append(v)
            oks.append(ok)
            inadm.append(bad)
            ses.append(se)
            bar.update(len(v))
    all_values = np.concatenate(values)
    ok = np.concatenate(oks)
    inadmissible = np.concatenate(inadm)
    draws = pd.DataFrame(all_values[ok], index=pd.Index(np.flatnonzero(ok), name="draw"))
    draws.columns = labels
    failed = _failures(all_values, ok)
    inner_se = None
    if n_inner:
        se_all = np.concatenate([s for s in ses if s is not None])[ok]
        inner_se = pd.DataFrame(se_all, index=draws.index, columns=labels)

    jack = None
    if jackknife:
        jack = pd.DataFrame(
            _jackknife(model, x, n_jobs), index=pd.Index(data.index, name="left_out")
        )
        jack.columns = labels

    fit = fit_estimates = None
    fit_failed = 0
    if fit_draws:
        xt, fit_est, _ = _bollen_stine(x, model)
        fit_tasks = [
            (model, xt, None if idx is None else idx[s : s + size], seeds[s : s + size])
            for s in starts
        ]
        chunks = list(run_tasks(_fit_chunk, fit_tasks, n_jobs))
        fv = np.concatenate([c[0] for c in chunks])
        fok = np.concatenate([c[1] for c in chunks])
        fit = pd.DataFrame(
            fv[fok], index=pd.Index(np.flatnonzero(fok), name="draw"), columns=list(FIT_MEASURES)
        )
        fit_estimates = pd.Series(fit_est, index=list(FIT_MEASURES), name="estimate")
        fit_failed = int((~fok).sum())

    if len(failed):
        warnings.warn(
            f"{len(failed)} of {n_boot} PLS bootstrap draws failed "
            f"({failed['reason'].iloc[0]}, ...) and are left out of every summary; "
            "see .failed and .status",
            ConvergenceWarning,
            stacklevel=2,
        )
    return PLSBootstrap(
        estimates=pd.Series(estimate[0], index=labels, name="estimate"),
        draws=draws,
        failed=failed,
        n_boot=n_boot,
        random_state=None if indices is not None else random_state,
        sign_change=sign,
        level=level,
        consistent=bool(consistent),
        scheme=model.scheme,
        n_inner=int(n_inner),
        n_inadmissible=int(inadmissible[ok].sum()),
        jackknife=jack,
        inner_se=inner_se,
        fit=fit,
        fit_estimates=fit_estimates,
        fit_failed=fit_failed,
        fit_model=fit_model,
    )


def _failures(values: np.ndarray, ok: np.ndarray) -> pd.DataFrame:
    bad = np.flatnonzero(~ok)
    if not len(bad):
        return _no_failures()
    reasons = [
        "non-finite estimate (a singular matrix, or PLSc with rho_A <= 0)"
        if not np.all(np.isfinite(values[b]))
        else "weights did not converge within max_iter"
        for b in bad
    ]
    return pd.DataFrame({"draw": bad, "reason": reasons})


# --------------------------------------------------------------------------- staged models


def _staged(
    result: Any,
    n_boot: int,
    random_state: int | None,
    indices: Any,
    n_jobs: int,
    sign_change: str,
    level: float,
    progress: ProgressArg,
    consistent: bool | None,
    jackknife: bool,
    n_inner: int,
    fit_draws: bool,
) -> PLSBootstrap:
    """The bootstrap of a model estimated in stages: every stage re-run per draw.

    Interaction terms are rebuilt from the resampled raw items (their indicators
    standardized, two-stage scores re-estimated, seminr's rescaling of the interaction
    score applied again) and higher-order constructs re-estimated from stage 1, as
    seminr's ``bootstrap_model()`` re-runs ``estimate_pls()`` on each resample. One draw
    is one estimation, not a batch.
    """
    own = bool(getattr(result, "consistent", False))
    asked = {
        "sign_change": (sign_change, "none"),
        "n_inner": (n_inner, 0),
        "fit_draws": (fit_draws, False),
        "consistent": (own if consistent is None else consistent, own),
    }
    for key, (value, allowed) in asked.items():
        if value != allowed:
            raise ModelSpecError(
                f"{key}={value!r} is not available for a model estimated in stages",
                found={key: value, "extension": result.extension},
                expected=f"{key}={allowed!r}",
                fix=f"leave {key}= out: every draw re-runs the stages as the result was fitted",
            )
    level = _check_level(level)
    source = result.source
    refit = result._refit
    if own:
        refit = functools.partial(_consistent_refit, refit=refit)
    labels = _model(result, False, "none").labels()
    estimate = _staged_vector(result, labels)
    x_index = source.index
    n = len(source)
    idx, seeds = _indices(n, n_boot, random_state, indices)
    n_boot = len(seeds)
    size = max(1, min(50, -(-n_boot // (4 * max(1, n_jobs)))))
    tasks = [
        (refit, source, labels, None if idx is None else idx[s : s + size], seeds[s : s + size])
        for s in range(0, n_boot, size)
    ]
    values, reasons = [], []
    with Counter(n_boot, progress, "PLS bootstrap") as bar:
        for v, why in run_tasks(_staged_chunk, tasks, n_jobs):
            values.append(v)
            reasons += why
            bar.update(len(v))
    all_values = np.concatenate(values)
    ok = np.array([not r for r in reasons])
    draws = pd.DataFrame(all_values[ok], index=pd.Index(np.flatnonzero(ok), name="draw"))
    draws.columns = labels
    bad = np.flatnonzero(~ok)
    failed = (
        pd.DataFrame({"draw": bad, "reason": [reasons[b] for b in bad]})
        if len(bad)
        else _no_failures()
    )
    jack = None
    if jackknife:
        leave = [np.delete(np.arange(n), i)[None, :] for i in range(n)]
        jtasks = [(refit, source, labels, rows, [None]) for rows in leave]
        jvalues = np.concatenate([v for v, _ in run_tasks(_staged_chunk, jtasks, n_jobs)])
        jack = pd.DataFrame(jvalues, index=pd.Index(x_index, name="left_out"))
        jack.columns = labels
    if len(failed):
        warnings.warn(
            f"{len(failed)} of {n_boot} PLS bootstrap draws failed "
            f"({failed['reason'].iloc[0]}, ...) and are left out of every summary; "
            "see .failed and .status",
            ConvergenceWarning,
            stacklevel=3,
        )
    built = "interaction terms" if result.extension == "interaction" else "higher-order constructs"
    return PLSBootstrap(
        estimates=pd.Series(estimate, index=labels, name="estimate"),
        draws=draws,
        failed=failed,
        n_boot=n_boot,
        random_state=None if indices is not None else random_state,
        level=level,
        consistent=own,
        scheme=result.scheme,
        jackknife=jack,
        notes=(
            f"a model with {built}: every draw re-ran each stage on the resampled raw items "
            "(as seminr's bootstrap_model)",
        ),
    )


def _consistent_refit(rows: pd.DataFrame, refit: Callable[[pd.DataFrame], Any]) -> Any:
    from loyaltysem.pls.consistent import consistent

    return consistent(refit(rows))


def _staged_chunk(
    refit: Callable[[pd.DataFrame], Any],
    source: pd.DataFrame,
    labels: pd.MultiIndex,
    idx: np.ndarray | None,
    seeds: Sequence[np.random.SeedSequence | None],
) -> tuple[np.ndarray, list[str]]:
    """Re-estimate a staged model on each draw's rows; NaN and a reason where it fails."""
    rows = _rows(idx, seeds, len(source))  # type: ignore[arg-type]
    out = np.full((len(rows), len(labels)), np.nan)
    reasons: list[str] = []
    for b, take in enumerate(rows):
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # e.g. a draw's PLSc Heywood note
                warnings.simplefilter("error", ConvergenceWarning)  # a failed draw, counted
                res = refit(source.iloc[take].reset_index(drop=True))
            out[b] = _staged_vector(res, labels)
            reasons.append("" if np.all(np.isfinite(out[b])) else "non-finite estimate")
        except ConvergenceWarning:
            reasons.append("weights did not converge within max_iter")
        except (ModelSpecError, SurveyDataError, np.linalg.LinAlgError, KeyError) as exc:
            reasons.append(f"{type(exc).__name__}: {str(exc).splitlines()[0]}"[:120])
    return out, reasons


def _staged_vector(res: Any, labels: pd.MultiIndex) -> np.ndarray:
    """The statistics of ``labels`` read from an estimated PLSResult's tables."""
    specific = {
        " -> ".join(route.split("->")): float(value)
        for route, value in zip(
            res.specific_effects["path"], res.specific_effects["estimate"], strict=True
        )
    }
    out = np.empty(len(labels))
    for k, (quantity, name) in enumerate(labels):
        if quantity in ("path", "total", "indirect"):
            source, target = name.split(" -> ", 1)
            table = {"path": res.paths, "total": res.total_effects}.get(
                quantity, res.indirect_effects
            )
            out[k] = table.loc[source, target]
        elif quantity in ("loading", "weight"):
            item, construct = name.split(" <- " if quantity == "loading" else " -> ", 1)
            out[k] = (res.loadings if quantity == "loading" else res.weights).loc[item, construct]
        elif quantity == "r2":
            out[k] = res.r2.loc[name, "r2"]
        elif quantity == "specific_indirect":
            out[k] = specific[name]
        elif quantity == "htmt":
            a, b = name.split(" <-> ", 1)
            out[k] = res.htmt.loc[a, b]
        else:
            out[k] = res.reliability.loc[name, quantity]
    return out
