"""Timing of all polychoric correlations of the bundled survey: loyaltysem vs lavaan.

Task: the 29 items of the bundled e-commerce survey (7 categories, N = 1,225; listwise
deletion keeps 1,059 rows), all 406 pairs:

- loyaltysem: ``polychoric(x)`` and ``polychoric(x, nacov=True)`` (with the asymptotic
  covariance matrix WLSMV needs);
- lavaan (when ``Rscript`` is on PATH): ``lavCor(x, ordered = names(x))`` and
  ``lavCor(x, ordered = names(x), estimator = "WLSMV", output = "fit")``, timed in-process
  by R itself (``system.time`` over a loop), so R's start-up is not counted;
- psych (idem): ``psych::polychoric(x)``.

Run: ``python benchmarks/bench_polychoric.py [--repeat 5]``. Prints seconds per call and
the ratios; machines are noisy, so compare ratios from one run, not absolute times.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import tempfile
import time
import warnings
from pathlib import Path

from loyaltysem.datasets import load_ecommerce
from loyaltysem.errors import MissingDataWarning
from loyaltysem.sem.polychoric import polychoric

R_SCRIPT = r"""
suppressPackageStartupMessages({library(lavaan); library(psych)})
args <- commandArgs(trailingOnly = TRUE)
x <- read.csv(args[[1]])
n <- as.integer(args[[2]])
it <- names(x)
tm <- function(expr) {
  f <- function() eval(expr)
  f()
  unname(system.time(for (i in 1:n) f())["elapsed"]) / n
}
cat(tm(quote(lavCor(x, ordered = it))), "\n")
cat(tm(quote(lavCor(x, ordered = it, estimator = "WLSMV", output = "fit"))), "\n")
cat(tm(quote(suppressWarnings(suppressMessages(psych::polychoric(x))))), "\n")
"""


def best_of(fn, repeat: int) -> float:
    fn()  # warm up
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    x = load_ecommerce().data
    warnings.simplefilter("ignore", MissingDataWarning)
    ours = best_of(lambda: polychoric(x), args.repeat)
    ours_nacov = best_of(lambda: polychoric(x, nacov=True), args.repeat)
    print(f"items: {x.shape[1]}, rows: {x.shape[0]}, pairs: {x.shape[1] * (x.shape[1] - 1) // 2}")
    print(f"loyaltysem polychoric(x)              {ours:8.3f} s")
    print(f"loyaltysem polychoric(x, nacov=True)  {ours_nacov:8.3f} s")
    rscript = shutil.which("Rscript")
    if rscript is None:
        print("Rscript not found: lavaan and psych timings skipped")
        return
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "x.csv"
        script = Path(tmp) / "bench.R"
        x.to_csv(data, index=False, na_rep="NA")
        script.write_text(R_SCRIPT, encoding="utf-8")
        out = subprocess.run(
            [rscript, str(script), str(data), str(max(1, args.repeat // 2))],
            check=True,
            capture_output=True,
            text=True,
        ).stdout.split()
    lav, lav_fit, psy = (float(v) for v in out[:3])
    print(f"lavaan lavCor(x, ordered = names(x))  {lav:8.3f} s   ({lav / ours:.0f}x ours)")
    print(
        f"lavaan lavCor(..., estimator = 'WLSMV', output = 'fit')  {lav_fit:8.3f} s   "
        f"({lav_fit / ours_nacov:.0f}x ours with nacov)"
    )
    print(f"psych::polychoric(x)                  {psy:8.3f} s   ({psy / ours:.0f}x ours)")


if __name__ == "__main__":
    main()
