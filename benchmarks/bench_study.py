"""Study-run benchmark: many waves, each through the whole chain, on 1 and 2 cores and Dask.

Issue 15's task: 20 waves of 1,000 respondents, the default model with 1,000 bootstrap
draws each (the effects' intervals and the HTMT intervals), every wave's report (Markdown)
and the drift across waves. Timed, in one run, side by side:

- ``run_study(..., jobs=1)``: one wave after another;
- ``run_study(..., jobs=2)``: two waves at once (joblib/loky processes);
- ``run_study(..., scheduler=...)`` on a two-worker ``distributed.LocalCluster`` (started
  before the clock starts).

Parallel efficiency = time(1 core) / (2 x time(2 cores)). The three long tables are checked
to be equal (seeds per wave). The waves are simulated from the default population model
(``simulate_survey``, seed 2026), written as one CSV file per wave.

Run: ``python benchmarks/bench_study.py [--waves 20] [--n 1000] [--draws 1000]``.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import pandas as pd

from loyaltysem.datasets import dataset_path
from loyaltysem.planning.simulation import simulate_survey
from loyaltysem.study import load_study, run_study


def _study(folder: Path, waves: int, n: int, draws: int) -> Path:
    frame = simulate_survey(waves=[n] * waves, random_state=2026)
    (folder / "waves").mkdir()
    for w, rows in frame.groupby("wave"):
        rows.to_csv(folder / "waves" / f"w{w:02d}.csv", index=False)
    codebook = dataset_path("ecommerce", kind="codebook")
    path = folder / "study.toml"
    path.write_text(
        f"""[study]
name = "benchmark"
seed = 1
formats = ["md"]

[data]
files = "waves/*.csv"
codebook = "{codebook}"

[model]
syntax = "default"
estimator = "ML"

[bootstrap]
draws = {draws}
""",
        encoding="utf-8",
    )
    return path


def main() -> None:
    """Time the study on 1 core, 2 cores and a two-worker LocalCluster."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--waves", type=int, default=20)
    parser.add_argument("--n", type=int, default=1000)
    parser.add_argument("--draws", type=int, default=1000)
    parser.add_argument("--no-dask", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        study = load_study(_study(folder, args.waves, args.n, args.draws))
        times: dict[str, float] = {}
        waves_s: dict[str, float] = {}
        tables: dict[str, pd.DataFrame] = {}
        for label, jobs in (("1 core", 1), ("2 cores", 2)):
            t = time.perf_counter()
            res = run_study(study, folder / f"out{jobs}", jobs=jobs, progress=False)
            times[label] = time.perf_counter() - t
            waves_s[label] = sum(w.seconds for w in res.waves)
            tables[label] = res.table
        if not args.no_dask:
            from distributed import LocalCluster

            with LocalCluster(
                n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
            ) as cluster:
                t = time.perf_counter()
                res = run_study(
                    study, folder / "dask", scheduler=cluster.scheduler_address, progress=False
                )
                times["LocalCluster (2 workers)"] = time.perf_counter() - t
                waves_s["LocalCluster (2 workers)"] = sum(w.seconds for w in res.waves)
                tables["LocalCluster (2 workers)"] = res.table
        base = tables["1 core"]
        same = all(t.equals(base) for t in tables.values())
        print(
            f"{args.waves} waves x {args.n} respondents, default model, {args.draws} bootstrap "
            f"draws per wave (effects and HTMT), Markdown reports, drift"
        )
        print("  (wall; the waves' own seconds summed; what is not in a wave: reading the")
        print("   waves again, the invariance ladder and tests across waves, the study files)")
        for label, s in times.items():
            print(
                f"  {label:<26} {s:8.1f} s   waves {waves_s[label]:7.1f} s   "
                f"{s / args.waves:6.2f} s per wave"
            )
        eff = times["1 core"] / (2 * times["2 cores"])
        print(f"  parallel efficiency (2 cores): {100 * eff:.0f} %")
        print(f"  long tables equal across runs: {same}")


if __name__ == "__main__":
    main()
