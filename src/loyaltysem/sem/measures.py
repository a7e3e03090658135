"""What a fit reports about one block: fit measures, robust tests, admissibility, R².

lavaan's ``fitMeasures()`` of one group (:func:`_fit_measures`; with several groups the
pipeline combines the blocks' by lavaan's rules), the ``*.scaled`` and ``*.robust``
measures of MLM and MLR (:func:`_scaled_measures`, from the sandwich parts of
``_kernels.multigroup.robust_groups``), GFI and Zhang & Savalei's corrected indices of
full-information ML (:func:`_fiml_measures`), lavaan's post-checks of an admissible
solution (:func:`_post_check`) and R² (:func:`_rsquare`).
"""

from __future__ import annotations

import functools
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from loyaltysem._kernels import fiml as fiml_kernel
from loyaltysem._kernels import fit_indices as fi
from loyaltysem._kernels.ml import MLKernel, inverse_i_minus_b
from loyaltysem._kernels.partable import CompiledModel, ParTable
from loyaltysem._kernels.robust import RobustParts
from loyaltysem.sem.results import rsquare

__all__ = ["fiml_gfi"]


@functools.lru_cache(maxsize=32)
def _tril(p: int, k: int) -> tuple[np.ndarray, np.ndarray]:
    """``np.tril_indices(p, k)``, made once per size (read-only)."""
    rows, cols = np.tril_indices(p, k)
    rows.flags.writeable = cols.flags.writeable = False
    return rows, cols


