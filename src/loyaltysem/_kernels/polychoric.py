"""Numerical kernels for thresholds, polychoric correlations and their asymptotic covariance.

numpy/scipy only. Everything works on integer category codes ``0 .. K-1`` (``-1`` for a
missing answer) and is vectorised over cells and over item pairs that share a table shape.

- :func:`bvn_cdf`: the bivariate standard normal distribution function, Genz's (2004)
  rewriting of the Drezner & Wesolowsky (1990) method (Gauss-Legendre rules of 6, 12 or 20
  points chosen by ``|rho|``), accurate to about 1e-15; the same algorithm as
  ``pbivnorm``, which lavaan calls.
- :func:`univariate_thresholds`: probit of the cumulative proportions.
- :func:`fit_polychoric`: the two-step polychoric correlation (thresholds fixed, rho by
  maximum likelihood of the contingency table) for many pairs at once, by safeguarded
  Newton iterations inside the bounds ``[-0.999, 0.999]`` that lavaan's ``nlminb`` uses.
- :func:`polychoric_gamma`: the asymptotic covariance matrix of thresholds and
  polychoric correlations from the observation-level scores (Muthen 1984; lavaan's
  ``muthen1984()``), the ``NACOV`` on which WLSMV is built.
- :func:`brent_fmin`: R's ``optimize()`` (Brent's ``fmin``), to reproduce
  ``psych::polychoric``, which maximises the same likelihood with ``optimize()``'s
  default tolerance (about 1.2e-4).

References
----------
Drezner, Z. & Wesolowsky, G. O. (1990). On the computation of the bivariate normal
integral. Journal of Statistical Computation and Simulation 35, 101-107.
Genz, A. (2004). Numerical computation of rectangular bivariate and trivariate normal and
t probabilities. Statistics and Computing 14, 251-260.
Olsson, U. (1979). Maximum likelihood estimation of the polychoric correlation
coefficient. Psychometrika 44, 443-460.
Muthen, B. (1984). A general structural equation model with dichotomous, ordered
categorical, and continuous latent variable indicators. Psychometrika 49, 115-132.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from scipy import special

__all__ = [
    "RHO_BOUND",
    "PairFit",
    "brent_fmin",
    "bvn_cdf",
    "bvn_pdf",
    "cell_probabilities",
    "fit_polychoric",
    "polychoric_gamma",
    "univariate_thresholds",
]

#: lavaan's bounds for rho in ``lav_bvord_cor_twostep_fit`` (``nlminb(lower=-0.999, ...)``).
RHO_BOUND = 0.999
#: lavaan floors cell probabilities at ``sqrt(.Machine$double.eps)``.
_PI_FLOOR = math.sqrt(np.finfo(float).eps)
_TWOPI = 2.0 * math.pi

# Gauss-Legendre rules on [-1, 1] (the full symmetric rules of Genz's half tables).
_GL = {n: np.polynomial.legendre.leggauss(n) for n in (6, 12, 20)}


def _phi(x: np.ndarray) -> np.ndarray:
    """Standard normal distribution function."""
    return special.ndtr(x)


def _bvnu(h: np.ndarray, k: np.ndarray, r: np.ndarray) -> np.ndarray:
    """P(X > h, Y > k) for standard bivariate normal with correlation r (finite h, k)."""
    h, k, r = np.broadcast_arrays(
        np.asarray(h, dtype=float), np.asarray(k, dtype=float), np.asarray(r, dtype=float)
    )
    shape = h.shape
    h, k, r = h.ravel(), k.ravel(), r.ravel()
    out = np.empty(h.shape)
    ar = np.abs(r)
    low = ar < 0.925
    if low.any():
        hh, kk, rr = h[low], k[low], r[low]
        res = np.zeros(hh.shape)
        hk = hh * kk
        hs = (hh * hh + kk * kk) / 2.0
        asr = np.arcsin(rr)
        a_r = ar[low]
        for npts, sel in ((6, a_r < 0.3), (12, (a_r >= 0.3) & (a_r < 0.75)), (20, a_r >= 0.75)):
            if not sel.any():
                continue
            x, w = _GL[npts]
            sn = np.sin(asr[sel, None] * (x[None, :] + 1.0) / 2.0)
            val = np.exp((sn * hk[sel, None] - hs[sel, None]) / (1.0 - sn * sn)) @ w
            res[sel] = val * asr[sel] / (2.0 * _TWOPI)
        out[low] = res + _phi(-hh) * _phi(-kk)
    high = ~low
    if high.any():
        hh, kk, rr = h[high], k[high], r[high]
        kk = np.where(rr < 0, -kk, kk)
        hk = hh * kk
        bvn = np.zeros(hh.shape)
        inner = np.abs(rr) < 1.0
        if inner.any():
            x, w = _GL[20]
            hi, ki, hki = hh[inner], kk[inner], hk[inner]
            ri = rr[inner]
            as_ = (1.0 - ri) * (1.0 + ri)
            a = np.sqrt(as_)
            bs = (hi - ki) ** 2
            c = (4.0 - hki) / 8.0
            d = (12.0 - hki) / 16.0
            with np.errstate(over="ignore", under="ignore", invalid="ignore", divide="ignore"):
                e1 = -(bs / as_ + hki) / 2.0
                val = np.where(
                    e1 > -100.0,
                    a
                    * np.exp(e1)
                    * (1.0 - c * (bs - as_) * (1.0 - d * bs / 5.0) / 3.0 + c * d * as_ * as_ / 5.0),
                    0.0,
                )
                b = np.sqrt(bs)
                tail = (
                    np.exp(-hki / 2.0)
                    * math.sqrt(_TWOPI)
                    * _phi(-b / a)
                    * b
                    * (1.0 - c * bs * (1.0 - d * bs / 5.0) / 3.0)
                )
                val = val - np.where(-hki < 100.0, tail, 0.0)
                a2 = a / 2.0
                xs = (a2[:, None] * (x[None, :] + 1.0)) ** 2  # x: both halves of the rule
                rs = np.sqrt(1.0 - xs)
                e2 = -(bs[:, None] / xs + hki[:, None]) / 2.0
                term = np.exp(e2) * (
                    np.exp(-hki[:, None] * xs / (2.0 * (1.0 + rs) ** 2)) / rs
                    - (1.0 + c[:, None] * xs * (1.0 + d[:, None] * xs))
                )
                term = np.where(e2 > -100.0, term, 0.0)
                val = val + a2 * (term @ w)
            bvn[inner] = -val / _TWOPI
        pos = rr > 0
        bvn = np.where(pos, bvn + _phi(-np.maximum(hh, kk)), bvn)
        neg = ~pos
        if neg.any():
            adj = np.where(
                kk > hh,
                np.where(hh < 0, _phi(kk) - _phi(hh), _phi(-hh) - _phi(-kk)),
                0.0,
            )
            bvn = np.where(neg, -bvn + adj, bvn)
        out[high] = bvn
    return out.reshape(shape)


def bvn_cdf(h: np.ndarray, k: np.ndarray, r: np.ndarray) -> np.ndarray:
    """Bivariate standard normal distribution function P(X <= h, Y <= k; corr r).

    Vectorised (arguments broadcast); infinite limits allowed; ``|r| <= 1``.

    Examples
    --------
    >>> float(bvn_cdf(0.0, 0.0, 0.5))  # 1/4 + asin(.5)/(2 pi) = 1/3
    0.33333333...
    """
    h, k, r = np.broadcast_arrays(
        np.asarray(h, dtype=float), np.asarray(k, dtype=float), np.asarray(r, dtype=float)
    )
    out = np.empty(h.shape)
    finite = np.isfinite(h) & np.isfinite(k)
    if finite.any():
        out[finite] = _bvnu(-h[finite], -k[finite], r[finite])
    inf = ~finite
    if inf.any():
        hi, ki = h[inf], k[inf]
        val = np.where(
            (hi == -np.inf) | (ki == -np.inf),
            0.0,
            np.where(hi == np.inf, _phi(ki), _phi(hi)),
        )
        out[inf] = val
    return out


def bvn_pdf(h: np.ndarray, k: np.ndarray, r: np.ndarray) -> np.ndarray:
    """Bivariate standard normal density at (h, k) with correlation r."""
    one_r2 = 1.0 - r * r
    return np.exp(-(h * h - 2.0 * r * h * k + k * k) / (2.0 * one_r2)) / (_TWOPI * np.sqrt(one_r2))


# --------------------------------------------------------------------------- univariate


def univariate_thresholds(counts: np.ndarray) -> np.ndarray:
    """Thresholds ``qnorm(cumsum(p)[-K])`` from category counts (the ML estimate)."""
    counts = np.asarray(counts, dtype=float)
    cum = np.cumsum(counts)[:-1] / counts.sum()
    return special.ndtri(cum)


# --------------------------------------------------------------------------- bivariate


def _pad(t: np.ndarray) -> np.ndarray:
    """Thresholds with -inf/+inf appended along the last axis."""
    lead = t.shape[:-1]
    return np.concatenate([np.full((*lead, 1), -np.inf), t, np.full((*lead, 1), np.inf)], axis=-1)


def cell_probabilities(t1: np.ndarray, t2: np.ndarray, rho: np.ndarray) -> np.ndarray:
    """Cell probabilities of the (K1 x K2) tables for P pairs.

    ``t1`` is (P, K1-1), ``t2`` (P, K2-1), ``rho`` (P,); returns (P, K1, K2), floored at
    ``sqrt(eps)`` as lavaan does.
    """
    p, n1 = t1.shape
    n2 = t2.shape[1]
    grid = bvn_cdf(t1[:, :, None], t2[:, None, :], rho[:, None, None])
    big = np.zeros((p, n1 + 2, n2 + 2))
    big[:, 1:-1, 1:-1] = grid
    big[:, -1, 1:-1] = _phi(t2)
    big[:, 1:-1, -1] = _phi(t1)
    big[:, -1, -1] = 1.0
    pi = big[:, 1:, 1:] - big[:, 1:, :-1] - big[:, :-1, 1:] + big[:, :-1, :-1]
    return np.maximum(pi, _PI_FLOOR)


def _corner_diff(inner: np.ndarray) -> np.ndarray:
    """Double difference over cells of a quantity known at interior corners (0 outside)."""
    p, n1, n2 = inner.shape
    big = np.zeros((p, n1 + 2, n2 + 2))
    big[:, 1:-1, 1:-1] = inner
    return big[:, 1:, 1:] - big[:, 1:, :-1] - big[:, :-1, 1:] + big[:, :-1, :-1]


def _dens_terms(t1: np.ndarray, t2: np.ndarray, rho: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per cell: first and second derivatives of PI with respect to rho."""
    u = t1[:, :, None]
    v = t2[:, None, :]
    r = rho[:, None, None]
    dens = bvn_pdf(u, v, r)
    one_r2 = 1.0 - r * r
    guv = (u * v * one_r2 - r * (u * u - 2.0 * r * u * v + v * v) + r * one_r2) / (one_r2 * one_r2)
    return _corner_diff(dens), _corner_diff(dens * guv)


