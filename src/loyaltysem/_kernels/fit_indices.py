"""Fit indices as lavaan's ``fitMeasures()`` defines them (numpy/scipy only).

Each function follows the definition in lavaan's source (``R/lav_fit_cfi.R``,
``R/lav_fit_rmsea.R``, ``R/lav_fit_gfi.R``, ``R/lav_fit_other.R``,
``R/lav_fit_aic.R``), including its edge cases (df = 0, a baseline that fits
better than the model). ``n`` is the number of observations lavaan uses for
the normal likelihood (N, not N - 1).
"""

from __future__ import annotations

import math

import numpy as np
from scipy import optimize, special

__all__ = [
    "agfi",
    "cfi",
    "chi2_ppf",
    "chi2_sf",
    "cn",
    "ecvi",
    "gfi",
    "ifi",
    "information_criteria",
    "nfi",
    "pgfi",
    "rfi",
    "rmsea",
    "rmsea_ci",
    "rmsea_pvalue",
    "rni",
    "srmr_bentler",
    "tli",
]


def _close_to_zero(value: float) -> bool:
    # R's isTRUE(all.equal(x, 0)) uses an absolute tolerance of 1.5e-8 at zero
    return abs(value) < 1.5e-8


def _robust(df: float, c_hat: float, c_hat_null: float) -> tuple[float, float]:
    """Scaling factors of the robust indices (lavaan: only when both differ from 1)."""
    if df > 0 and c_hat != 1 and c_hat_null != 1:
        return c_hat, c_hat_null
    return 1.0, 1.0


def cfi(
    x2: float,
    df: float,
    x2_null: float,
    df_null: float,
    c_hat: float = 1.0,
    c_hat_null: float = 1.0,
) -> float:
    """Comparative fit index (Bentler 1990), capped to [0, 1] as lavaan does.

    With scaling factors ``c_hat`` (model) and ``c_hat_null`` (baseline) of a
    Satorra–Bentler or Yuan–Bentler test, the robust CFI of Brosseau-Liard & Savalei
    (2014, eq. 15): ``x2 - c df`` for ``x2 - df`` (lavaan ``cfi.robust``).
    """
    if any(math.isnan(v) for v in (x2, df, x2_null, df_null, c_hat, c_hat_null)):
        return math.nan
    c, c0 = _robust(df, c_hat, c_hat_null)
    t1 = max(x2 - c * df, 0.0)
    t2 = max(x2 - c * df, x2_null - c0 * df_null, 0.0)
    if _close_to_zero(t1) and _close_to_zero(t2):
        return 1.0
    return 1.0 - t1 / t2


def rni(
    x2: float,
    df: float,
    x2_null: float,
    df_null: float,
    c_hat: float = 1.0,
    c_hat_null: float = 1.0,
) -> float:
    """Relative noncentrality index (McDonald & Marsh 1990), not capped (robust as CFI)."""
    c, c0 = _robust(df, c_hat, c_hat_null)
    t1, t2 = x2 - c * df, x2_null - c0 * df_null
    if _close_to_zero(t2) or not (math.isfinite(t1) and math.isfinite(t2)):
        return math.nan
    return 1.0 - t1 / t2


def tli(
    x2: float,
    df: float,
    x2_null: float,
    df_null: float,
    c_hat: float = 1.0,
    c_hat_null: float = 1.0,
) -> float:
    """Tucker–Lewis index = non-normed fit index (not capped; robust as CFI)."""
    if any(math.isnan(v) for v in (x2, df, x2_null, df_null, c_hat, c_hat_null)):
        return math.nan
    c, c0 = _robust(df, c_hat, c_hat_null)
    t1 = (x2 - c * df) * df_null
    t2 = (x2_null - c0 * df_null) * df
    if df > 0 and abs(t2) > 0:
        return 1.0 - t1 / t2
    if not (math.isfinite(t1) and math.isfinite(t2)):
        return math.nan
    return 1.0


def rfi(x2: float, df: float, x2_null: float, df_null: float) -> float:
    """Relative fit index (Bollen 1986)."""
    if df > df_null:
        return math.nan
    if df > 0 and df_null > 0:
        t1 = x2_null / df_null - x2 / df
        t2 = x2_null / df_null
        if not (math.isfinite(t1) and math.isfinite(t2)):
            return math.nan
        if t1 < 0 or t2 < 0:
            return 1.0
        return t1 / t2
    return 1.0


def nfi(x2: float, df: float, x2_null: float, df_null: float) -> float:
    """Normed fit index (Bentler & Bonett 1980)."""
    if df > df_null or _close_to_zero(x2_null):
        return math.nan
    if df > 0:
        return (x2_null - x2) / x2_null
    return 1.0


def ifi(x2: float, df: float, x2_null: float, df_null: float) -> float:
    """Incremental fit index (Bollen 1989)."""
    t1 = x2_null - x2
    t2 = x2_null - df
    if not (math.isfinite(t1) and math.isfinite(t2)):
        return math.nan
    if t2 < 0:
        return 1.0
    if _close_to_zero(t2):
        return math.nan
    return t1 / t2


