"""PLS-SEM benchmark: one estimation of the ECSI model on ``mobi``, side by side in one run.

- loyaltysem: ``fit_pls(ECSI_MODEL, mobi)`` — parses the syntax, mean-replaces (nothing
  is missing), standardizes, runs the PLS algorithm on the correlation matrix and
  builds the result with reliability (alpha, rho_A, rho_C, AVE) and HTMT; and
  ``pls(mobi, measurement, structural)`` without the parser;
- seminr's official Python port (``pip install seminr``, 0.2.1):
  ``seminr.estimate_pls(mobi, constructs(...), relationships(...))`` with its defaults
  (path weighting, ``max_it=300``, ``stop_criterion=7``, mean replacement).

Each is timed as the best and the median of ``repeats`` rounds of ``number`` calls
(default 7 × 50), alternating the two within a round so that a busy machine slows both
alike. Before timing, the two path matrices are compared (they agree to ~1e-15). The
machine is shared and noisy: read the ratio. The target of issue 16 is ≥ 2× seminr.

Run: ``python benchmarks/bench_pls.py [number] [repeats]`` (``tests/test_pls_model.py`` runs
it once, small, as a smoke test).
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from collections.abc import Callable

import loyaltysem as ls
from loyaltysem.instruments import ECSI_MODEL
from loyaltysem.pls import pls

ECSI_PATHS = [
    ("Image", ["Expectation", "Satisfaction", "Loyalty"]),
    ("Expectation", ["Quality", "Value", "Satisfaction"]),
    ("Quality", ["Value", "Satisfaction"]),
    ("Value", ["Satisfaction"]),
    ("Satisfaction", ["Complaints", "Loyalty"]),
    ("Complaints", ["Loyalty"]),
]


def seminr_call(frame):  # type: ignore[no-untyped-def]
    import seminr

    mm = seminr.constructs(
        seminr.composite("Image", seminr.multi_items("IMAG", range(1, 6))),
        seminr.composite("Expectation", seminr.multi_items("CUEX", range(1, 4))),
        seminr.composite("Quality", seminr.multi_items("PERQ", range(1, 8))),
        seminr.composite("Value", seminr.multi_items("PERV", range(1, 3))),
        seminr.composite("Satisfaction", seminr.multi_items("CUSA", range(1, 4))),
        seminr.composite("Complaints", ["CUSCO"]),
        seminr.composite("Loyalty", seminr.multi_items("CUSL", range(1, 4))),
    )
    sm = seminr.relationships(*(seminr.paths(from_=s, to=t) for s, t in ECSI_PATHS))
    return lambda: seminr.estimate_pls(frame, mm, sm)


def timed(fn: Callable[[], object], number: int) -> float:
    start = time.perf_counter()
    for _ in range(number):
        fn()
    return (time.perf_counter() - start) / number


def main(number: int = 50, repeats: int = 7) -> dict[str, float]:
    """Time the calls; return the best seconds per call by name (and ``"max_path_diff"``)."""
    survey = ls.load_mobi()
    frame = survey.data
    ours = {
        "loyaltysem fit_pls(ECSI_MODEL, mobi)": lambda: ls.fit_pls(ECSI_MODEL, frame),
        "loyaltysem pls(mobi, constructs, paths)": lambda: pls(
            frame,
            survey.constructs,
            "\n".join(f"{t} ~ {s}" for s, ts in ECSI_PATHS for t in ts),
        ),
    }
    calls = dict(ours)
    diff = float("nan")
    try:
        import seminr

        calls[f"seminr (Python port {seminr.__version__}) estimate_pls"] = seminr_call(frame)
        theirs = calls[f"seminr (Python port {seminr.__version__}) estimate_pls"]()
        mine = ls.fit_pls(ECSI_MODEL, frame)
        pc = theirs.path_coef
        diff = max(
            abs(float(pc.get(s, t)) - float(mine.paths.loc[s, t]))
            for s, ts in ECSI_PATHS
            for t in ts
        )
        print(f"paths, max |loyaltysem - seminr| = {diff:.2e}")
    except ImportError:
        print("seminr (Python port) not installed: pip install seminr")
    print(f"load average before: {os.getloadavg()}")
    for fn in calls.values():
        fn()  # warm up
    rounds: dict[str, list[float]] = {k: [] for k in calls}
    for _ in range(repeats):
        for name, fn in calls.items():
            rounds[name].append(timed(fn, number))
    print(f"{number} calls x {repeats} rounds; ms per estimation (best / median):")
    for name, values in rounds.items():
        print(f"  {name:<55} {1e3 * min(values):7.3f} / {1e3 * statistics.median(values):7.3f}")
    names = list(calls)
    if len(names) == 3:
        for mine_name in names[:2]:
            ratio = min(rounds[names[2]]) / min(rounds[mine_name])
            med = statistics.median(rounds[names[2]]) / statistics.median(rounds[mine_name])
            print(f"seminr / {mine_name.split()[1]}: {ratio:.2f}x (best), {med:.2f}x (median)")
    print(f"load average after: {os.getloadavg()}")
    out = {name: min(values) for name, values in rounds.items()}
    out["max_path_diff"] = diff
    return out


if __name__ == "__main__":
    args = [int(a) for a in sys.argv[1:3]]
    main(*args)