def _fit_measures(
    kernel: MLKernel,
    sigma: np.ndarray,
    f_ml: float,
    n: int,
    npar: int,
    ov_x: list[int],
    mu: np.ndarray | None = None,
    *,
    likelihoods: tuple[float, float, float] | None = None,
    x_cov_h1: np.ndarray | None = None,
    sigma_inv: np.ndarray | None = None,
    logdet: float = math.nan,
) -> dict[str, float]:
    """Fit measures of an ML fit as lavaan's ``fitMeasures()`` (``mu``: implied means).

    ``sigma_inv`` and ``logdet``, when given, are the inverse and log-determinant of
    ``sigma`` (the optimizer's, so that they are not computed again).

    ``likelihoods = (logl, unrestricted.logl, baseline logl)`` replaces the
    complete-data log-likelihoods (full-information ML: ``kernel`` then holds the EM
    saturated moments, which take the place of the sample moments in the residual
    indices, as in lavaan).

    With a mean structure the p means are moments too (df and the baseline df count
    them, the baseline model has free means), the log-likelihood carries the mean
    term, and ``rmr``, ``srmr``, ``crmr`` and ``srmr_mplus`` take the mean residuals
    in (their ``_nomean`` versions do not), as lavaan's ``lav_fit_srmr_lavobject``.
    """
    s = kernel.s
    p = len(s)
    px = len(ov_x)
    nox = [i for i in range(p) if i not in ov_x]
    means = mu is not None and kernel.mean is not None
    moments = p * (p + 1) // 2 + (p if means else 0)
    x_moments = px * (px + 1) // 2 + (px if means else 0)
    chisq = n * f_ml
    df = moments - npar - x_moments
    # baseline (independence) model: variances of the non-x variables free, x block fixed
    if px:
        sigma_b = np.diag(np.diag(s))
        sigma_b[np.ix_(ov_x, ov_x)] = s[np.ix_(ov_x, ov_x)]
        _, logdet_b = np.linalg.slogdet(sigma_b)
        f_b = logdet_b + np.trace(np.linalg.solve(sigma_b, s)) - kernel.logdet_s - p
    else:  # diagonal: log|D| = sum log s_jj, tr(D^-1 S) = p
        f_b = float(np.log(np.diag(s)).sum()) + p - kernel.logdet_s - p
    chisq_b = n * f_b
    if likelihoods is not None:
        chisq_b = 2.0 * (likelihoods[1] - likelihoods[2])
    df_b = moments - len(nox) * (2 if means else 1) - x_moments
    d_mean = (kernel.mean - mu) if means else np.zeros(p)
    if sigma_inv is None:
        _, logdet_sigma = np.linalg.slogdet(sigma)
        trace = np.trace(np.linalg.solve(sigma, s))
        mean_term = d_mean @ np.linalg.solve(sigma, d_mean)
    else:  # the optimizer's own inverse and log-determinant of Sigma
        logdet_sigma = logdet
        trace = float(np.sum(s * sigma_inv))  # tr(Sigma^-1 S), both symmetric
        mean_term = float(d_mean @ sigma_inv @ d_mean)
    logl = -n / 2 * (p * math.log(2 * math.pi) + logdet_sigma + trace + mean_term)
    logl_h1 = -n / 2 * (p * math.log(2 * math.pi) + kernel.logdet_s + p)
    if likelihoods is not None:
        logl, logl_h1 = likelihoods[0], likelihoods[1]
    if px:
        # fixed.x: the likelihood is conditional on the covariates (lavaan); with FIML
        # (missing = "ml.x") their moments are the EM ones, N all respondents
        _, logdet_x = np.linalg.slogdet(s[np.ix_(ov_x, ov_x)])
        logl_x = -n / 2 * (px * math.log(2 * math.pi) + logdet_x + px)
        logl -= logl_x
        if x_cov_h1 is not None:  # lavaan: the h1 part from its pairwise "sample" moments
            _, logdet_x = np.linalg.slogdet(x_cov_h1)
            logl_x = -n / 2 * (px * math.log(2 * math.pi) + logdet_x + px)
        logl_h1 -= logl_x
    out: dict[str, float] = {
        "npar": float(npar),
        "fmin": f_ml / 2,
        "chisq": chisq,
        "df": float(df),
        "pvalue": fi.chi2_sf(chisq, df) if df > 0 else math.nan,
        "baseline.chisq": chisq_b,
        "baseline.df": float(df_b),
        "baseline.pvalue": fi.chi2_sf(chisq_b, df_b),
        **fi.incremental_indices(chisq, df, chisq_b, df_b),
    }
    out["logl"] = logl
    out["unrestricted.logl"] = logl_h1
    out.update(fi.information_criteria(logl, npar, n))
    out["ntotal"] = float(n)
    out["rmsea"] = fi.rmsea(chisq, df, n)
    lo, hi = fi.rmsea_ci(chisq, df, n)
    out["rmsea.ci.lower"], out["rmsea.ci.upper"] = lo, hi
    out["rmsea.ci.level"] = 0.90
    out["rmsea.pvalue"] = fi.rmsea_pvalue(chisq, df, n, 0.05)
    out["rmsea.close.h0"] = 0.05
    out["rmsea.notclose.pvalue"] = 1.0 - fi.rmsea_pvalue(chisq, df, n, 0.08) if df > 0 else math.nan
    out["rmsea.notclose.h0"] = 0.08
    resid = s - sigma
    tri = _tril(p, 0)
    pstar = p * (p + 1) // 2
    ds, dm = np.sqrt(np.diag(s)), np.sqrt(np.diag(sigma))
    ss_raw = float(np.sum(resid[tri] ** 2))
    ss_std = float(np.sum((resid / np.outer(ds, ds))[tri] ** 2))
    rcor = s / np.outer(ds, ds) - sigma / np.outer(dm, dm)
    strict = _tril(p, -1)
    ss_cor = float(np.sum(rcor[strict] ** 2))
    out["rmr_nomean"] = math.sqrt(ss_raw / pstar)
    out["srmr_bentler_nomean"] = math.sqrt(ss_std / pstar)
    out["crmr_nomean"] = math.sqrt(ss_cor / (pstar - p)) if p > 1 else math.nan
    diag_part = float(np.sum(((np.diag(s) - np.diag(sigma)) / np.diag(s)) ** 2))
    out["srmr_mplus_nomean"] = math.sqrt((ss_cor + diag_part) / pstar)
    if means:
        # mean residuals, raw and divided by the observed SDs (lavaan cor.bentler/bollen)
        ss_mean = float(np.sum(d_mean**2))
        ss_mean_std = float(np.sum((d_mean / ds) ** 2))
        mplus_mean = float(np.sum((kernel.mean / ds - mu / dm) ** 2))
        out["rmr"] = math.sqrt((ss_raw + ss_mean) / (pstar + p))
        out["srmr_bentler"] = math.sqrt((ss_std + ss_mean_std) / (pstar + p))
        out["crmr"] = math.sqrt((ss_cor + ss_mean_std) / pstar) if p > 1 else math.nan
        out["srmr_mplus"] = math.sqrt((ss_cor + mplus_mean + diag_part) / (pstar + p))
    else:
        out["rmr"] = out["rmr_nomean"]
        out["srmr_bentler"] = out["srmr_bentler_nomean"]
        out["crmr"] = out["crmr_nomean"]
        out["srmr_mplus"] = out["srmr_mplus_nomean"]
    out["srmr"] = out["srmr_bentler"]
    out["cn_05"] = fi.cn(chisq, df, n, 0.05)
    out["cn_01"] = fi.cn(chisq, df, n, 0.01)
    out["gfi"] = fi.gfi(s, sigma, ov_x, kernel.mean if means else None, mu)
    out["agfi"] = fi.agfi(out["gfi"], moments, df)
    out["pgfi"] = fi.pgfi(out["gfi"], moments, df)
    out["mfi"] = math.exp(-0.5 * (chisq - df) / n)
    out["ecvi"] = fi.ecvi(chisq, npar, n)
    return out


