"""Ordinal (WLSMV) timings side by side: loyaltysem ``fit_ordinal`` vs lavaan (ratios).

Target: a WLSMV fit of the 9-item, 3-factor Holzinger-Swineford ordinal CFA (x1-x9 cut
into quintile categories as ``tests/reference/make_wlsmv.R`` does, N = 301) at least 3x
faster than lavaan's on the same machine. Tasks:

1. the Holzinger-Swineford ordinal CFA (9 items with 5 categories, 36 thresholds);
2. the default e-commerce SEM with all 29 items ordered (7 categories, 174 thresholds,
   N = 1,059 after listwise deletion of the bundled survey).

- loyaltysem: ``fit_ordinal(spec, data, ordered=items)`` (thresholds, polychorics and
  their NACOV, DWLS estimates, robust SEs, scaled-shifted test, every fit measure incl.
  the catML ``*.robust`` ones, standardized solution with SEs, R²: all in the result);
- lavaan (when ``Rscript`` is on PATH), timed in-process by R (``system.time`` over a
  loop): ``cfa(model, data, ordered = names(data), estimator = "WLSMV")`` alone, and
  followed by ``fitMeasures()`` + ``standardizedSolution()`` (what our result holds).

Run: ``python benchmarks/bench_wlsmv.py [--repeat 30]``. Prints milliseconds per fit and
the ratios; compare ratios from one run, not absolute times. BLAS runs on one thread
(``OPENBLAS_NUM_THREADS=1`` unless set), as in the other benchmarks.
"""

from __future__ import annotations

import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")

import argparse
import shutil
import subprocess
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

import loyaltysem
from loyaltysem.datasets import load_frame
from loyaltysem.errors import MissingDataWarning
from loyaltysem.sem.ordinal import fit_ordinal
from loyaltysem.sem.specification import specify

HS_MODEL = """
visual  =~ x1 + x2 + x3
textual =~ x4 + x5 + x6
speed   =~ x7 + x8 + x9
"""

R_SCRIPT = r"""
suppressPackageStartupMessages(library(lavaan))
args <- commandArgs(trailingOnly = TRUE)
d <- read.csv(args[[1]])
n <- as.integer(args[[2]])
model <- readLines(args[[3]])
items <- names(d)
for (i in 1:3) fit <- sem(model, data = d, ordered = items, estimator = "WLSMV")
t <- system.time(for (i in 1:n) {
  fit <- sem(model, data = d, ordered = items, estimator = "WLSMV")
})
cat(sprintf("fit %.6f\n", 1000 * t[["elapsed"]] / n))
t <- system.time(for (i in 1:n) {
  fit <- sem(model, data = d, ordered = items, estimator = "WLSMV")
  fm <- fitMeasures(fit); ss <- standardizedSolution(fit)
})
cat(sprintf("full %.6f\n", 1000 * t[["elapsed"]] / n))
cat("version", as.character(packageVersion("lavaan")), "\n")
"""


def cut5(v: np.ndarray) -> np.ndarray:
    """R: cut(v, quantile(v, seq(0, 1, .2)), include.lowest = TRUE, labels = FALSE)."""
    breaks = np.quantile(v, np.linspace(0.0, 1.0, 6))
    return np.clip(np.searchsorted(breaks, v, side="left"), 1, 5).astype(float)


def time_per_call(fn, repeat: int) -> float:
    for _ in range(3):
        fn()
    best = float("inf")
    for _ in range(3):  # best of three blocks: the machine is shared
        start = time.perf_counter()
        for _ in range(repeat):
            fn()
        best = min(best, (time.perf_counter() - start) / repeat * 1000)
    return best


def lavaan_times(data: pd.DataFrame, model: str, repeat: int) -> tuple[dict[str, float], str]:
    if not shutil.which("Rscript"):
        return {}, "lavaan: Rscript not found, not measured"
    with tempfile.TemporaryDirectory() as tmp:
        csv = Path(tmp) / "data.csv"
        data.to_csv(csv, index=False, na_rep="NA")
        script = Path(tmp) / "bench.R"
        script.write_text(R_SCRIPT, encoding="utf-8")
        model_file = Path(tmp) / "model.lav"
        model_file.write_text(model, encoding="utf-8")
        out = subprocess.run(
            ["Rscript", str(script), str(csv), str(repeat), str(model_file)],
            capture_output=True,
            text=True,
            check=False,
        )
    if out.returncode != 0:
        return {}, f"lavaan: Rscript failed: {out.stderr.strip()[:200]}"
    times: dict[str, float] = {}
    version = "?"
    for line in out.stdout.splitlines():
        key, value = line.split()[:2]
        if key == "version":
            version = value
        else:
            times[key] = float(value)
    return times, f"lavaan {version} (in-process R timing)"


def run_task(title: str, model: str, data: pd.DataFrame, repeat: int) -> float:
    spec = specify(model)
    items = list(spec.ov)

    def ours_fit() -> None:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", MissingDataWarning)
            fit_ordinal(spec, data, ordered=items)

    ours = time_per_call(ours_fit, repeat)
    theirs, note = lavaan_times(data[items], model, max(repeat // 3, 3))
    print(f"{title} (ms per fit)")
    print(f"  loyaltysem fit_ordinal (everything):          {ours:9.2f}")
    ratio = float("nan")
    if theirs:
        ratio = theirs["fit"] / ours
        fit_ms = theirs["fit"]
        print(f"  lavaan sem(..., estimator = 'WLSMV'):         {fit_ms:9.2f}  {ratio:5.1f}x")
        full = theirs["full"] / ours
        print(
            f"  lavaan + fitMeasures + standardizedSolution:  {theirs['full']:9.2f}  {full:5.1f}x"
        )
    print(f"  {note}")
    return ratio


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=30)
    args = parser.parse_args()
    hs = load_frame("holzinger_swineford")
    hs5 = pd.DataFrame({f"x{i}": cut5(hs[f"x{i}"].to_numpy()) for i in range(1, 10)})
    ratio = run_task(
        "Holzinger-Swineford ordinal CFA (9 items, 5 categories, N = 301)",
        HS_MODEL,
        hs5,
        args.repeat,
    )
    ecom = loyaltysem.load_ecommerce().data
    run_task(
        "Default e-commerce SEM, 29 ordered items (N = 1,059 complete rows)",
        loyaltysem.DEFAULT_MODEL,
        ecom,
        max(args.repeat // 6, 3),
    )
    if ratio == ratio:
        verdict = "meets" if ratio >= 3 else "MISSES"
        print(f"HS ordinal CFA, lavaan / ours: {ratio:.1f}x ({verdict} the 3x target)")


if __name__ == "__main__":
    main()
