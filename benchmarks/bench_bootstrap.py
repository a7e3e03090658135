"""Bootstrap benchmark: 2,000 draws of Political Democracy with an indirect effect.

Side by side, in one run (the machine is noisy: read the ratios):

- loyaltysem: ``bootstrap(fit(model, data), 2000, data=data)``, each draw refitting the
  model and recomputing ``ind := a*b`` and the standardized solution: on one core with
  every draw refitted one by one (``resampling._BATCH_REFITS = False``: the engine
  before the batched refits), on one core with the draws refitted together in batches
  (the default for complete-data ML fits, ``_kernels/batched_groups.py``, one group
  being its case G = 1), and batched on every core (``n_jobs=-1``; each call
  forks its worker processes on Linux); the batched runs on one core and on every core
  alternate, ``repeats`` pairs (default 5), so that both see the same load, and the
  best of each is reported with the ratio of every pair; the one-by-one run is one
  call; no progress bar (``progress=False``: a bar also makes the batches smaller);
- lavaan (when ``Rscript`` is on PATH): ``bootstrapLavaan(fit, R = 2000, FUN = "coef")``
  on the same model (fewer quantities per draw than ours), timed inside R.

Then the same for a multi-group model (Holzinger–Swineford by school, equal loadings,
group-specific indirect effects and their difference): ``bootstrap()`` resamples within
groups, as ``bootstrapLavaan`` of a multi-group fit does.

Run: ``python benchmarks/bench_bootstrap.py [n_draws] [repeats]``. The load average is
printed before and after, and the CPU seconds of each run beside its wall time (with the
workers' own): other jobs on the machine take cores from the two-core run, and the CPU
seconds show what the run itself cost.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

import loyaltysem as ls
from loyaltysem._workers import wait_for_workers
from loyaltysem.datasets import dataset_path, load_frame
from loyaltysem.sem import bootstrap as resampling

MODEL = """
ind60 =~ x1 + x2 + x3
dem60 =~ y1 + y2 + y3 + y4
dem65 =~ y5 + y6 + y7 + y8
dem60 ~ a*ind60
dem65 ~ c*ind60 + b*dem60
y1 ~~ y5
y2 ~~ y4 + y6
y3 ~~ y7
y4 ~~ y8
y6 ~~ y8
ind := a*b
"""

GROUP_MODEL = """
visual =~ x1 + x2 + x3
textual =~ x4 + x5 + x6
speed =~ x7 + x8 + x9
textual ~ c(a1, a2)*visual
speed ~ c(b1, b2)*textual + c*visual
ind1 := a1*b1
ind2 := a2*b2
diff := ind1 - ind2
"""

R_GROUP_SCRIPT = r"""
suppressPackageStartupMessages(library(lavaan))
args <- commandArgs(trailingOnly = TRUE)
hs <- read.csv(args[[1]])
model <- paste(readLines(args[[3]]), collapse = "\n")
fit <- sem(model, data = hs, group = "school", group.equal = "loadings")
t <- system.time(suppressWarnings(bootstrapLavaan(fit, R = as.integer(args[[2]]),
                                                  FUN = "coef", iseed = 1)))
cat(sprintf("%.6f\n", t[["elapsed"]]))
"""

R_SCRIPT = r"""
suppressPackageStartupMessages(library(lavaan))
args <- commandArgs(trailingOnly = TRUE)
pd <- read.csv(args[[1]])
model <- paste(readLines(args[[3]]), collapse = "\n")
fit <- sem(model, data = pd)
t <- system.time(suppressWarnings(bootstrapLavaan(fit, R = as.integer(args[[2]]),
                                                  FUN = "coef", iseed = 1)))
