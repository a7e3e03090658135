"""Numerical kernels for thresholds, polychoric correlations and their asymptotic covariance.

numpy/scipy only. Everything works on integer category codes ``0 .. K-1`` (``-1`` for a
missing answer) and is vectorised over cells and over item pairs that share a table shape.

- :func:`bvn_cdf`: the bivariate standard normal distribution function, Genz's (2004)
  rewriting of the Drezner & Wesolowsky (1990) method (Gauss-Legendre rules of 6, 12 or 20
  points chosen by ``|rho|``), accurate to about 1e-15; the same algorithm as
  ``pbivnorm``, which lavaan calls.
- :func:`univariate_thresholds`: probit of the cumulative proportions.
- :func:`fit_polychoric`: the two-step polychoric correlation (thresholds fixed, rho by
  maximum likelihood of the contingency table) for many pairs at once, as lavaan's
  ``lav_bvord_cor_twostep_fit``: its objective (cell probabilities floored at
  ``sqrt(eps)``, floored cells left out of gradient and Hessian) minimised by a
  one-dimensional rendering of R's ``nlminb`` (PORT, :func:`_nlminb_1d`) from the
  Pearson start inside ``[-0.999, 0.999]``, so that where the floored likelihood has
  several maxima or flattens out we stop where lavaan stops.
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
Gay, D. M. (1983). Algorithm 611: Subroutines for unconstrained minimization using a
model/trust-region approach. ACM Transactions on Mathematical Software 9, 503-524.
Gay, D. M. (1990). Usage summary for selected optimization routines. Computing Science
Technical Report 153, AT&T Bell Laboratories (PORT, R's ``nlminb``).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Generator
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
#: lavaan's bounds when it restarts a failed ``nlminb`` from 0.
_RHO_BOUND_RESTART = 0.995
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


def _objective(
    freq: np.ndarray, t1: np.ndarray, t2: np.ndarray, rho: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Objective for rho and its first two derivatives as lavaan has them, for P tables.

    ``f = -sum(n * log(PI)) / N`` with the cell probabilities floored at ``sqrt(eps)``
    (``lav_bvord_min_objective``). The gradient and Hessian leave the floored cells out,
    as lavaan does (it sets ``PI <= sqrt(eps)`` to ``NA`` and sums with ``na.rm =
    TRUE``): they are the derivatives of the floored objective between its kinks.
    """
    pi = cell_probabilities(t1, t2, rho)
    dpi, d2pi = _dens_terms(t1, t2, rho)
    n = freq.sum(axis=(1, 2))
    good = pi > _PI_FLOOR
    ratio = np.where(good, dpi / pi, 0.0)
    curv = np.where(good, d2pi / pi, 0.0)
    f = -np.sum(freq * np.log(pi), axis=(1, 2)) / n
    g = -np.sum(freq * ratio, axis=(1, 2)) / n
    h = -np.sum(freq * (curv - ratio * ratio), axis=(1, 2)) / n
    return f, g, h


# nlminb's PORT settings as lavaan calls it: control = list(step.min = 0.1) sets the
# first step bound LMAX0; the rest are R's defaults (rel.tol, x.tol, xf.tol, step.max,
# sing.tol, iter.max, eval.max) and PORT's own (DV7DFL).
_LMAX0 = 0.1
_LMAXS = 1.0
_RFCTOL = 1e-10
_SCTOL = 1e-10
_XCTOL = 1.5e-8
_XFTOL = 2.2e-14
_PHMXFC = 0.1
_RDFCMN = 0.1
_RDFCMX = 4.0
_INCFAC = 2.0
_TUNER1 = 0.1
_TUNER2 = 1e-4
_TUNER3 = 0.75
_TUNER4 = 0.5
_TUNER5 = 0.75
_ITER_MAX = 150
_EVAL_MAX = 200

#: what the optimizer needs at a point: (objective, gradient, Hessian)
_FGH = tuple[float, float, float]