def _rsquare(cm: CompiledModel, x: np.ndarray) -> pd.Series:
    """R² at the free parameters ``x`` (:func:`loyaltysem.sem.results.rsquare`)."""
    return rsquare(cm, cm.layout.matrices(x))


@dataclass(frozen=True)
class _TableMasks:
    """Row masks of a parameter table a fit reads, made once per table (read-only)."""

    parameters: np.ndarray  # model parameters: =~ ~ ~~ ~1
    variances: np.ndarray  # variances: ~~ with lhs == rhs
    meanstructure: bool  # a ~1 row


def _table_masks(pt: ParTable) -> _TableMasks:
    """The :class:`_TableMasks` of ``pt`` (cached on it: a parameter table is immutable)."""
    cached = pt.__dict__.get("_masks")
    if cached is None:
        parameters = np.isin(pt.op, ["=~", "~", "~~", "~1"])
        variances = (pt.op == "~~") & (pt.lhs == pt.rhs)
        parameters.flags.writeable = variances.flags.writeable = False
        cached = _TableMasks(parameters, variances, bool(np.any(pt.op == "~1")))
        pt.__dict__["_masks"] = cached
    return cached


@functools.lru_cache(maxsize=64)
def _measure_names(names: tuple[str, ...]) -> pd.Index:
    """The index of a fit-measure Series (a handful of distinct name sets; immutable)."""
    return pd.Index(list(names))


def _measures_series(measures: Mapping[str, float]) -> pd.Series:
    """``pd.Series(measures, name="fit_measures")``, its index made once per set of names."""
    try:
        values = np.fromiter(measures.values(), dtype=float, count=len(measures))
    except (TypeError, ValueError):  # pragma: no cover - every measure is a number
        return pd.Series(measures, name="fit_measures")
    return pd.Series(values, index=_measure_names(tuple(measures)), name="fit_measures")


def fiml_gfi(
    kernel: fiml_kernel.FIMLKernel, st: fiml_kernel.FIMLState, ov_x: Sequence[int] = ()
) -> float:
    """GFI of a full-information ML fit, as lavaan's ``lav_fit_gfi_lavobject``.

    The model against lavaan's "sample statistics" of an incomplete data set (the
    available-case means and pairwise covariances, rescaled by (N - 1)/N), weighted by
    the FIML expected information at the model; fixed.x covariates' moments are not
    fitted.
    """
    pat = kernel.pat
    n = float(kernel.n)
    rows, cols, _ = fiml_kernel.vech_index(kernel.p)
    mean_a, cov_a = fiml_kernel.available_moments(pat)
    cov_a = cov_a * (n - 1.0) / n
    obs = np.concatenate([mean_a, cov_a[rows, cols]])
    est = np.concatenate([st.mu, st.sigma[rows, cols]])
    v = fiml_kernel.information(pat, st.mu, st.sigma, observed=False)
    keep = ~fiml_kernel.x_moments(kernel.p, ov_x)
    obs, est, v = obs[keep], est[keep], v[np.ix_(keep, keep)]
    e = obs - est
    return float(1.0 - e @ v @ e / (obs @ v @ obs))