def rmsea(x2: float, df: float, n: float, c_hat: float = 1.0) -> float:
    """Root mean square error of approximation, ``sqrt(max(x2/n/df - c/n, 0))``.

    ``c_hat`` is 1, or the scaling factor of a robust test: the robust RMSEA of
    Brosseau-Liard, Savalei & Li (2012) (lavaan ``rmsea.robust``).
    """
    if math.isnan(df):
        return math.nan
    if df <= 0:
        return 0.0
    return math.sqrt(max((x2 / n) / df - c_hat / n, 0.0))  # NaN if c_hat is


def rmsea_ci(
    x2: float, df: float, n: float, level: float = 0.90, c_hat: float = 1.0
) -> tuple[float, float]:
    """Confidence interval of the RMSEA from the noncentral chi-square (Browne & Cudeck 1993).

    With ``c_hat``, the bounds of the noncentrality of the scaled statistic ``x2``
    are multiplied by ``c_hat`` (lavaan ``rmsea.ci.*.robust``).
    """
    if not all(math.isfinite(v) for v in (x2, df, n)):
        return math.nan, math.nan
    x2 = max(x2, 0.0)  # a statistic at -1e-12 (exact fit): R's pchisq() gives 0 there
    upper_p = 1 - (1 - level) / 2
    lower_p = (1 - level) / 2

    def lower_fn(lam: float) -> float:
        return float(special.chndtr(x2, df, lam)) - upper_p

    def upper_fn(lam: float) -> float:
        return float(special.chndtr(x2, df, lam)) - lower_p

    if df < 1 or lower_fn(0.0) < 0:
        lo = 0.0
    else:
        lam = optimize.brentq(lower_fn, 0.0, x2, xtol=1e-12)
        lo = math.sqrt(c_hat * lam / (n * df))
    n_rmsea = max(n, x2 * 4)
    if df < 1 or upper_fn(n_rmsea) > 0 or upper_fn(0.0) < 0:
        hi = 0.0
    else:
        lam = optimize.brentq(upper_fn, 0.0, n_rmsea, xtol=1e-12)
        hi = math.sqrt(c_hat * lam / (n * df))
    return lo, hi


def rmsea_pvalue(x2: float, df: float, n: float, h0: float = 0.05, c_hat: float = 1.0) -> float:
    """P-value of the test of close fit, H0: RMSEA <= ``h0`` (noncentrality / ``c_hat``)."""
    if df <= 0 or math.isnan(c_hat):
        return math.nan
    return float(1.0 - special.chndtr(max(x2, 0.0), df, n * df / c_hat * h0**2))


def chi2_sf(x2: float, df: float) -> float:
    """Upper tail of the chi-square distribution, ``scipy.stats.chi2.sf(x2, df)``.

    The same function scipy's ``chi2.sf`` evaluates (``special.chdtrc``) and the same
    edge cases (NaN for ``df <= 0``, 1 at ``x2 <= 0``), without the distribution
    object's argument handling, which costs more than the value (~100 µs per call).

    Examples
    --------
    >>> from scipy import stats
    >>> chi2_sf(85.306, 24) == float(stats.chi2.sf(85.306, 24))
    True
    """
    if not df > 0 or math.isnan(x2):
        return math.nan
    if x2 <= 0:
        return 1.0
    return float(special.chdtrc(df, x2))


def chi2_ppf(prob: float, df: float) -> float:
    """Quantile of the chi-square distribution, ``scipy.stats.chi2.ppf(prob, df)``.

    Examples
    --------
    >>> from scipy import stats
    >>> chi2_ppf(0.95, 24) == float(stats.chi2.ppf(0.95, 24))
    True
    """
    if not df > 0 or not 0 <= prob <= 1:
        return math.nan
    return float(2.0 * special.gammaincinv(df / 2.0, prob))


def cn(x2: float, df: float, n: float, alpha: float = 0.05) -> float:
    """Hoelter's critical N (``Inf`` at a chi-square of 0, as R divides).

    Examples
    --------
    >>> cn(0.0, 2.0, 100.0), round(cn(10.0, 2.0, 100.0), 2)
    (inf, 60.91)
    """
    if df == 0 and x2 < math.sqrt(np.finfo(float).eps):
        return math.nan
    if x2 == 0:
        return math.inf
    return float(chi2_ppf(1 - alpha, df) / (x2 / n) + 1)


def ecvi(x2: float, npar: int, n: float) -> float:
    """Expected cross-validation index (Browne & Cudeck 1989)."""
    return x2 / n + 2.0 * npar / n


def information_criteria(logl: float, npar: int, n: float) -> dict[str, float]:
    """AIC, BIC and the sample-size adjusted BIC (Sclove 1987) from the log-likelihood."""
    return {
        "aic": -2 * logl + 2 * npar,
        "bic": -2 * logl + npar * math.log(n),
        "bic2": -2 * logl + npar * math.log((n + 2) / 24),
    }