def _trust_step(
    g: float, h: float, radius: float, x0: float, lower: float, upper: float
) -> tuple[float, bool]:
    """The step of nlminb's bounded Goldfeld-Quandt-Trotter routine in one dimension.

    The Newton step when the Hessian is positive and the step is at most
    ``(1 + PHMXFC) * radius`` long; otherwise a step of exactly ``radius`` downhill (in one
    dimension the Levenberg-Marquardt parameter that gives that length is found in one
    Hebden step). The step is cut at the bounds. Returns ``(step, newton)``.
    """
    if h > 0.0 and abs(g / h) - radius <= _PHMXFC * radius:
        s, newton = -g / h, True
    elif g == 0.0:
        s, newton = 0.0, h > 0.0
    else:
        s, newton = -math.copysign(radius, g), False
    if x0 + s > upper:
        s = upper - x0
    elif x0 + s < lower:
        s = lower - x0
    return s, newton


def _nlminb_1d(
    x_start: float, lower: float, upper: float
) -> Generator[float, _FGH, tuple[float, bool, int]]:
    """R's ``nlminb`` (PORT ``DRMNHB``) with analytic gradient and Hessian, for one parameter.

    A generator: it yields each point at which it needs ``(f, g, h)`` and is sent them;
    it returns ``(x, converged, iterations)`` as ``nlminb`` reports ``par``,
    ``convergence == 0`` and ``iterations``. The algorithm is PORT's (Gay 1983, 1990):
    a trust region whose first radius is ``step.min / 1.1``, the step assessment of
    ``DA7SST`` (radius increases by up to 4 and repeated longer steps while the decrease
    keeps its promise, Fletcher's decrease on poor steps, return to the best point seen),
    the radius kept between iterations unless it shrinks, the gradient tests that double
    it, and the stopping rules: relative function convergence (Newton step predicts a
    decrease of at most ``rel.tol * |f|``), x-convergence (relative step at most
    ``x.tol``), false and singular convergence. Written from PORT's documentation and
    the logic of its Fortran, for the one-dimensional case only, so that the polychoric
    estimate lands on the local maximum lavaan lands on.
    """
    x = min(max(x_start, lower), upper)
    f, g, h = yield x
    n_eval = 1
    radius = _LMAX0 / (1.0 + _PHMXFC)
    radfac = 1.0
    step = 0.0
    for niter in range(1, _ITER_MAX + 1):
        if (x <= lower and g > 0.0) or (x >= upper and g < 0.0):
            return x, True, niter - 1  # no free variable: PORT stops with convergence
        if niter > 1:
            t = radfac * abs(step)
            if radfac < 1.0 or t > radius:
                radius = t
        x0, f0, g0, h0 = x, f, g, h
        if h0 > 0.0:
            dst0, nreduc = abs(g0 / h0), 0.5 * g0 * g0 / h0
        else:
            dst0, nreduc = h0, 0.0
        # assessment state of this iteration
        irc = 4
        stage_new = True
        radinc = 0
        flstgd = f0
        restor = 0
        fdif = 0.0
        dstsav = plstgd = gtslst = 0.0
        saved: tuple[float, float, float, float] | None = None
        fx, gx, hx = f, g, h  # the values at x, the point PORT holds in X
        while True:
            s, newton = _trust_step(g0, h0, radius, x0, lower, upper)
            dstnrm = abs(s)
            gtstep = g0 * s
            preduc = -(g0 * s + 0.5 * h0 * s * s)
            if dstnrm <= 0.0:
                evaluate, rstrst = False, 3
            elif irc == 5 and radfac > 1.0 and preduc <= 1.2 * fdif:
                evaluate, rstrst = False, (0 if restor == 2 else 3)
            else:
                evaluate, rstrst = True, 3
            if evaluate:
                if n_eval >= _EVAL_MAX:
                    return x, False, niter
                x = x0 + s
                fx, gx, hx = yield x
                n_eval += 1
                f = fx
            step = x - x0 if not evaluate else s
            denom = abs(x) + abs(x0)
            reldx = abs(x - x0) / denom if denom > 0.0 else 0.0
            # ---- DA7SST: assess the candidate step
            restor = 0
            rfac1 = 1.0
            goodx = True
            if stage_new:
                stage_new = False
                radinc = 0
                flstgd = f0
            elif irc == 1:
                radinc = -1
            elif not f < flstgd and flstgd < f0:  # irc == 5, the longer step lost
                restor = 1
                f = flstgd
                preduc, gtstep = plstgd, gtslst
                rfac1 = dstnrm / dstsav
                dstnrm = dstsav
                goodx = False
            fdif = f0 - f
            save = False
            if fdif > _TUNER2 * preduc or radinc > 0:
                rfac1 = 1.0
                dstsav = dstnrm
                if fdif > preduc * _TUNER1:
                    if fdif < -_TUNER3 * gtstep or radinc < 0 or restor == 1:
                        radfac, irc = 1.0, 3
                    else:
                        radfac = _RDFCMX
                        if fdif < (0.5 / radfac - 1.0) * gtstep:
                            radfac = max(_INCFAC, 0.5 * gtstep / (gtstep + fdif))
                        irc = 4
                        if not newton and not (
                            dst0 >= 0.0 and (dst0 < 2.0 * dstnrm or nreduc < 1.2 * fdif)
                        ):
                            irc = 5
                            radinc += 1
                            save = True
                    fletcher = False
                else:
                    irc = 4
                    fletcher = True
            else:
                if not f < f0:
                    flstgd = f
                    f = f0
                    restor = 1
                irc = 5
                radinc -= 1
                fletcher = True
            if fletcher:
                emax = gtstep + fdif
                radfac = 0.5 * rfac1
                if emax < gtstep:
                    radfac = rfac1 * max(_RDFCMN, 0.5 * gtstep / emax)
                if reldx <= _XFTOL:
                    irc = 12
                elif f < f0:
                    save = True
            if save:
                flstgd = f
                if restor != 1:
                    restor = 2
                dstsav = dstnrm
                plstgd = preduc
                gtslst = gtstep
            if restor == 1 and flstgd < f0:
                restor = 3
            if not 0.5 * fdif > preduc:
                emax = _RFCTOL * abs(f0)
                emaxs = _SCTOL * abs(f0)
                if preduc <= emaxs and (dstnrm > _LMAXS or newton):
                    irc = 11
                if dst0 >= 0.0:
                    i = 0
                    if (0.0 < nreduc <= emax) or (nreduc == 0.0 and preduc == 0.0):
                        i = 2
                    if newton and reldx <= _XCTOL and goodx:
                        i += 1
                    if i > 0:
                        irc = i + 6
                if (irc <= 5 or irc == 12) and not newton:
                    # singular convergence test with a step of length step.max
                    if dstnrm > _LMAXS:
                        check = 0.5 * dstnrm > _LMAXS and (
                            (_LMAXS / dstnrm) * (2.0 - _LMAXS / dstnrm) * preduc < emaxs
                        )
                    else:
                        check = preduc < emaxs and (dst0 <= 0.0 or 0.5 * dst0 > _LMAXS)
                    if check and nreduc >= 0.0:
                        sl, _ = _trust_step(g0, h0, _LMAXS, x0, lower, upper)
                        if -(g0 * sl + 0.5 * h0 * sl * sl) <= _RFCTOL * abs(f0):
                            irc = 11
            # ---- back in DRMNHB: restore or save x as the assessment says
            if save or restor == 2:
                saved = (x, fx, gx, hx)
            if restor == 1:
                x, fx, gx, hx = x0, f0, g0, h0
            elif restor == 3 and saved is not None:
                x, fx, gx, hx = saved
                step = x - x0
                restor = rstrst
            if irc in (1, 5):
                radius = radfac * dstnrm
                continue
            if irc >= 7:  # 7-10: x-, relative, both, absolute; 11 singular; 12 false
                return x, irc <= 10, niter
            # accept the step: gradient and Hessian at x (computed with f above)
            step = x - x0
            f, g, h = fx, gx, hx
            if irc == 3:
                model_g = h0 * step + g0 - g
                if abs(model_g) <= abs(g) * _TUNER4 or g * step < gtstep * _TUNER5:
                    radfac = _INCFAC
            break
    return x, False, _ITER_MAX


