r"""Comparing nested models: the chi-square difference test as ``lavaan::lavTestLRT``.

:func:`compare` orders the models by degrees of freedom (least restricted first, as
lavaan does) and tests each against the next:

- ML: :math:`\Delta\chi^2 = \chi^2_0 - \chi^2_1` on :math:`\Delta df = df_0 - df_1`
  degrees of freedom, and the RMSEA of the difference,
  :math:`\sqrt{\max(0, \Delta\chi^2/(N\,\Delta df) - 1/N)}` (lavaan's
  ``lav_fit_rmsea`` on the difference; Savalei, Brace & Fouladi 2023);
- MLM and MLR (models fitted with a Satorra–Bentler or Yuan–Bentler scaled test): the
  scaled difference of Satorra & Bentler (2001),
  :math:`c_d = (df_0 c_0 - df_1 c_1)/(df_0 - df_1)`,
  :math:`T_d = (\chi^2_0 - \chi^2_1)/c_d`, computed from the *unscaled* statistics
  and the scaling factors ``chisq.scaling.factor`` (lavaan's default ``method =
  "satorra.bentler.2001"``);
- WLSMV and ULSMV (ordinal items, ``fit(..., ordered=...)``, single- or multi-group):
  the scaled-shifted difference of Satorra (2000), lavaan's default ``method =
  "satorra.2000"`` (``scaled.shifted = TRUE``, ``A.method = "delta"``;
  ``lav_test_diff_Satorra2000``), :math:`T_d = a(\chi^2_0 - \chi^2_1) + b` on
  :math:`\Delta df` degrees of freedom, from the Jacobians, weights, NACOV and
  inverted information that each ordinal fit keeps
  (:func:`loyaltysem._kernels.multigroup_dwls.satorra_2000`).

Multi-group fits (:class:`loyaltysem.sem.group_blocks.MultiGroupResult`, e.g. the
configural, metric and scalar invariance levels) are compared the same way, as
``lavTestLRT(fit_configural, fit_metric, fit_scalar)``: the statistics are the joint
ones (the sums over groups), and the RMSEA of the difference is multiplied by
:math:`\sqrt{G}` (lavaan 0.6.14 ``lav_test_LRT`` calls ``lav_fit_rmsea(X2, df, N,
G = ngroups)``, with N and G those of the first model given; Steiger 1998).

Beyond ``lavTestLRT`` the table carries the changes in CFI, TLI, RMSEA and SRMR
that invariance and model-comparison tables report (Cheung & Rensvold 2002; Chen 2007).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar

import numpy as np
import pandas as pd
from scipy import stats

from loyaltysem._display import DisplayMixin, repr_p
from loyaltysem._kernels.multigroup_dwls import OrdinalInternals, satorra_2000
from loyaltysem._threads import single_blas_thread
from loyaltysem.errors import ModelSpecError, SurveyDataError
from loyaltysem.sem.results import SEMResult
from loyaltysem.status import Status, warns_status

__all__ = ["ModelComparison", "compare"]

#: lavaan rounds the difference statistic to 10 decimals before its p-value.
_ROUND_DIGITS = 10
#: lavaan's tolerance for "a restricted model fits better": .Machine$double.eps^(1/3).
_BETTER_TOL = float(np.finfo(float).eps ** (1 / 3))
_SCALED_ESTIMATORS = ("MLM", "MLR")
_ORDINAL_ESTIMATORS = ("WLSMV", "ULSMV")
_DELTA_MEASURES = ("cfi", "tli", "rmsea", "srmr")


def _is_multigroup(result: object) -> bool:
    return isinstance(result, SEMResult) and result.n_groups > 1


def _observed(result: SEMResult, *, ordered: bool = False) -> tuple[str, ...]:
    """The observed variables of a fit: sorted, or in the model's order."""
    if result.n_groups == 1:
        names = tuple(map(str, result.implied_cov.index))
    else:
        names = tuple(map(str, result.sample_cov(result.group_labels[0]).index))
    return names if ordered else tuple(sorted(names))


