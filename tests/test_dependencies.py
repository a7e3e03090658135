"""The dependency decisions in docs/dependencies.md, checked on the installed versions."""

from __future__ import annotations

import numpy as np
import pandas as pd
import sklearn
from factor_analyzer import FactorAnalyzer, calculate_bartlett_sphericity, calculate_kmo

from loyaltysem.datasets import dataset_path

HS = dataset_path("holzinger_swineford")


def holzinger() -> np.ndarray:
    frame = pd.read_csv(HS)
    return frame[[f"x{i}" for i in range(1, 10)]].to_numpy(dtype=float)


def test_scikit_learn_is_below_the_bound_factor_analyzer_needs():
    major, minor = (int(p) for p in sklearn.__version__.split(".")[:2])
    assert (major, minor) < (1, 8)


def test_factor_analyzer_fits_on_real_data():
    x = holzinger()
    fa = FactorAnalyzer(n_factors=3, rotation=None, method="ml")
    fa.fit(x)
    loadings = fa.loadings_
    assert loadings.shape == (9, 3)
    # communalities are the row sums of squared loadings, each in (0, 1) for a proper solution
    communalities = (loadings**2).sum(axis=1)
    np.testing.assert_allclose(communalities, fa.get_communalities(), atol=1e-10)
    assert np.all((communalities > 0) & (communalities < 1))
    chi2, p = calculate_bartlett_sphericity(x)
    assert chi2 > 0 and 0 <= p < 1e-10
    kmo_items, kmo_total = calculate_kmo(x)
    assert kmo_items.shape == (9,) and 0 < kmo_total < 1