def _fiml_measures(
    kernel: fiml_kernel.FIMLKernel,
    st: fiml_kernel.FIMLState,
    fm: Mapping[str, float],
    information: str,
    first_order: np.ndarray | None = None,
    ov_x: Sequence[int] = (),
) -> dict[str, float]:
    """GFI and the FIML-corrected ("robust") indices of a ``missing = "ml"`` fit, as lavaan.

    GFI compares the model with lavaan's "sample statistics" of an incomplete data
    set, the available-case means and pairwise covariances (rescaled by (N - 1)/N),
    weighted by the FIML expected information at the model (lavaan
    ``lav_fit_gfi_lavobject``). ``cfi.robust``, ``tli.robust``, ``rmsea.robust`` and
    its interval and tests are Zhang & Savalei's (2023) corrections
    (:func:`loyaltysem._kernels.fiml.corrected_test`), as lavaan 0.6.14 reports them:
    version "V6" for ML, "V3" (with the first-order information ``first_order`` of the
    saturated model) for MLR.
    """
    out: dict[str, float] = {}
    n = float(kernel.n)
    df, df_b = fm["df"], fm["baseline.df"]
    p = kernel.p
    gfi = fiml_gfi(kernel, st, ov_x)
    n_moments = p * (p + 3) // 2  # lavaan: all of WLS.obs, the covariates' moments included
    out["gfi"] = gfi
    out["agfi"] = fi.agfi(gfi, n_moments, df)
    out["pgfi"] = fi.pgfi(gfi, n_moments, df)
    try:
        ct = fiml_kernel.corrected_test(
            kernel,
            st,
            df,
            df_b,
            observed=information == "observed",
            first_order=first_order,
            ov_x=ov_x,
        )
    except (np.linalg.LinAlgError, ValueError):
        ct = fiml_kernel.CorrectedTest(math.nan, math.nan, math.nan, math.nan)
    c, c_b = ct.c_hat, ct.c_hat_null
    out["cfi.robust"] = fi.cfi(ct.chisq, df, ct.chisq_null, df_b, c, c_b)
    out["tli.robust"] = fi.tli(ct.chisq, df, ct.chisq_null, df_b, c, c_b)
    out["nnfi.robust"] = out["tli.robust"]
    out["rni.robust"] = fi.rni(ct.chisq, df, ct.chisq_null, df_b, c, c_b)
    x2_scaled = ct.chisq / c
    out["rmsea.robust"] = fi.rmsea(ct.chisq, df, n, c)
    lo, hi = fi.rmsea_ci(x2_scaled, df, n, c_hat=c)
    out["rmsea.ci.lower.robust"], out["rmsea.ci.upper.robust"] = lo, hi
    out["rmsea.pvalue.robust"] = fi.rmsea_pvalue(x2_scaled, df, n, 0.05, c_hat=c)
    out["rmsea.notclose.pvalue.robust"] = (
        1.0 - fi.rmsea_pvalue(x2_scaled, df, n, 0.08, c_hat=c) if df > 0 else math.nan
    )
    return out


def _post_check(cm: CompiledModel, x: np.ndarray, est: np.ndarray, pt: ParTable) -> list[str]:
    """Admissibility as lavaan's ``lav_object_post_check``.

    The model-implied covariance matrix of the latent variables (``cov.lv``) and the
    residual covariance matrix of the observed variables (``theta``) must be positive
    (semi)definite: an eigenvalue below ``-eps^(3/4)`` is reported. As in lavaan, the
    first check is skipped when a latent variance is negative and the second when an
    observed variance is, those being reported already.
    """
    out: list[str] = []
    tol = -(np.finfo(float).eps ** 0.75)
    mats = cm.layout.matrices(x)
    negative = _table_masks(pt).variances & (est < 0)
    negative_names = set(pt.lhs[negative].tolist()) if negative.any() else set()
    lv_negative = bool(negative_names & set(cm.lv))
    ov_negative = bool(negative_names & set(cm.ov))
    lat_pos = [cm.latent_side.index(name) for name in cm.lv if name in cm.latent_side]
    if lat_pos and not lv_negative:
        try:
            a = inverse_i_minus_b(cm.layout, mats["beta"])
        except np.linalg.LinAlgError:
            a = None
        if a is not None:
            cov_lv = (a @ mats["psi"] @ a.T)[np.ix_(lat_pos, lat_pos)]
            if np.linalg.eigvalsh((cov_lv + cov_lv.T) / 2.0)[0] < tol:
                out.append(
                    "the covariance matrix of the latent variables is not positive definite "
                    "(an inadmissible solution: correlations beyond 1 in absolute value)"
                )
    if not ov_negative:
        theta = mats["theta"]
        if np.linalg.eigvalsh((theta + theta.T) / 2.0)[0] < tol:
            out.append(
                "the covariance matrix of the residuals of the observed variables (theta) is "
                "not positive definite (an inadmissible solution)"
            )
    return out


@dataclass(frozen=True)
class _Robust:
    """Robust parts of the model and of the baseline (independence) model."""

    model: RobustParts
    baseline: RobustParts


