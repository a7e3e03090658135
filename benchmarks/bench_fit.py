"""Side-by-side timing of one SEM fit: loyaltysem vs semopy vs lavaan (ratios, one run).

Tasks: fit + fit measures + standardized solution of

1. lavaan's Political Democracy model (Bollen 1989), N = 75, 11 observed variables
   (issue "SEM estimation");
2. the default e-commerce model (design.md §3, without its ``:=`` lines, which semopy
   cannot read), 29 items, N = 1,000 simulated respondents (design.md §5).

- loyaltysem: ``fit(model, data)`` (fit measures and the standardized solution with
  delta-method SEs are part of every result);
- loyaltysem given a semopy model: ``fit(semopy.Model(desc), data)`` with the semopy model
  built once beforehand (what a semopy user calls: the description is read as lavaan syntax,
  ``loyaltysem._semopy``; the same numbers as ``fit(desc, data)``);
- semopy: ``Model(desc).fit(data)`` + ``calc_stats(m)`` + ``m.inspect(std_est=True)``;
- lavaan (when ``Rscript`` is on PATH): ``sem()`` + ``fitMeasures()`` +
  ``standardizedSolution()`` timed in-process by R itself (``system.time`` over a loop),
  so R's start-up is not counted.

semopy is in the ``crosscheck`` extra (``pip install -e '.[crosscheck]'``; ``.[test]``
includes it). Run: ``python benchmarks/bench_fit.py [--repeat 50]``. Prints milliseconds per fit and
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

R_SCRIPT = r"""
suppressPackageStartupMessages(library(lavaan))
args <- commandArgs(trailingOnly = TRUE)
d <- read.csv(args[[1]])
n <- as.integer(args[[2]])
model <- readLines(args[[3]])
for (i in 1:5) {
  fit <- sem(model, data = d); fm <- fitMeasures(fit); ss <- standardizedSolution(fit)
}
t <- system.time(for (i in 1:n) {
  fit <- sem(model, data = d); fm <- fitMeasures(fit); ss <- standardizedSolution(fit)
})
cat(sprintf("%.6f\n", 1000 * t[["elapsed"]] / n))
cat(as.character(packageVersion("lavaan")), "\n")
"""


def time_per_call(fn, repeat: int) -> float:
    for _ in range(3):
        fn()
    start = time.perf_counter()
    for _ in range(repeat):
        fn()
    return (time.perf_counter() - start) / repeat * 1000


def structural_part(model: str) -> str:
    """The model without its ``:=`` lines (semopy cannot read them)."""
    return "\n".join(line for line in model.splitlines() if ":=" not in line) + "\n"


def run_task(title: str, model: str, data, csv: Path, repeat: int) -> None:
    results: dict[str, float] = {}
    results["loyaltysem"] = time_per_call(lambda: loyaltysem.fit(model, data), repeat)

    try:
        import semopy
    except ImportError:
        raise SystemExit(
            "semopy is not installed: it is in the crosscheck extra, pip install -e '.[crosscheck]'"
        ) from None

    prebuilt = semopy.Model(model)
    results["loyaltysem (semopy Model)"] = time_per_call(
        lambda: loyaltysem.fit(prebuilt, data), repeat
    )

    def run_semopy() -> None:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            m = semopy.Model(model)
            m.fit(data)
            semopy.calc_stats(m)
            m.inspect(std_est=True)

    results["semopy"] = time_per_call(run_semopy, max(repeat // 5, 3))
    lavaan_note = "lavaan: Rscript not found, not measured"
    if shutil.which("Rscript"):
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
            if out.returncode == 0:
                ms, version = out.stdout.split("\n")[:2]
                results["lavaan"] = float(ms)
                lavaan_note = f"lavaan {version.strip()} (in-process R timing)"
            else:
                lavaan_note = f"lavaan: Rscript failed: {out.stderr.strip()[:200]}"
    print(f"{title}: fit + fit measures + standardized solution")
    for name, ms in results.items():
        print(f"  {name:<26} {ms:8.2f} ms per fit")
    ours = results["loyaltysem"]
    overhead = results["loyaltysem (semopy Model)"] - ours
    print(f"  reading the semopy model's description adds {overhead:6.2f} ms per fit")
    for name in ("semopy", "lavaan"):
        if name in results:
            print(f"  loyaltysem is {results[name] / ours:5.1f}x faster than {name}")
    print(f"  {lavaan_note}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=50)
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
        run_task(
            "Default e-commerce model (29 items, N = 1,000)",
            structural_part(loyaltysem.DEFAULT_MODEL),
            data,
            csv,
            args.repeat,
        )


if __name__ == "__main__":
    main()
