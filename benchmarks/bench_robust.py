"""Robust ML timings side by side: loyaltysem ML vs MLM vs MLR, and lavaan's (ratios).

Target (issue 5): an MLR fit costs at most 1.5x an ML fit of the same model. Tasks:
fit + fit measures + standardized solution of

1. lavaan's Political Democracy model (Bollen 1989), N = 75, 11 observed variables;
2. the default e-commerce model (design.md §3, with its ``:=`` lines), 29 items,
   N = 1,000 simulated respondents.

- loyaltysem: ``fit(model, data, estimator=...)`` (robust SEs, scaled test and every
  ``*.scaled``/``*.robust`` fit measure are part of each result);
- lavaan (when ``Rscript`` is on PATH): ``sem(estimator=...)`` + ``fitMeasures()`` +
  ``standardizedSolution()`` timed in-process by R (``system.time`` over a loop).

Run: ``python benchmarks/bench_robust.py [--repeat 30]``. Prints milliseconds per fit
and the ratios; compare ratios from one run, not absolute times. BLAS runs on one
thread (``OPENBLAS_NUM_THREADS=1`` unless set): the matrices are small, and on a shared
2-core machine a multi-threaded BLAS spinning against another process inflates every
timing tenfold or more, drowning the ratios in noise.
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
from pathlib import Path

import loyaltysem
from loyaltysem.datasets import dataset_path, load_frame

MODEL = """
ind60 =~ x1 + x2 + x3
dem60 =~ y1 + y2 + y3 + y4
dem65 =~ y5 + y6 + y7 + y8
dem60 ~ ind60
dem65 ~ ind60 + dem60
y1 ~~ y5
y2 ~~ y4 + y6
y3 ~~ y7
y4 ~~ y8
y6 ~~ y8
"""
CONSTRUCTS = {"REP", "SEC", "SQ", "PQ", "PRI", "ASS", "TRU", "SAT", "LOY"}
ESTIMATORS = ("ML", "MLM", "MLR")

R_SCRIPT = r"""
suppressPackageStartupMessages(library(lavaan))
args <- commandArgs(trailingOnly = TRUE)
d <- read.csv(args[[1]])
n <- as.integer(args[[2]])
model <- readLines(args[[3]])
for (est in c("ML", "MLM", "MLR")) {
  for (i in 1:3) {
    fit <- sem(model, data = d, estimator = est)
    fm <- fitMeasures(fit); ss <- standardizedSolution(fit)
  }
  t <- system.time(for (i in 1:n) {
    fit <- sem(model, data = d, estimator = est)
    fm <- fitMeasures(fit); ss <- standardizedSolution(fit)
  })
  cat(sprintf("%s %.6f\n", est, 1000 * t[["elapsed"]] / n))
}
cat("version", as.character(packageVersion("lavaan")), "\n")
"""


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


def lavaan_times(csv: Path, model: str, repeat: int) -> tuple[dict[str, float], str]:
    if not shutil.which("Rscript"):
        return {}, "lavaan: Rscript not found, not measured"
    with tempfile.TemporaryDirectory() as tmp:
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


def run_task(title: str, model: str, data, csv: Path, repeat: int) -> dict[str, float]:
    ours = {
        est: time_per_call(lambda est=est: loyaltysem.fit(model, data, estimator=est), repeat)
        for est in ESTIMATORS
    }
    theirs, note = lavaan_times(csv, model, max(repeat // 3, 3))
    print(f"{title}: fit + fit measures + standardized solution (ms per fit)")
    print(f"  {'estimator':<10}{'loyaltysem':>12}{'vs ML':>8}{'lavaan':>10}{'lavaan/ours':>13}")
    for est in ESTIMATORS:
        row = f"  {est:<10}{ours[est]:12.2f}{ours[est] / ours['ML']:7.2f}x"
        if est in theirs:
            row += f"{theirs[est]:10.2f}{theirs[est] / ours[est]:12.1f}x"
        print(row)
    print(f"  {note}")
    return ours


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=30)
    args = parser.parse_args()
    run_task(
        "Political Democracy SEM (N = 75)",
        MODEL,
        load_frame("political_democracy"),
        dataset_path("political_democracy"),
        args.repeat,
    )
    frame = loyaltysem.simulate_survey(n=1000, random_state=1)
    items = [c for c in frame.columns if c.rstrip("0123456789") in CONSTRUCTS]
    data = frame[items].astype(float)
    data["LOY4"] = 8 - data["LOY4"]  # reverse-keyed, as the codebook does on loading
    with tempfile.TemporaryDirectory() as tmp:
        csv = Path(tmp) / "ecommerce_n1000.csv"
        data.to_csv(csv, index=False)
        ours = run_task(
            "Default e-commerce model (29 items, N = 1,000)",
            loyaltysem.DEFAULT_MODEL,
            data,
            csv,
            args.repeat,
        )
    ratio = ours["MLR"] / ours["ML"]
    verdict = "meets" if ratio <= 1.5 else "MISSES"
    print(f"MLR / ML on the e-commerce model: {ratio:.2f}x ({verdict} the 1.5x target)")


if __name__ == "__main__":
    main()
