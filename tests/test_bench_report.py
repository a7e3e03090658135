"""``benchmarks/bench_report.py`` runs, and the full report stays within a generous bound.

The benchmark is run as a user runs it (``--quick``: ML results, one timed call per row):
it prints a row per format and the all-formats call, and returns the seconds it printed.
The bound (30 s for every format but the PDF in one call) is three times the issue's 10 s target, so
that a regression shows on a busy CI machine without making the test flaky.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

from loyaltysem import report

BENCH = Path(__file__).resolve().parents[1] / "benchmarks" / "bench_report.py"


def _load():
    spec = importlib.util.spec_from_file_location("bench_report", BENCH)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_benchmark_runs_and_the_report_is_within_bound(capsys):
    bench = _load()
    times = bench.main(["--repeat", "1", "--quick"])
    issue_formats = {f for f in report.FORMATS if f != "pdf"}  # pdf: timed when Chromium is
    assert set(times) - {"pdf"} == {*issue_formats, "all"}
    assert all(t > 0 for t in times.values())
    assert times["all"] < 3 * bench.TARGET
    out = capsys.readouterr().out
    assert "status: converged, admissible, identified" in out
    for fmt in times.keys() - {"all"}:
        assert f"{fmt} alone" in out and f"{times[fmt]:.2f}" in out
    assert f"all but pdf in one call{times['all']:>12.2f}   target < 10 s" in out