def _loglik(freq: np.ndarray, t1: np.ndarray, t2: np.ndarray, rho: np.ndarray) -> np.ndarray:
    pi = cell_probabilities(t1, t2, rho)
    return np.sum(freq * np.log(pi), axis=(1, 2))


def _grad_hess(
    freq: np.ndarray, t1: np.ndarray, t2: np.ndarray, rho: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    pi = cell_probabilities(t1, t2, rho)
    dpi, d2pi = _dens_terms(t1, t2, rho)
    grad = np.sum(freq * dpi / pi, axis=(1, 2))
    hess = np.sum(freq * d2pi / pi, axis=(1, 2)) - np.sum(freq * dpi * dpi / (pi * pi), axis=(1, 2))
    return grad, hess


@dataclass(frozen=True)
class PairFit:
    """Polychoric estimates for a batch of pairs of one table shape."""

    rho: np.ndarray
    converged: np.ndarray
    iterations: int
    special: np.ndarray  # code: 0 ML, 1 closed form (2x2), 2 at a bound


def _special_2x2(
    freq: np.ndarray, t1: np.ndarray, t2: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Treat 2x2 tables as lavaan does: returns (freq adjusted, rho or nan, special)."""
    p = freq.shape[0]
    rho = np.full(p, np.nan)
    freq = freq.copy()
    for i in range(p):
        f = freq[i]
        zero = f == 0
        nz = int(zero.sum())
        if nz == 2:
            rho[i] = 1.0 if f[0, 0] > 0 else -1.0
            continue
        if nz == 1:  # zero.add = 0.5, keeping the margins
            if zero[0, 0] or zero[1, 1]:
                f += np.array([[0.5, -0.5], [-0.5, 0.5]])
            else:
                f += np.array([[-0.5, 0.5], [0.5, -0.5]])
        if f[0, 0] * f[1, 1] == f[0, 1] * f[1, 0]:
            rho[i] = 0.0
        elif t1[i, 0] == 0 and t2[i, 0] == 0:
            rho[i] = -math.cos(2.0 * math.pi * f[0, 0] / f.sum())
    return freq, rho, np.isfinite(rho)


def fit_polychoric(
    freq: np.ndarray,
    t1: np.ndarray,
    t2: np.ndarray,
    start: np.ndarray,
    *,
    tol: float = 1e-12,
    max_iter: int = 100,
) -> PairFit:
    """Two-step polychoric correlations for P tables of one shape.

    Maximises ``sum(freq * log(PI(rho)))`` over ``rho`` in ``[-0.999, 0.999]`` with the
    thresholds fixed, by Newton steps kept inside a bracket of the root of the score
    (bisection when a Newton step leaves it), for all pairs at once.

    Parameters
    ----------
    freq : (P, K1, K2) array of counts.
    t1, t2 : (P, K1-1) and (P, K2-1) thresholds.
    start : (P,) starting values (lavaan: the Pearson correlation of the codes).
    """
    freq = np.asarray(freq, dtype=float)
    p = freq.shape[0]
    rho_fixed = np.full(p, np.nan)
    if freq.shape[1] == 2 and freq.shape[2] == 2:
        freq, rho_fixed, _ = _special_2x2(freq, t1, t2)
    lo = np.full(p, -RHO_BOUND)
    hi = np.full(p, RHO_BOUND)
    g_lo, _ = _grad_hess(freq, t1, t2, lo)
    g_hi, _ = _grad_hess(freq, t1, t2, hi)
    at_lo = g_lo <= 0  # log-likelihood decreasing from the lower bound on
    at_hi = g_hi >= 0
    rho = np.clip(np.where(np.isfinite(start), start, 0.0), -RHO_BOUND, RHO_BOUND)
    active = ~(at_lo | at_hi | np.isfinite(rho_fixed))
    converged = ~active
    it = 0
    while active.any() and it < max_iter:
        it += 1
        idx = np.flatnonzero(active)
        r = rho[idx]
        g, h = _grad_hess(freq[idx], t1[idx], t2[idx], r)
        # bracket update: the score decreases through its root
        lo[idx] = np.where(g > 0, np.maximum(lo[idx], r), lo[idx])
        hi[idx] = np.where(g < 0, np.minimum(hi[idx], r), hi[idx])
        with np.errstate(divide="ignore", invalid="ignore"):
            newton = r - g / h
        ok = (h < 0) & (newton > lo[idx]) & (newton < hi[idx])
        new = np.where(ok, newton, 0.5 * (lo[idx] + hi[idx]))
        step = np.abs(new - r)
        rho[idx] = new
        done = (step < tol) | (g == 0) | ((hi[idx] - lo[idx]) < tol)
        converged[idx[done]] = True
        active[idx[done]] = False
    rho = np.where(at_lo, -RHO_BOUND, rho)
    rho = np.where(at_hi, RHO_BOUND, rho)
    rho = np.where(np.isfinite(rho_fixed), rho_fixed, rho)
    special_code = np.where(np.isfinite(rho_fixed), 1, np.where(at_lo | at_hi, 2, 0))
    return PairFit(rho=rho, converged=converged, iterations=it, special=special_code)


# --------------------------------------------------------------------------- NACOV


def polychoric_gamma(
    codes: np.ndarray,
    ncat: np.ndarray,
    thresholds: list[np.ndarray],
    corr: np.ndarray,
) -> np.ndarray:
    """Asymptotic covariance of ``(thresholds, vech_offdiag(corr))`` times N (Muthen 1984).

    ``codes`` is (N, p) with categories ``0 .. K-1`` and ``-1`` for missing; thresholds in
    item order, correlations in lavaan's order (column-wise lower triangle:
    (2,1), (3,1), ..., (p,1), (3,2), ...). Returns lavaan's ``NACOV`` (= ``WLS.W * N``).

    Observation-level scores are functions of the observation's cell, so the scores of
    the correlations and the cross-products ``A21`` of the correlation scores with the
    bivariate threshold scores are computed per cell, for all pairs of a table shape at
    once.
    """
    n, p = codes.shape
    ncat = np.asarray(ncat, dtype=np.int64)
    nth = ncat - 1
    th_start = np.concatenate([[0], np.cumsum(nth)[:-1]]).astype(np.int64)
    n_th = int(nth.sum())
    pairs = [(i, j) for j in range(p) for i in range(j + 1, p)]
    pstar = len(pairs)
    valid = codes >= 0

    # univariate threshold scores: an answer in category c scores +phi(t_c)/p_c on
    # threshold c and -phi(t_{c-1})/p_c on threshold c-1
    sc_th = np.zeros((n, n_th))
    for i in range(p):
        t = thresholds[i]
        ti = _pad(t)
        rows = np.flatnonzero(valid[:, i])
        yc = codes[rows, i]
        prob = _phi(ti[yc + 1]) - _phi(ti[yc])
        dens = np.exp(-0.5 * t * t) / math.sqrt(_TWOPI)
        k = yc < nth[i]
        sc_th[rows[k], th_start[i] + yc[k]] += dens[yc[k]] / prob[k]
        k = yc > 0
        sc_th[rows[k], th_start[i] + yc[k] - 1] -= dens[yc[k] - 1] / prob[k]

    sc_cor = np.zeros((n, pstar))
    a21 = np.zeros((pstar, n_th))
    groups: dict[tuple[int, int], list[int]] = {}
    for q, (i, j) in enumerate(pairs):
        groups.setdefault((int(ncat[i]), int(ncat[j])), []).append(q)
    for (ka, kb), qs in groups.items():
        ii = np.array([pairs[q][0] for q in qs])
        jj = np.array([pairs[q][1] for q in qs])
        ta = np.stack([thresholds[i] for i in ii])  # (P, ka-1): rows, lavaan's fit.y1
        tb = np.stack([thresholds[j] for j in jj])  # (P, kb-1)
        r = corr[ii, jj]
        pi = cell_probabilities(ta, tb, r)
        dpi, _ = _dens_terms(ta, tb, r)
        good = pi > _PI_FLOOR  # lavaan sets lik <= sqrt(eps) to NA (score 0)
        ratio = np.where(good, dpi / pi, 0.0)  # d log PI / d rho per cell
        # per-observation correlation scores
        for m, q in enumerate(qs):
            i, j = pairs[q]
            rows = np.flatnonzero(valid[:, i] & valid[:, j])
            sc_cor[rows, q] = ratio[m, codes[rows, i], codes[rows, j]]
        # cell counts of each pair's table
        freq = np.zeros((len(qs), ka, kb))
        for m, q in enumerate(qs):
            i, j = pairs[q]
            ok = valid[:, i] & valid[:, j]
            freq[m] = np.bincount(codes[ok, i] * kb + codes[ok, j], minlength=ka * kb).reshape(
                ka, kb
            )
        w = np.where(good, freq * dpi / np.where(good, pi * pi, 1.0), 0.0)
        rr = np.sqrt(1.0 - r * r)[:, None, None]
        rho3 = r[:, None, None]
        # d PI_ab / d t_k for the row item at its interior thresholds k (corner k+1):
        # phi(t_k) [Phi((u_b - r t_k)/R) - Phi((u_{b-1} - r t_k)/R)]
        pb = _pad(tb)
        cond = _phi((pb[:, None, :] - rho3 * ta[:, :, None]) / rr)  # (P, ka-1, kb+1)
        za = (np.exp(-0.5 * ta**2) / math.sqrt(_TWOPI))[:, :, None] * (
            cond[:, :, 1:] - cond[:, :, :-1]
        )  # (P, ka-1, kb)
        a_rows = np.sum(za * (w[:, :-1, :] - w[:, 1:, :]), axis=2)  # (P, ka-1)
        pa = _pad(ta)
        cond = _phi((pa[:, :, None] - rho3 * tb[:, None, :]) / rr)  # (P, ka+1, kb-1)
        zb = (np.exp(-0.5 * tb**2) / math.sqrt(_TWOPI))[:, None, :] * (
            cond[:, 1:, :] - cond[:, :-1, :]
        )  # (P, ka, kb-1)
        a_cols = np.sum(zb * (w[:, :, :-1] - w[:, :, 1:]), axis=1)  # (P, kb-1)
        for m, q in enumerate(qs):
            i, j = pairs[q]
            a21[q, th_start[i] : th_start[i] + nth[i]] = a_rows[m]
            a21[q, th_start[j] : th_start[j] + nth[j]] = a_cols[m]
    sc = np.concatenate([sc_th, sc_cor], axis=1)
    inner = sc.T @ sc
    a11_inv = np.zeros((n_th, n_th))
    for i in range(p):
        s = slice(th_start[i], th_start[i] + nth[i])
        a11_inv[s, s] = np.linalg.inv(inner[s, s])
    a22_inv = 1.0 / np.einsum("ij,ij->j", sc_cor, sc_cor)
    b_inv = np.zeros((n_th + pstar, n_th + pstar))
    b_inv[:n_th, :n_th] = a11_inv
    b_inv[n_th:, :n_th] = -(a22_inv[:, None] * a21) @ a11_inv
    b_inv[n_th:, n_th:] = np.diag(a22_inv)
    wls_w = b_inv @ inner @ b_inv.T
    return wls_w * n


# --------------------------------------------------------------------------- R optimize()


def brent_fmin(
    f: Callable[[float], float], lower: float, upper: float, tol: float
) -> tuple[float, float]:
    """Minimise ``f`` on ``[lower, upper]`` exactly as R's ``optimize()`` (Brent 1973, fmin).

    Returns ``(xmin, f(xmin))``. Used to reproduce ``psych::polychoric``, which calls
    ``optimize(polyF, interval = c(-1, 1))`` with the default ``tol =
    .Machine$double.eps^0.25``.
    """
    c = (3.0 - math.sqrt(5.0)) * 0.5
    eps = math.sqrt(np.finfo(float).eps)
    a, b = lower, upper
    v = a + c * (b - a)
    w = x = v
    d = 0.0
    e = 0.0
    fx = f(x)
    fv = fw = fx
    tol3 = tol / 3.0
    while True:
        xm = (a + b) * 0.5
        tol1 = eps * abs(x) + tol3
        t2 = tol1 * 2.0
        if abs(x - xm) <= t2 - (b - a) * 0.5:
            break
        p = 0.0
        q = 0.0
        r = 0.0
        if abs(e) > tol1:  # fit parabola
            r = (x - w) * (fx - fv)
            q = (x - v) * (fx - fw)
            p = (x - v) * q - (x - w) * r
            q = (q - r) * 2.0
            if q > 0.0:
                p = -p
            else:
                q = -q
            r = e
            e = d
        if abs(p) >= abs(q * 0.5 * r) or p <= q * (a - x) or p >= q * (b - x):
            # golden-section step
            e = (b - x) if x < xm else (a - x)
            d = c * e
        else:
            # parabolic interpolation step
            d = p / q
            u = x + d
            if u - a < t2 or b - u < t2:
                d = tol1
                if x >= xm:
                    d = -d
        if abs(d) >= tol1:
            u = x + d
        elif d > 0.0:
            u = x + tol1
        else:
            u = x - tol1
        fu = f(u)
        if fu <= fx:
            if u < x:
                b = x
            else:
                a = x
            v = w
            w = x
            x = u
            fv = fw
            fw = fx
            fx = fu
        else:
            if u < x:
                a = u
            else:
                b = u
            if fu <= fw or w == x:
                v = w
                fv = fw
                w = u
                fw = fu
            elif fu <= fv or v == x or v == w:
                v = u
                fv = fu
    return x, fx