@dataclass(frozen=True, repr=False)
class ModelComparison(DisplayMixin):
    """Nested-model comparison, one row per model (least restricted first).

    Attributes
    ----------
    table : DataFrame
        Indexed by model name: ``df, aic, bic, chisq`` (each model's unscaled test;
        AIC and BIC NaN for WLSMV/ULSMV, as lavaan prints them), then for each model
        against the one above it ``chisq_diff`` (scaled for MLM/MLR, scaled and
        shifted for WLSMV/ULSMV), ``df_diff``, ``pvalue``, ``scaling_factor`` (the
        Satorra–Bentler :math:`c_d` that divides the difference; for WLSMV/ULSMV the
        scale :math:`a` that multiplies it, lavaan's ``attr(, "scale")``; NaN for ML),
        ``shift`` (WLSMV/ULSMV: the shift :math:`b`, lavaan's ``attr(, "shift")``;
        NaN otherwise), ``rmsea`` (RMSEA of the difference, ML only, as lavaan 0.6.14
        prints it), and ``delta_aic, delta_bic, delta_cfi, delta_tli, delta_rmsea,
        delta_srmr`` (this model minus the one above; the standard, unscaled indices).
    method : str
        ``"standard"``, ``"satorra.bentler.2001"`` or ``"satorra.2000"``.
    warnings : tuple of str
        Models not converged, restricted models fitting better, equal degrees of
        freedom, different variables.
    status : Status
        The models' statuses combined (reasons prefixed by the model name): a test
        between improper solutions says so here, first in the summary, and in the
        table's ``status`` column (``fitted``, ``not converged``, ``improper: ...``).
    """

    table: pd.DataFrame
    method: str
    warnings: tuple[str, ...]
    status: Status = field(default_factory=Status)

    _title: ClassVar[str] = "Chi-squared difference test"

    def _repr_parts(self) -> list[str]:
        return [
            f"models={len(self.table)}",
            f"method={self.method}",
            *(repr_p(f"{name}:p", p) for name, p in self.table["pvalue"].items() if p == p),
            f"warnings={len(self.warnings)}" if self.warnings else "",
        ]

    _na_rep: ClassVar[str] = ""

    def to_frame(self) -> pd.DataFrame:
        """The comparison table (``table``)."""
        return self.table

    def _header(self) -> list[str]:
        lines = [*self.status.header(), f"method: {self.method}"]
        if self.method != "standard":
            # lavaan's note under its scaled difference tests
            lines.append(
                "chisq holds each model's standard test statistic, not the robust test "
                "that should be reported per model; the robust difference test is a "
                "function of two standard (not robust) statistics"
            )
        return lines + [f"WARNING: {w}" for w in self.warnings]

    def _sections(self) -> Iterable[tuple[str, pd.DataFrame | pd.Series]]:
        yield "Models", self.table


def _check_results(results: Sequence[object]) -> list[SEMResult]:
    if len(results) < 2:
        raise ModelSpecError(
            "compare() needs at least two fitted models",
            found=f"{len(results)} model(s)",
            expected="two or more results of loyaltysem.fit() on the same data",
            fix="compare(fit(model_a, data), fit(model_b, data))",
        )
    for i, r in enumerate(results):
        if not isinstance(r, SEMResult):
            raise ModelSpecError(
                f"argument {i + 1} of compare() is not a fitted model",
                found=type(r).__name__,
                expected="a SEMResult or MultiGroupResult from loyaltysem.fit()",
                fix="pass the results of fit(), not models or data",
            )
    multi = [_is_multigroup(r) for r in results]
    if any(multi) and not all(multi):
        raise ModelSpecError(
            "compare() got single-group and multi-group results together",
            found=[
                f"argument {i + 1}: {'multi-group' if m else 'single-group'}"
                for i, m in enumerate(multi)
            ],
            expected="all models fitted with the same group= (or all without it)",
            fix="fit every model with fit(model, data, group='wave', group_equal=[...])",
        )
    if all(multi):
        groups = [(r.group, tuple(map(str, r.group_labels))) for r in results]  # type: ignore[attr-defined]
        if len(set(groups)) > 1:
            raise SurveyDataError(
                "the multi-group models were fitted to different groups, so their "
                "chi-squares cannot be compared",
                column=str(groups[0][0]),
                found=[f"group={g!r}, groups {list(labels)}" for g, labels in groups],
                expected="the same grouping column and the same groups for every model",
                fix="fit every model with the same group= on the same data",
            )
    return list(results)  # type: ignore[arg-type]