@dataclass(frozen=True)
class PairFit:
    """Polychoric estimates for a batch of pairs of one table shape.

    ``special`` codes how each estimate arose: 0 maximum likelihood, 1 closed form
    (2 x 2 table with both thresholds 0 or a product of odds equal to one, or two empty
    cells), 2 at a bound (+-0.999), 3 lavaan's fallback optimizer was needed.
    """

    rho: np.ndarray
    converged: np.ndarray
    iterations: int
    special: np.ndarray


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


def _run_nlminb(
    freq: np.ndarray,
    t1: np.ndarray,
    t2: np.ndarray,
    start: np.ndarray,
    bound: float,
) -> tuple[np.ndarray, np.ndarray, int]:
    """Run :func:`_nlminb_1d` for every table in lockstep, evaluating all points at once."""
    p = freq.shape[0]
    rho = np.zeros(p)
    ok = np.zeros(p, dtype=bool)
    runs: dict[int, Generator[float, _FGH, tuple[float, bool, int]]] = {}
    asked: dict[int, float] = {}
    for i in range(p):
        gen = _nlminb_1d(float(start[i]), -bound, bound)
        runs[i] = gen
        asked[i] = next(gen)
    rounds = 0
    while asked:
        rounds += 1
        idx = np.fromiter(asked, dtype=np.int64, count=len(asked))
        xs = np.array([asked[i] for i in idx])
        f, g, h = _objective(freq[idx], t1[idx], t2[idx], xs)
        nxt: dict[int, float] = {}
        for m, i in enumerate(idx):
            try:
                nxt[int(i)] = runs[int(i)].send((float(f[m]), float(g[m]), float(h[m])))
            except StopIteration as stop:
                rho[i], ok[i], _ = stop.value
        asked = nxt
    return rho, ok, rounds