def srmr_bentler(s: np.ndarray, sigma: np.ndarray) -> float:
    """Standardized root mean square residual (Bentler 1995), lavaan's ``srmr``.

    Residuals ``(s_ij - sigma_ij) / sqrt(s_ii s_jj)`` over the lower triangle with
    the diagonal.
    """
    sd = np.sqrt(np.diag(s))
    resid = (s - sigma) / np.outer(sd, sd)
    idx = np.tril_indices_from(resid)
    return float(np.sqrt(np.mean(resid[idx] ** 2)))


def gfi(
    s: np.ndarray,
    sigma: np.ndarray,
    fixed_x: list[int] | None = None,
    mean: np.ndarray | None = None,
    mu: np.ndarray | None = None,
) -> float:
    """Goodness-of-fit index (Jöreskog & Sörbom 1984) with the ML weight.

    ``1 - e' V e / s' V s`` with ``e = vech(S - Sigma)``, ``s = vech(S)`` and the
    normal-theory weight ``V = D' (Sigma^-1 kron Sigma^-1) D`` (lavaan
    ``lav_fit_gfi_lisrel``). Without fixed.x covariates this is
    ``1 - tr((Sigma^-1 S - I)^2) / tr((Sigma^-1 S)^2)``; with them, the moments of
    the covariate block (``fixed_x`` indices) are left out, as lavaan does. With a
    mean structure (``mean``: sample means, ``mu``: implied means) the means are
    sample statistics too, weighted by ``Sigma^-1``.
    """
    mean_num = mean_den = 0.0
    if mean is not None and mu is not None:
        # the covariates' means carry no information (lavaan lav_mvnorm_information_expected
        # with x.idx): the weight of the means is W[nox, nox]
        nox = [i for i in range(len(s)) if i not in set(fixed_x or ())]
        w = np.linalg.inv(sigma)[np.ix_(nox, nox)]
        d = (mean - mu)[nox]
        m = np.asarray(mean)[nox]
        mean_num, mean_den = float(d @ w @ d), float(m @ w @ m)
    if not fixed_x:
        a = np.linalg.solve(sigma, s)
        resid = a - np.eye(len(s))
        # the trace forms are twice the vech quadratic forms with weight 0.5 D'(W x W)D
        num = np.sum(resid * resid.T) + 2.0 * mean_num
        return float(1.0 - num / (np.sum(a * a.T) + 2.0 * mean_den))
    p = len(s)
    w = np.linalg.inv(sigma)
    rows, cols = np.tril_indices(p)
    xs = set(fixed_x)
    keep = np.array([not (r in xs and c in xs) for r, c in zip(rows, cols, strict=True)])
    rows, cols = rows[keep], cols[keep]
    # V[k, l] = (w_ik w_jl + w_il w_jk) for vech pairs, halved on the diagonal pairs
    v = w[rows][:, rows] * w[cols][:, cols] + w[rows][:, cols] * w[cols][:, rows]
    v = v * np.where(rows == cols, 0.5, 1.0)[:, None] * np.where(rows == cols, 0.5, 1.0)[None, :]
    e = (s - sigma)[rows, cols]
    obs = s[rows, cols]
    return float(1.0 - (e @ v @ e + mean_num) / (obs @ v @ obs + mean_den))


def agfi(gfi_value: float, nel: int, df: float) -> float:
    """Adjusted GFI: ``1 - (nel / df)(1 - gfi)``; ``nel`` = number of sample moments."""
    if not all(math.isfinite(v) for v in (gfi_value, nel, df)):
        return math.nan
    return 1.0 - (nel / df) * (1.0 - gfi_value) if df > 0 else 1.0


def pgfi(gfi_value: float, nel: int, df: float) -> float:
    """Parsimony GFI (Mulaik et al. 1989): ``(df / nel) gfi``."""
    if nel == 0 or not all(math.isfinite(v) for v in (gfi_value, nel, df)):
        return math.nan
    return df / nel * gfi_value


def incremental_indices(x2: float, df: float, x2_null: float, df_null: float) -> dict[str, float]:
    """CFI, TLI (= NNFI), RFI, NFI, PNFI, IFI and RNI of a model against its baseline."""
    pnfi = (df / df_null) * (x2_null - x2) / x2_null if df_null > 0 and x2_null > 0 else math.nan
    tli_ = tli(x2, df, x2_null, df_null)
    return {
        "cfi": cfi(x2, df, x2_null, df_null),
        "tli": tli_,
        "nnfi": tli_,
        "rfi": rfi(x2, df, x2_null, df_null),
        "nfi": nfi(x2, df, x2_null, df_null),
        "pnfi": pnfi,
        "ifi": ifi(x2, df, x2_null, df_null),
        "rni": rni(x2, df, x2_null, df_null),
    }
