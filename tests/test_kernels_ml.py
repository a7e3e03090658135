"""The ML kernel: analytic gradient and information against numerical derivatives."""

from __future__ import annotations

import numpy as np
from scipy.optimize import approx_fprime

from loyaltysem._kernels.ml import Layout, MLKernel, fisher_scoring

RTOL_DERIV = 1e-5


def two_factor_with_regression() -> tuple[Layout, np.ndarray]:
    """f1 =~ y1..y3 (y1 fixed 1), f2 =~ y4..y6 (y4 fixed 1), f2 ~ f1, theta y1~~y4."""
    p, m = 6, 2
    fixed = {
        "lambda": np.zeros((p, m)),
        "beta": np.zeros((m, m)),
        "psi": np.zeros((m, m)),
        "theta": np.zeros((p, p)),
    }
    fixed["lambda"][0, 0] = 1.0
    fixed["lambda"][3, 1] = 1.0
    k = iter(range(100))
    lam = ([1, 2, 4, 5], [0, 0, 1, 1])
    lam_idx = [next(k) for _ in range(4)]
    beta_idx = [next(k)]
    psi_idx = [next(k), next(k)]
    th_diag = [next(k) for _ in range(p)]
    th_off = next(k)
    free = {
        "lambda": (np.array(lam[0]), np.array(lam[1]), np.array(lam_idx)),
        "beta": (np.array([1]), np.array([0]), np.array(beta_idx)),
        "psi": (np.array([0, 1]), np.array([0, 1]), np.array(psi_idx)),
        "theta": (
            np.array([*range(p), 0, 3]),
            np.array([*range(p), 3, 0]),
            np.array([*th_diag, th_off, th_off]),
        ),
    }
    layout = Layout(n_obs=p, n_lat=m, fixed=fixed, free=free, n_free=next(k))
    x = np.array([0.8, 1.2, 0.9, 1.1, 0.5, 1.0, 0.7, *[0.5] * p, 0.1])
    return layout, x


def sample_cov(layout: Layout, x: np.ndarray, n: int, seed: int) -> np.ndarray:
    kernel = MLKernel(layout, np.eye(layout.n_obs))
    sigma = kernel.state(x).sigma
    rng = np.random.default_rng(seed)
    data = rng.multivariate_normal(np.zeros(layout.n_obs), sigma, size=n)
    return np.cov(data, rowvar=False, bias=True)


def test_gradient_matches_finite_differences():
    layout, x = two_factor_with_regression()
    s = sample_cov(layout, x, 300, 1)
    kernel = MLKernel(layout, s)
    x1 = x * 1.1
    g = kernel.gradient(kernel.state(x1))
    num = approx_fprime(x1, lambda v: kernel.objective(kernel.state(v)), 1e-7)
    np.testing.assert_allclose(g, num, rtol=RTOL_DERIV, atol=1e-6)


def test_jacobian_matches_finite_differences():
    layout, x = two_factor_with_regression()
    kernel = MLKernel(layout, np.eye(6))
    delta = kernel.jacobian(kernel.state(x))
    eps = 1e-7
    for k in range(layout.n_free):
        e = np.zeros_like(x)
        e[k] = eps
        num = (kernel.state(x + e).sigma - kernel.state(x - e).sigma) / (2 * eps)
        np.testing.assert_allclose(delta[k], num, rtol=1e-6, atol=1e-8)


def test_information_is_half_the_hessian_at_sigma_equal_s():
    layout, x = two_factor_with_regression()
    kernel = MLKernel(layout, MLKernel(layout, np.eye(6)).state(x).sigma)
    info = kernel.expected_information(kernel.state(x))
    eps = 1e-5
    hess = np.empty((layout.n_free, layout.n_free))
    for k in range(layout.n_free):
        e = np.zeros_like(x)
        e[k] = eps
        hess[:, k] = kernel.gradient(kernel.state(x + e)) - kernel.gradient(kernel.state(x - e))
        hess[:, k] /= 2 * eps
    np.testing.assert_allclose(info, hess / 2, rtol=1e-5, atol=1e-8)


def test_fisher_scoring_reaches_a_stationary_point():
    layout, x = two_factor_with_regression()
    s = sample_cov(layout, x, 500, 7)
    kernel = MLKernel(layout, s)
    start = np.where(np.isin(np.arange(layout.n_free), [9, 10]), 1.0, 0.5)
    _, st, iterations, converged = fisher_scoring(kernel, start)
    assert converged
    assert np.max(np.abs(kernel.gradient(st))) < 1e-7
    assert iterations < 50
    # the minimum is lower than at the population values
    assert kernel.objective(st) <= kernel.objective(kernel.state(x))