def _scaled_measures(fm: Mapping[str, float], robust: _Robust) -> dict[str, float]:
    """The ``*.scaled`` and ``*.robust`` fit measures of lavaan from the scaling factors.

    ``c = tr(U Gamma) / df``; scaled statistics ``chisq / c``. ``*.scaled`` indices
    plug the scaled statistics into the usual formulas (RMSEA: the unscaled
    statistic on ``c df`` degrees of freedom, ``lav_fit_rmsea_lavobject``);
    ``*.robust`` indices are Brosseau-Liard & Savalei (2014) and
    Brosseau-Liard, Savalei & Li (2012): CFI/TLI with ``chisq - c df`` and
    ``chisq_b - c_b df_b``, RMSEA ``sqrt(max(chisq / (N df) - c / N, 0))`` with its
    interval and close-fit tests on the scaled statistic with noncentrality times c.
    """
    n = fm["ntotal"]
    chisq, df = fm["chisq"], fm["df"]
    chisq_b, df_b = fm["baseline.chisq"], fm["baseline.df"]
    c = robust.model.trace_ugamma / df if df > 0 else math.nan
    c_b = robust.baseline.trace_ugamma / df_b if df_b > 0 else math.nan
    if c < 0:
        c = math.nan
    x2 = chisq / c if df > 0 else chisq  # df = 0: lavaan keeps the standard test
    x2_b = chisq_b / c_b
    out: dict[str, float] = {
        "chisq.scaled": x2,
        "df.scaled": df,
        "pvalue.scaled": fi.chi2_sf(x2, df) if df > 0 else math.nan,
        "chisq.scaling.factor": c,
        "baseline.chisq.scaled": x2_b,
        "baseline.df.scaled": df_b,
        "baseline.pvalue.scaled": fi.chi2_sf(x2_b, df_b),
        "baseline.chisq.scaling.factor": c_b,
        "cfi.scaled": fi.cfi(x2, df, x2_b, df_b),
        "tli.scaled": fi.tli(x2, df, x2_b, df_b),
        "cfi.robust": fi.cfi(chisq, df, chisq_b, df_b, c, c_b),
        "tli.robust": fi.tli(chisq, df, chisq_b, df_b, c, c_b),
    }
    if math.isfinite(robust.model.trace_h1) and df > 0:  # Yuan-Bentler (Mplus) parts
        p = round(fm["_p"])
        n_moments = robust.model.n_h1 or p * (p + 1) // 2 + (p if fm["_means"] else 0)
        out["scaling.factor.h1"] = robust.model.trace_h1 / n_moments
        out["scaling.factor.h0"] = robust.model.trace_h0 / fm["npar"]
    out["nnfi.scaled"] = out["tli.scaled"]
    out["rfi.scaled"] = fi.rfi(x2, df, x2_b, df_b)
    out["nfi.scaled"] = fi.nfi(x2, df, x2_b, df_b)
    out["pnfi.scaled"] = (df / df_b) * (x2_b - x2) / x2_b if df_b > 0 and x2_b > 0 else math.nan
    out["ifi.scaled"] = fi.ifi(x2, df, x2_b, df_b)
    out["rni.scaled"] = fi.rni(x2, df, x2_b, df_b)
    out["nnfi.robust"] = out["tli.robust"]
    out["rni.robust"] = fi.rni(chisq, df, chisq_b, df_b, c, c_b)
    df2 = c * df  # tr(U Gamma)
    out["rmsea.scaled"] = fi.rmsea(chisq, df2, n)
    lo, hi = fi.rmsea_ci(chisq, df2, n)
    out["rmsea.ci.lower.scaled"], out["rmsea.ci.upper.scaled"] = lo, hi
    out["rmsea.pvalue.scaled"] = fi.rmsea_pvalue(chisq, df2, n, 0.05)
    out["rmsea.notclose.pvalue.scaled"] = (
        1.0 - fi.rmsea_pvalue(chisq, df2, n, 0.08) if df2 > 0 else math.nan
    )
    out["rmsea.robust"] = fi.rmsea(chisq, df, n, c)
    lo, hi = fi.rmsea_ci(x2, df, n, c_hat=c)
    out["rmsea.ci.lower.robust"], out["rmsea.ci.upper.robust"] = lo, hi
    out["rmsea.pvalue.robust"] = fi.rmsea_pvalue(x2, df, n, 0.05, c_hat=c)
    out["rmsea.notclose.pvalue.robust"] = (
        1.0 - fi.rmsea_pvalue(x2, df, n, 0.08, c_hat=c) if df > 0 else math.nan
    )
    return out