def _ordinal_internals(result: SEMResult, name: str) -> OrdinalInternals:
    """The Jacobians, weights, NACOV and information an ordinal fit keeps."""
    internals = getattr(result, "_internals", None)
    if not isinstance(internals, OrdinalInternals):
        raise ModelSpecError(
            f"the ordinal fit {name!r} carries no Jacobian and NACOV for the "
            "scaled-shifted difference test",
            found=f"{type(result).__name__} without internals",
            expected="a result of loyaltysem.fit(..., ordered=...) or fit_groups_ordinal()",
            fix="refit the model, or call "
            "loyaltysem.sem.ordinal_multigroup.lrt_ordinal(restricted, "
            "free, data=survey), which recomputes them from the data",
        )
    return internals


@warns_status("compare: ")
def compare(*results: SEMResult, names: Sequence[str] | None = None) -> ModelComparison:
    r"""Likelihood-ratio (chi-square difference) tests of nested models.

    Parameters
    ----------
    *results : SEMResult or MultiGroupResult
        Two or more models fitted to the same data with the same estimator: all
        single-group, or all multi-group with the same grouping column and groups
        (``loyaltysem.fit(model, data, group=..., group_equal=...)``, e.g. the
        configural, metric and scalar invariance levels). Ordinal fits
        (``ordered=``, WLSMV or ULSMV) are compared with each other only.
    names : sequence of str, optional
        Model names (default ``model1``, ``model2``, ... in the order given).

    Returns
    -------
    ModelComparison

    Raises
    ------
    ModelSpecError
        Fewer than two results, something that is not a result, names of the wrong
        length, a mix of single-group and multi-group results, a mix of scaled
        (MLM/MLR) and unscaled (ML) tests, a mix of ordinal (WLSMV/ULSMV) and
        continuous fits or of WLSMV and ULSMV fits, ordinal models without the same
        items in the same order (their statistics could not be matched), an ordinal
        result without its internals (the Jacobian and NACOV), or a less restricted
        ordinal model with a singular information matrix.
    SurveyDataError
        Models fitted to different data (different N or data hash), or multi-group
        models with different grouping columns or groups: their test statistics
        cannot be compared.

    Notes
    -----
    Nesting itself is not checked (lavaan's NET check is not implemented); a
    restricted model that fits better than a less restricted one gets a warning, as
    in lavaan. The p-value of two models with the same degrees of freedom is NaN.

    With groups the RMSEA of the difference is
    :math:`\sqrt{G}\,\sqrt{\max(0, \Delta\chi^2/(N\,\Delta df) - 1/N)}`, N the
    total sample size and G the number of groups (lavaan 0.6.14 ``lav_test_LRT``,
    ``lav_fit_rmsea(..., G = ngroups)``), like the RMSEA of a multi-group model.

    Ordinal fits (WLSMV, ULSMV) get lavaan's ``method = "satorra.2000"`` with
    ``scaled.shifted = TRUE`` and ``A.method = "delta"``: for each model (restricted,
    :math:`\chi^2_0` on :math:`df_0`) against the one above it (:math:`\chi^2_1`,
    :math:`df_1`), with :math:`D_1, D_0` their Jacobians of the implied thresholds and
    correlations, :math:`A` the orthogonal complement of :math:`D_1^+ D_0`,
    :math:`E^{-1}` the inverted information of the less restricted model and
    :math:`M = E^{-1}A'(AE^{-1}A')^+AE^{-1}`, :math:`U = V D_1 M D_1' V` (:math:`V` the
    weights), :math:`\Gamma` the NACOV (by groups, weighted by :math:`n_g/N`):
    :math:`a = \sqrt{m/\mathrm{tr}((U\Gamma)^2)}`, :math:`b = m -
    a\,\mathrm{tr}(U\Gamma)` and :math:`T_d = a(\chi^2_0 - \chi^2_1) + b` on :math:`m
    = df_0 - df_1` degrees of freedom. ``chisq`` holds the standard (unscaled)
    statistics, as lavaan prints them; ``scaling_factor`` and ``shift`` are
    :math:`a` and :math:`b`; no RMSEA of the difference, AIC or BIC (lavaan prints
    none for these estimators).

    Examples
    --------
    >>> import loyaltysem as ls
    >>> hs = ls.load_holzinger_swineford()
    >>> three = ls.fit("visual =~ x1 + x2 + x3\ntextual =~ x4 + x5 + x6\n"
    ...                "speed =~ x7 + x8 + x9", hs)
    >>> one = ls.fit("g =~ x1 + x2 + x3 + x4 + x5 + x6 + x7 + x8 + x9", hs)
    >>> cmp = ls.compare(three, one, names=["three", "one"])
    >>> row = cmp.table.loc["one"]
    >>> round(float(row["chisq_diff"]), 3), int(row["df_diff"]), round(float(row["rmsea"]), 4)
    (226.959, 3, 0.498)

    In R: ``lavTestLRT(fit_three, fit_one)``.

    Measurement invariance across the two schools; in R:
    ``lavTestLRT(fit_configural, fit_metric, fit_scalar)`` of ``cfa(model, hs, group =
    "school", group.equal = ...)``.

    >>> model = "visual =~ x1 + x2 + x3\ntextual =~ x4 + x5 + x6\nspeed =~ x7 + x8 + x9"
    >>> levels = {"configural": [], "metric": ["loadings"],
    ...           "scalar": ["loadings", "intercepts"]}
    >>> fits = [ls.fit(model, hs, group="school", group_equal=eq) for eq in levels.values()]
    >>> cmp = ls.compare(*fits, names=list(levels))
    >>> cmp.table.loc["scalar", ["chisq_diff", "df_diff", "rmsea"]].round(4).tolist()
    [40.0593, 6.0, 0.1942]

    Ordinal items: the nine tests cut into quintile categories, WLSMV; in R:
    ``lavTestLRT(cfa(three, hs5, ordered = items), cfa(one, hs5, ordered = items))``
    (``method = "satorra.2000"``).

    >>> import numpy as np
    >>> import pandas as pd
    >>> frame = hs.to_frame()
    >>> cut5 = lambda v: np.clip(np.searchsorted(np.quantile(v, np.linspace(0, 1, 6)), v), 1, 5)
    >>> hs5 = pd.DataFrame({f"x{i}": cut5(frame[f"x{i}"]) for i in range(1, 10)})
    >>> three_o = ls.fit(model, hs5, ordered=True)
    >>> one_o = ls.fit("g =~ x1 + x2 + x3 + x4 + x5 + x6 + x7 + x8 + x9", hs5, ordered=True)
    >>> cmp = ls.compare(three_o, one_o, names=["three", "one"])
    >>> cmp.method
    'satorra.2000'
    >>> cols = ["chisq", "chisq_diff", "df_diff", "scaling_factor", "shift"]
    >>> cmp.table.loc["one", cols].round(4).tolist()
    [299.6815, 136.7691, 3.0, 0.5622, 0.2021]
    """
    fits = _check_results(results)
    if names is None:
        names = [f"model{i + 1}" for i in range(len(fits))]
    names = [str(n) for n in names]
    if len(names) != len(fits) or len(set(names)) != len(names):
        raise ModelSpecError(
            "compare(): one distinct name per model is needed",
            found=names,
            expected=f"{len(fits)} distinct names",
            fix="names=['default', 'rival']",
        )
    estimators = [r.provenance.estimator.upper() for r in fits]
    ordinal = [e in _ORDINAL_ESTIMATORS for e in estimators]
    if any(ordinal) and not all(ordinal):
        raise ModelSpecError(
            "compare() got ordinal (WLSMV/ULSMV) and continuous fits together: their "
            "test statistics cannot be compared",
            found=dict(zip(names, estimators, strict=True)),
            expected="every model fitted with ordered= (WLSMV or ULSMV), or none",
            fix="refit every model with the same ordered= and estimator",
        )
    is_ordinal = all(ordinal)
    if is_ordinal and len(set(estimators)) > 1:
        raise ModelSpecError(
            "the ordinal models were fitted with different estimators",
            found=dict(zip(names, estimators, strict=True)),
            expected="the same estimator (WLSMV or ULSMV) for every model",
            fix="refit every model with the same estimator",
        )
    internals = (
        [_ordinal_internals(r, n) for r, n in zip(fits, names, strict=True)] if is_ordinal else []
    )
    if is_ordinal and len({_observed(r, ordered=True) for r in fits}) > 1:
        # the Jacobians' rows are the thresholds and correlations in the model's order
        raise ModelSpecError(
            "the ordinal models do not have the same items in the same order, so their "
            "thresholds and polychoric correlations cannot be matched",
            found={n: list(_observed(r, ordered=True)) for n, r in zip(names, fits, strict=True)},
            expected="the same ordinal items, in the same order, in every model",
            fix="list the items in the same order in every model's syntax",
        )
    scaled = [e in _SCALED_ESTIMATORS for e in estimators]
    if any(scaled) and not all(scaled):
        raise ModelSpecError(
            "some models (but not all) have scaled test statistics",
            found=dict(zip(names, estimators, strict=True)),
            expected="the same estimator for every model",
            fix="refit every model with the same estimator",
        )
    is_scaled = all(scaled)
    method = "satorra.2000" if is_ordinal else "satorra.bentler.2001" if is_scaled else "standard"

    ns = {r.provenance.n for r in fits}
    hashes = {r.provenance.data_hash for r in fits}
    if len(ns) > 1 or len(hashes) > 1:
        raise SurveyDataError(
            "the models were fitted to different data, so their chi-squares cannot be compared",
            found=f"N = {sorted(ns)}, {len(hashes)} different data hash(es)",
            expected="the same respondents for every model",
            fix="fit every model to the same data (the same cleaned survey, the same "
            "missing-data treatment)",
        )

    warn: list[str] = []
    if not all(r.converged for r in fits):
        bad = [n for n, r in zip(names, fits, strict=True) if not r.converged]
        warn.append(f"not all models converged: {', '.join(bad)}")
    var_sets = {_observed(r) for r in fits}
    if len(var_sets) > 1:
        warn.append("some models are based on a different set of observed variables")

    fm = [r.fit_measures for r in fits]
    df = np.array([float(m["df"]) for m in fm])
    order = np.argsort(df, kind="stable")
    names = [names[i] for i in order]
    fm = [fm[i] for i in order]
    internals = [internals[i] for i in order] if is_ordinal else []
    df = df[order]
    chisq = np.array([float(m["chisq"]) for m in fm])
    # lavaan: N and the number of groups of the first model given
    n_total = float(fits[0].provenance.n)
    first = fits[0]
    n_groups = first.n_groups

    k = len(fm)
    stat_diff = np.full(k, np.nan)
    df_diff = np.full(k, np.nan)
    c_d = np.full(k, np.nan)
    shift = np.full(k, np.nan)
    rmsea = np.full(k, np.nan)
    raw_diff = np.r_[np.nan, np.diff(chisq)]
    raw_df = np.r_[np.nan, np.diff(df)]
    if np.any(raw_diff[1:] < -_BETTER_TOL):
        warn.append(
            "some restricted models fit better than less restricted models; either these "
            "models are not nested, or the less restricted model failed to reach a global "
            f"optimum (smallest difference = {np.nanmin(raw_diff[1:]):.6g})"
        )
    for m in range(1, k):
        d = raw_df[m]
        df_diff[m] = d
        if is_ordinal:
            # lavTestLRT: lav_test_diff_Satorra2000(mods[[m]], mods[[m + 1]]), unrounded
            with single_blas_thread():
                test = satorra_2000(internals[m], internals[m - 1])
            if test is None:
                raise ModelSpecError(
                    f"{names[m - 1]!r} (the less restricted model of the pair "
                    f"{names[m - 1]!r}, {names[m]!r}) has a singular information matrix",
                    found="no standard errors in the less restricted fit",
                    expected="an identified model",
                    fix="check the identification of the less restricted model",
                )
            stat_diff[m], c_d[m], shift[m] = test.stat, test.scale, test.shift
            continue
        if is_scaled:
            c0 = float(fm[m]["chisq.scaling.factor"])
            # lav_test_diff_SatorraBentler2001: c1 = 1 for a saturated model (df = 0)
            c1 = float(fm[m - 1]["chisq.scaling.factor"]) if df[m - 1] > 0 else 1.0
            if d == 0:
                stat_diff[m] = raw_diff[m]
                continue
            cd = (df[m] * c0 - df[m - 1] * c1) / d
            if cd < 0:
                warn.append(f"{names[m]}: the scaling factor of the difference is negative")
                cd = np.nan
            c_d[m] = cd
            stat_diff[m] = raw_diff[m] / cd
        else:
            stat_diff[m] = raw_diff[m]
            rmsea[m] = (
                np.sqrt(max(raw_diff[m] / n_total / d - 1.0 / n_total, 0.0)) * np.sqrt(n_groups)
                if d > 0
                else 0.0
            )
    if not is_ordinal:
        stat_diff = np.round(stat_diff, _ROUND_DIGITS)
    with np.errstate(invalid="ignore"):
        pvalue = stats.chi2.sf(stat_diff, df_diff)
    same_df = [m for m in range(1, k) if df_diff[m] == 0]
    for m in same_df:
        pvalue[m] = np.nan
    if same_df:
        warn.append("some models have the same degrees of freedom: no test between them")

    def measure(key: str) -> np.ndarray:
        return np.array([float(m[key]) if key in m.index else np.nan for m in fm])

    table = pd.DataFrame(
        {
            "df": df,
            "aic": measure("aic"),
            "bic": measure("bic"),
            "chisq": chisq,
            "chisq_diff": stat_diff,
            "df_diff": df_diff,
            "pvalue": pvalue,
            "scaling_factor": c_d,
            "shift": shift,
            "rmsea": rmsea,
        },
        index=pd.Index(names, name="model"),
    )
    for key in ("aic", "bic", *_DELTA_MEASURES):
        table[f"delta_{key}"] = np.r_[np.nan, np.diff(measure(key))]
    statuses = {n: _status_of(r) for n, r in zip(names, fits, strict=True)}
    table["status"] = [st.outcome for st in statuses.values()]
    return ModelComparison(
        table=table, method=method, warnings=tuple(warn), status=Status.combine(statuses)
    )


def _status_of(result: Any) -> Status:
    status = getattr(result, "status", None)
    if isinstance(status, Status):
        return status
    return Status.from_warnings(bool(result.converged), tuple(result.warnings))
