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
  ``loyaltysem.sem._semopy``; the same numbers as ``fit(desc, data)``);
- semopy: ``Model(desc).fit(data)`` + ``calc_stats(m)`` + ``m.inspect(std_est=True)``;
- lavaan (when ``Rscript`` is on PATH): ``sem()`` + ``fitMeasures()`` +
  ``standardizedSolution()`` timed in-process by R itself (``system.time`` over a loop),
  so R's start-up is not counted.

Times are reported as wall clock and as CPU time of the process (R: ``user.self +
sys.self``); on a machine shared with other work the CPU time is the steadier of the two
(a process waiting for a core does not count), and every tool runs one BLAS thread, so it
is the time of the work itself. Every timing reads the fit measures and the estimates
table (with ``std_all`` and its SEs) from the result, so nothing a user asks for is left
uncomputed. Each tool is timed as the best of five blocks of ``--repeat`` calls (semopy
and lavaan: ``--repeat / 5`` calls, lavaan in five ``system.time`` blocks inside one R
session); the machines we share are noisy and the best block is the one least disturbed.
BLAS: loyaltysem runs with the process' default thread pools (its fits limit BLAS to one
thread themselves, :mod:`loyaltysem._threads`, and that cost is timed); semopy is timed
with BLAS limited to one thread (``threadpoolctl``), as its multi-threaded BLAS on a busy
2-core machine inflates its timings tenfold and more; R runs with
``OPENBLAS_NUM_THREADS=1`` (Debian's R uses the single-threaded reference BLAS anyway).
So the ratios are conservative.

semopy is in the ``crosscheck`` extra (``pip install -e '.[crosscheck]'``; ``.[test]``
includes it). Run: ``python benchmarks/bench_fit.py [--repeat 50]``. Prints milliseconds
per fit and the ratios; machines are noisy, so compare ratios from one run, not absolute
times. ``--before PATH`` also times the ``src`` folder of another checkout (e.g. a
``git worktree`` of the previous commit) in a subprocess, for before/after ratios:
``--rounds`` (default 3) rounds alternating that checkout and this one, each keeping
its best, so that a load coming and going on a shared machine falls on both alike.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path

from threadpoolctl import threadpool_limits

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
best <- Inf
best_cpu <- Inf
for (block in 1:5) {
  t <- system.time(for (i in 1:n) {
    fit <- sem(model, data = d); fm <- fitMeasures(fit); ss <- standardizedSolution(fit)
  })
  best <- min(best, t[["elapsed"]])
  best_cpu <- min(best_cpu, t[["user.self"]] + t[["sys.self"]])
}
cat(sprintf("%.6f %.6f\n", 1000 * best / n, 1000 * best_cpu / n))
cat(as.character(packageVersion("lavaan")), "\n")
"""


def time_per_call(fn, repeat: int, blocks: int = 5) -> tuple[float, float]:
    """Milliseconds per call, wall clock and CPU: the best of ``blocks`` blocks of calls."""
    for _ in range(max(repeat // 5, 3)):  # warm-up: imports, caches, allocator
        fn()
    best = best_cpu = float("inf")
    for _ in range(blocks):
        start, start_cpu = time.perf_counter(), time.process_time()
        for _ in range(repeat):
            fn()
        best = min(best, time.perf_counter() - start)
        best_cpu = min(best_cpu, time.process_time() - start_cpu)
    return best / repeat * 1000, best_cpu / repeat * 1000


def fit_and_read(model, data) -> None:
    """One fit, then what the other tools' timings include: fit measures and std_all."""
    res = loyaltysem.fit(model, data)
    res.fit_measures["cfi"]
    res.estimates["std_all"]  # with se_std_all, computed with every fit


def structural_part(model: str) -> str:
    """The model without its ``:=`` lines (semopy cannot read them)."""
    return "\n".join(line for line in model.splitlines() if ":=" not in line) + "\n"


def run_task(
    title: str,
    model: str,
    data,
    csv: Path,
    repeat: int,
    *,
    ours_only: bool = False,
    before: tuple[float, float] | None = None,
    ours: tuple[float, float] | None = None,
) -> None:
    results: dict[str, tuple[float, float]] = {}
    if ours is None:
        ours = time_per_call(lambda: fit_and_read(model, data), repeat)
    results["loyaltysem"] = ours
    if ours_only:
        print(f"{title}\t{results['loyaltysem'][0]:.6f}\t{results['loyaltysem'][1]:.6f}")
        return
    if before is not None:
        results["loyaltysem before (--before)"] = before

    try:
        import semopy
    except ImportError:
        raise SystemExit(
            "semopy is not installed: it is in the crosscheck extra, pip install -e '.[crosscheck]'"
        ) from None

    prebuilt = semopy.Model(model)
    results["loyaltysem (semopy Model)"] = time_per_call(
        lambda: fit_and_read(prebuilt, data), repeat
    )

    def run_semopy() -> None:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            m = semopy.Model(model)
            m.fit(data)
            semopy.calc_stats(m)
            m.inspect(std_est=True)

    with threadpool_limits(1, user_api="blas"):
        results["semopy"] = time_per_call(run_semopy, max(repeat // 5, 3))
    lavaan_note = "lavaan: Rscript not found, not measured"
    if shutil.which("Rscript"):
        with tempfile.TemporaryDirectory() as tmp:
            script = Path(tmp) / "bench.R"
            script.write_text(R_SCRIPT, encoding="utf-8")
            model_file = Path(tmp) / "model.lav"
            model_file.write_text(model, encoding="utf-8")
            out = subprocess.run(
                ["Rscript", str(script), str(csv), str(max(repeat // 5, 3)), str(model_file)],
                capture_output=True,
                text=True,
                check=False,
                env={**os.environ, "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1"},
            )
            if out.returncode == 0:
                ms, version = out.stdout.split("\n")[:2]
                wall, cpu = ms.split()
                results["lavaan"] = (float(wall), float(cpu))
                lavaan_note = f"lavaan {version.strip()} (in-process R timing)"
            else:
                lavaan_note = f"lavaan: Rscript failed: {out.stderr.strip()[:200]}"
    print(f"{title}: fit + fit measures + standardized solution (ms per fit, wall / CPU)")
    for name, (wall, cpu) in results.items():
        print(f"  {name:<30} {wall:8.2f} {cpu:8.2f}")
    ours = results["loyaltysem"]
    overhead = results["loyaltysem (semopy Model)"][0] - ours[0]
    print(f"  reading the semopy model's description adds {overhead:6.2f} ms per fit (wall)")
    for name in ("loyaltysem before (--before)", "semopy", "lavaan"):
        if name in results:
            wall, cpu = (results[name][k] / ours[k] for k in (0, 1))
            print(f"  loyaltysem is {wall:5.1f}x (wall) / {cpu:5.1f}x (CPU) faster than {name}")
    print(f"  {lavaan_note}")


def time_before(checkout: str, repeat: int) -> dict[str, tuple[float, float]]:
    """Our fit timed with another checkout's ``src`` (a subprocess, ``--ours-only``)."""
    env = {**os.environ, "PYTHONPATH": str(Path(checkout) / "src")}
    out = subprocess.run(
        [sys.executable, __file__, "--ours-only", "--repeat", str(repeat)],
        capture_output=True,
        text=True,
        check=True,
        env=env,
    )
    rows = (line.split("\t") for line in out.stdout.splitlines() if "\t" in line)
    return {title: (float(wall), float(cpu)) for title, wall, cpu in rows}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=50)
    parser.add_argument("--before", help="another checkout whose src/ is timed too")
    parser.add_argument(
        "--rounds",
        type=int,
        default=3,
        help="with --before: rounds alternating the two checkouts (the best of each is kept)",
    )
    parser.add_argument("--ours-only", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    tasks = []
    tasks.append(
        (
            "Political Democracy SEM (N = 75)",
            MODEL,
            load_frame("political_democracy"),
            dataset_path("political_democracy"),
        )
    )
    frame = loyaltysem.simulate_survey(n=1000, random_state=1)
    items = [c for c in frame.columns if c.rstrip("0123456789") in CONSTRUCTS]
    data = frame[items].astype(float)
    data["LOY4"] = 8 - data["LOY4"]  # reverse-keyed, as the codebook does on loading
    with tempfile.TemporaryDirectory() as tmp:
        csv = Path(tmp) / "ecommerce_n1000.csv"
        data.to_csv(csv, index=False)
        tasks.append(
            (
                "Default e-commerce model (29 items, N = 1,000)",
                structural_part(loyaltysem.DEFAULT_MODEL),
                data,
                csv,
            )
        )
        before: dict[str, tuple[float, float]] = {}
        ours: dict[str, tuple[float, float]] = {}
        # before and after alternate, round by round, and each keeps its best: on a shared
        # machine a load that comes and goes then falls on both alike
        for _ in range(max(args.rounds, 1) if args.before else 0):
            for title, timed in time_before(args.before, args.repeat).items():
                before[title] = _best(before.get(title), timed)
            for title, model, task_data, _csv in tasks:
                timed = time_per_call(lambda m=model, d=task_data: fit_and_read(m, d), args.repeat)
                ours[title] = _best(ours.get(title), timed)
        for title, model, task_data, task_csv in tasks:
            run_task(
                title,
                model,
                task_data,
                task_csv,
                args.repeat,
                ours_only=args.ours_only,
                before=before.get(title),
                ours=ours.get(title),
            )


def _best(kept: tuple[float, float] | None, new: tuple[float, float]) -> tuple[float, float]:
    """The smaller wall-clock and the smaller CPU time of two timings."""
    return new if kept is None else (min(kept[0], new[0]), min(kept[1], new[1]))


if __name__ == "__main__":
    main()