def fit_polychoric(
    freq: np.ndarray,
    t1: np.ndarray,
    t2: np.ndarray,
    start: np.ndarray,
) -> PairFit:
    """Two-step polychoric correlations for P tables of one shape, as lavaan computes them.

    lavaan's ``lav_bvord_cor_twostep_fit``: the 2 x 2 special cases first (see
    :func:`_special_2x2`), then ``nlminb`` from ``start`` (the Pearson correlation of the
    category codes) on ``[-0.999, 0.999]`` with lavaan's objective, gradient and Hessian
    (:func:`_objective`) and ``step.min = 0.1``, reproduced by :func:`_nlminb_1d`. The
    floored likelihood can have more than one local maximum on sparse tables; nlminb's
    path from the Pearson start decides which one lavaan reports, and so it decides ours.
    If nlminb does not converge lavaan restarts from 0 on ``[-0.995, 0.995]`` without
    derivatives (finite differences); we restart from 0 on those bounds with the analytic
    derivatives (an approximation of that restart: its path can differ; no fixture has
    needed it). If that fails too, lavaan returns the start value with a warning; so do we
    (``converged`` False).

    Parameters
    ----------
    freq : (P, K1, K2) array of counts.
    t1, t2 : (P, K1-1) and (P, K2-1) thresholds.
    start : (P,) starting values.

    Returns
    -------
    PairFit

    Examples
    --------
    >>> import numpy as np
    >>> tab = np.array([[[187.0, 3.0], [14.0, 18.0]]])  # lavCor: 0.9145425
    >>> t1 = univariate_thresholds(tab[0].sum(axis=1))[None, :]
    >>> t2 = univariate_thresholds(tab[0].sum(axis=0))[None, :]
    >>> round(float(fit_polychoric(tab, t1, t2, np.array([0.62])).rho[0]), 5)
    0.91454
    """
    freq = np.asarray(freq, dtype=float)
    p = freq.shape[0]
    rho_fixed = np.full(p, np.nan)
    if freq.shape[1] == 2 and freq.shape[2] == 2:
        freq, rho_fixed, _ = _special_2x2(freq, t1, t2)
    todo = np.flatnonzero(~np.isfinite(rho_fixed))
    rho = rho_fixed.copy()
    converged = np.ones(p, dtype=bool)
    code = np.where(np.isfinite(rho_fixed), 1, 0)
    rounds = 0
    if todo.size:
        st = np.where(np.isfinite(start[todo]), start[todo], 0.0)
        r, ok, rounds = _run_nlminb(freq[todo], t1[todo], t2[todo], st, RHO_BOUND)
        bad = np.flatnonzero(~ok)
        if bad.size:
            sub = todo[bad]
            r2, ok2, more = _run_nlminb(
                freq[sub], t1[sub], t2[sub], np.zeros(sub.size), _RHO_BOUND_RESTART
            )
            rounds += more
            r[bad] = np.where(ok2, r2, st[bad])
            ok[bad] = ok2
            code[sub] = 3
        rho[todo] = r
        converged[todo] = ok
        at_bound = np.abs(r) >= np.where(code[todo] == 3, _RHO_BOUND_RESTART, RHO_BOUND)
        code[todo] = np.where(at_bound, 2, code[todo])
    return PairFit(rho=rho, converged=converged, iterations=rounds, special=code)


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