cat(sprintf("%.6f\n", t[["elapsed"]]))
"""


def _lavaan_seconds(
    script_text: str, data_file: Path, n_draws: int, model: str
) -> tuple[float | None, str]:
    """Run one timing script in R: (seconds, note)."""
    if not shutil.which("Rscript"):
        return None, "lavaan: Rscript not found, not measured"
    with tempfile.TemporaryDirectory() as tmp:
        script, model_file = Path(tmp, "boot.R"), Path(tmp, "model.lav")
        script.write_text(script_text, encoding="utf-8")
        model_file.write_text(model, encoding="utf-8")
        out = subprocess.run(
            ["Rscript", str(script), str(data_file), str(n_draws), str(model_file)],
            capture_output=True, text=True, check=False,
        )  # fmt: skip
    if out.returncode != 0:
        return None, f"lavaan: Rscript failed: {out.stderr.strip()[:200]}"
    return float(out.stdout.strip().splitlines()[-1]), (
        "lavaan: bootstrapLavaan(fit, R, FUN = 'coef'), timed in R"
    )


def _loyaltysem_runs(res, data, n_draws: int, repeats: int) -> dict[str, float]:
    """The best wall times of each loyaltysem variant, side by side.

    The one-by-one run is one call; the batched runs on one core and on every core
    alternate, ``repeats`` pairs, so that both see the same load on the machine. Beside
    the best times: the median of the pairs' ratios, and the CPU seconds of each best
    run (this process and its workers, which have exited and been counted).
    """
    cores = os.cpu_count() or 1
    one, every = "loyaltysem 1 core, batched", f"loyaltysem {cores} cores, batched"
    timings: dict[str, float] = {}
    name = "loyaltysem 1 core, one by one"
    resampling._BATCH_REFITS = False
    try:
        wall, cpu, boot = _timed(res, data, n_draws, 1)
    finally:
        resampling._BATCH_REFITS = True
    timings[name] = wall
    _print_run(name, boot, wall, cpu)
    best: dict[str, tuple[float, float]] = {}
    ratios = []
    for _ in range(repeats):
        pair = {}
        for label, jobs in ((one, 1), (every, -1)):
            wall, cpu, boot = _timed(res, data, n_draws, jobs)
            pair[label] = wall
            if wall < best.get(label, (np.inf, np.inf))[0]:
                best[label] = (wall, cpu)
            assert boot.n_ok + boot.n_failed == n_draws
        ratios.append(pair[one] / pair[every])
    for label in (one, every):
        timings[label] = best[label][0]
        _print_run(label, boot, *best[label])
    if cores > 1:
        print(
            f"  ({repeats} pairs, 1 core then {cores} cores: the ratio of each pair "
            f"{', '.join(f'{r:.2f}' for r in ratios)}; median {np.median(ratios):.2f})"
        )
    return timings


#: Seconds between two timed calls (see _timed).
_PAUSE = 0.5


def _timed(res, data, n_draws: int, jobs: int) -> tuple[float, float, object]:
    """Wall and CPU seconds (with the workers') of one bootstrap call, and its result."""
    start, start_cpu = time.perf_counter(), _cpu_seconds()
    boot = ls.bootstrap(res, n_draws, data=data, random_state=1, n_jobs=jobs, progress=False)
    wall = time.perf_counter() - start
    wait_for_workers()  # the workers exit after the last result: count their CPU too
    cpu = _cpu_seconds() - start_cpu
    # after a fork OpenBLAS restarts its thread pool when the thread count is restored, and
    # its new threads wait busily for about 0.1 s (0.2 CPU seconds on two cores): let them
    # stop before the next call, which they would otherwise slow down
    time.sleep(_PAUSE)
    return wall, cpu, boot


def _print_run(name: str, boot, wall: float, cpu: float) -> None:
    print(
        f"  ({name}: {boot.n_ok} draws used, {boot.n_failed} failed; "
        f"{wall:.3f} s wall, {cpu:.2f} s CPU of this process and its workers)"
    )


def _cpu_seconds() -> float:
    """CPU seconds of this process and of its finished worker processes."""
    t = os.times()
    return t.user + t.system + t.children_user + t.children_system


def _groups(n_draws: int, repeats: int) -> None:
    data = load_frame("holzinger_swineford")
    res = ls.fit(GROUP_MODEL, data, group="school", group_equal=["loadings"])
    timings = _loyaltysem_runs(res, data, n_draws, repeats)
    sec, note = _lavaan_seconds(
        R_GROUP_SCRIPT, dataset_path("holzinger_swineford"), n_draws, GROUP_MODEL
    )
    if sec is not None:
        timings["lavaan"] = sec
    print(f"Holzinger-Swineford by school, {n_draws} draws within groups (refit, 3 :=, std.all)")
    _report(timings, note)


def _report(timings: dict[str, float], note: str) -> None:
    for name, sec in timings.items():
        print(f"  {name:<36} {sec:8.3f} s")
    if "lavaan" in timings:
        for name, sec in timings.items():
            if name != "lavaan":
                print(f"  {name} is {timings['lavaan'] / sec:5.1f}x faster than lavaan")
    before, after = "loyaltysem 1 core, one by one", "loyaltysem 1 core, batched"
    parallel = f"loyaltysem {os.cpu_count() or 1} cores, batched"
    if before in timings and after in timings:
        print(f"  batched refits: {timings[before] / timings[after]:5.1f}x the one-by-one refits")
    if after in timings and parallel in timings and parallel != after:
        print(f"  {parallel}: {timings[after] / timings[parallel]:5.2f}x one core (best of each)")
    print(f"  {note}")


def main() -> None:
    n_draws = int(sys.argv[1]) if len(sys.argv) > 1 else 2000
    repeats = int(sys.argv[2]) if len(sys.argv) > 2 else 5
    print(f"load average before: {os.getloadavg()}")
    _single(n_draws, repeats)
    _groups(n_draws, repeats)
    print(f"load average after: {os.getloadavg()}")


def _single(n_draws: int, repeats: int) -> None:
    data = load_frame("political_democracy")
    res = ls.fit(MODEL, data)
    timings = _loyaltysem_runs(res, data, n_draws, repeats)
    sec, note = _lavaan_seconds(R_SCRIPT, dataset_path("political_democracy"), n_draws, MODEL)
    if sec is not None:
        timings["lavaan"] = sec
    print(f"Political Democracy, {n_draws} bootstrap draws (refit, ind := a*b, std.all)")
    _report(timings, note)


if __name__ == "__main__":
    main()
