"""Side-by-side timing of full-information ML fits: loyaltysem vs lavaan (ratios, one run).

Tasks: ``fit(model, data, missing="ml")`` (ML and MLR) with every fit measure and the
standardized solution, against lavaan's ``sem(model, data, missing = "ml")`` +
``fitMeasures()`` + ``standardizedSolution()``, on the data of the FIML fixtures
(``tests/fixtures/estimation/fiml_*.json``, written by ``tests/reference/make_fiml.R``):

1. Holzinger–Swineford 3-factor CFA with 10 % of the cells missing completely at random
   (N = 301, 9 items, 51 response patterns);
2. the default e-commerce model on the bundled survey with 10 % of the cells missing
   completely at random added (N = 1,225, 29 items, 954 response patterns).

lavaan is timed in-process by R itself (``system.time`` over a loop, R's start-up not
counted). semopy has no FIML: not timed. BLAS is pinned to one thread on both sides
(small matrices; threads only add noise).

Run: ``python benchmarks/bench_fiml.py [--repeat 5]``. Prints seconds per fit and the
ratios; machines are noisy, so compare ratios from one run, not absolute times.
"""

from __future__ import annotations

import os

for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import argparse  # noqa: E402
import json  # noqa: E402
import shutil  # noqa: E402
import subprocess  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

import loyaltysem  # noqa: E402

FIXTURES = Path(__file__).parents[1] / "tests" / "fixtures" / "estimation"

R_SCRIPT = r"""
suppressPackageStartupMessages(library(lavaan))
args <- commandArgs(trailingOnly = TRUE)
d <- read.csv(args[[1]])
n <- as.integer(args[[2]])
model <- readLines(args[[3]])
est <- args[[4]]
run <- function() {
  fit <- sem(model, data = d, missing = "ml", estimator = est)
  fm <- fitMeasures(fit); ss <- standardizedSolution(fit)
}
run()
t <- system.time(for (i in 1:n) run())
cat(sprintf("%.6f\n", t[["elapsed"]] / n))
cat(as.character(packageVersion("lavaan")), "\n")
"""


def seconds_per_call(fn, repeat: int) -> float:
    fn()
    start = time.perf_counter()
    for _ in range(repeat):
        fn()
    return (time.perf_counter() - start) / repeat


def lavaan_seconds(csv: Path, model: str, estimator: str, repeat: int) -> tuple[float, str]:
    with tempfile.TemporaryDirectory() as tmp:
        script = Path(tmp) / "bench.R"
        script.write_text(R_SCRIPT, encoding="utf-8")
        model_file = Path(tmp) / "model.lav"
        model_file.write_text(model, encoding="utf-8")
        out = subprocess.run(
            ["Rscript", str(script), str(csv), str(repeat), str(model_file), estimator],
            capture_output=True,
            text=True,
            check=False,
            env={**os.environ, "OPENBLAS_NUM_THREADS": "1"},
        )
    if out.returncode != 0:
        return float("nan"), f"Rscript failed: {out.stderr.strip()[:200]}"
    seconds, version = out.stdout.split("\n")[:2]
    return float(seconds), f"lavaan {version.strip()} (in-process R timing)"


def run_task(title: str, fixture: str, repeat: int, repeat_r: int) -> None:
    fx = json.loads((FIXTURES / f"{fixture}.json").read_text(encoding="utf-8"))
    data = pd.DataFrame(np.array(fx["data"], dtype=float), columns=fx["items"])
    model = fx["provenance"]["model_syntax"]
    n_patterns = len(loyaltysem.missing_patterns(data).table)
    print(f"{title}: N = {len(data)}, {data.shape[1]} items, {n_patterns} response patterns")
    for estimator in ("ML", "MLR"):
        ours = seconds_per_call(
            lambda est=estimator: loyaltysem.fit(model, data, missing="ml", estimator=est),
            repeat,
        )
        line = f"  {estimator:<4} loyaltysem {ours:8.3f} s"
        if shutil.which("Rscript"):
            with tempfile.TemporaryDirectory() as tmp:
                csv = Path(tmp) / "data.csv"
                data.to_csv(csv, index=False, na_rep="NA")
                theirs, note = lavaan_seconds(csv, model, estimator, repeat_r)
            line += f" | lavaan {theirs:8.3f} s | loyaltysem is {theirs / ours:6.1f}x faster"
            line += f"  [{note}]"
        else:
            line += " | lavaan: Rscript not found, not measured"
        print(line)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--repeat-r", type=int, default=2)
    args = parser.parse_args()
    run_task("Holzinger-Swineford CFA, 10% MCAR", "fiml_hs_cfa", args.repeat, args.repeat_r)
    run_task(
        "Default e-commerce model, 10% MCAR added",
        "fiml_ecommerce_default_mcar10",
        args.repeat,
        args.repeat_r,
    )


if __name__ == "__main__":
    main()
