"""The full report of the bundled example, timed per format (issue 13: < 10 s on two cores).

The results are computed first, as ``loyaltysem demo`` computes them, and are not timed:
screening and the screening policy, ``validate()`` (no HTMT bootstrap: the bootstrap is
excluded), the recommended estimator's fit of the default model with its effects, and the
invariance ladder across the waves with its partial-invariance search. Then
``report.write(out, ..., formats=(fmt,))`` is timed for each format alone (each call builds the
tables, the path diagram and the paragraphs, and writes one file), and once with every format
in one call (they are built once): the issue's number.

``--quick`` computes the results with ML and listwise deletion and no partial search (a
smaller preparation; the report has the same sections), as ``tests/test_bench_report.py``
runs it. ``--profile`` prints the functions that take the most time in the all-formats call
(cProfile, cumulative time).

Run: ``python benchmarks/bench_report.py [--repeat 3] [--lang en|zh] [--quick] [--profile]``.
Prints seconds per format and in total; compare within one run (the machines are noisy).
"""

from __future__ import annotations

import argparse
import cProfile
import io
import pstats
import shutil
import statistics
import tempfile
import time
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import loyaltysem as ls
from loyaltysem import report

#: The issue's budget for every format, excluding the bootstrap (seconds, two cores).
TARGET = 10.0


def prepare(*, quick: bool = False) -> dict[str, Any]:
    """The results the demo's report is written from (not timed)."""
    survey = ls.load_ecommerce()
    screening = survey.screen()
    cleaned = survey.clean(screening)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # listwise-deletion and estimator notes
        validation = ls.validate(cleaned, n_boot=0)
        recommendation = ls.recommend_estimator(cleaned)
        options = {} if quick else dict(recommendation.fit_kwargs)
        fit = ls.fit(ls.DEFAULT_MODEL, cleaned, **options)
        ladder = {"std_lv": True} if quick else {"std_lv": True, "partial": True}
        inv = ls.invariance(ls.default_instrument(), cleaned, "wave", **ladder, **options)
    return {
        "survey": cleaned,
        "screening": screening,
        "validation": validation,
        "recommendation": recommendation,
        "fit": fit,
        "effects": ls.effects(fit),
        "invariance": inv,
    }


#: CPU seconds of this process per timed call (median), by formats: on a busy machine the
#: wall time grows with the load, the CPU time of one mostly single-threaded call does not
#: (the PDF's work is Chromium's, a child process: its CPU time is not counted here).
CPU: dict[tuple[str, ...], float] = {}


def time_write(inputs: dict[str, Any], formats: Sequence[str], *, repeat: int, lang: str) -> float:
    """Median wall seconds of ``report.write`` of ``formats`` into a fresh folder."""
    seconds, cpu = [], []
    for _ in range(repeat):
        with tempfile.TemporaryDirectory() as tmp:
            start, start_cpu = time.perf_counter(), time.process_time()
            report.write(Path(tmp), **inputs, formats=tuple(formats), lang=lang)
            seconds.append(time.perf_counter() - start)
            cpu.append(time.process_time() - start_cpu)
    CPU[tuple(formats)] = statistics.median(cpu)
    return statistics.median(seconds)


def profile(inputs: dict[str, Any], *, lang: str, top: int = 25) -> str:
    """cProfile of one all-formats call: the ``top`` functions by cumulative time."""
    prof = cProfile.Profile()
    with tempfile.TemporaryDirectory() as tmp:
        prof.enable()
        formats = tuple(f for f in report.FORMATS if f != "pdf")
        report.write(Path(tmp), **inputs, formats=formats, lang=lang)
        prof.disable()
    out = io.StringIO()
    pstats.Stats(prof, stream=out).sort_stats("cumulative").print_stats(top)
    return out.getvalue()


def main(argv: Sequence[str] | None = None) -> dict[str, float]:
    """Time the report; print the table; return seconds per format and ``"all"``."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3, help="timed calls per row (median)")
    parser.add_argument("--lang", choices=("en", "zh"), default="en")
    parser.add_argument("--quick", action="store_true", help="ML listwise preparation")
    parser.add_argument("--profile", action="store_true", help="print the cProfile hot spots")
    args = parser.parse_args(argv)

    start = time.perf_counter()
    inputs = prepare(quick=args.quick)
    prepared = time.perf_counter() - start
    # one untimed call: imports (matplotlib, python-docx, openpyxl) and font lookup, once
    time_write(inputs, ("md",), repeat=1, lang=args.lang)

    # the formats: HTML, Word, Excel, Markdown, LaTeX; the PDF (printed by Chromium,
    # when one is installed) is timed on its own
    formats = [f for f in report.FORMATS if f != "pdf"]
    times = {fmt: time_write(inputs, (fmt,), repeat=args.repeat, lang=args.lang) for fmt in formats}
    times["all"] = time_write(inputs, formats, repeat=args.repeat, lang=args.lang)
    if shutil.which("chromium") or shutil.which("google-chrome"):
        formats.append("pdf")
        times["pdf"] = time_write(inputs, ("pdf",), repeat=args.repeat, lang=args.lang)

    fit = inputs["fit"]
    print(
        f"report of the bundled example ({args.lang}; N = {fit.provenance.n}, "
        f"{fit.provenance.estimator}; status: {fit.status.label})"
    )
    print(f"  results computed first, not timed: {prepared:.1f} s")
    print(f"  {'formats':<26}{'seconds':>9}{'CPU s':>9}   (median of {args.repeat})")
    for fmt in formats:
        print(f"  {fmt + ' alone':<26}{times[fmt]:>9.2f}{CPU[(fmt,)]:>9.2f}")
    every = tuple(f for f in formats if f != "pdf")
    print(
        f"  {'all but pdf in one call':<26}{times['all']:>9.2f}   target < {TARGET:.0f} s"
        f" (CPU {CPU[every]:.2f} s)"
    )
    if args.profile:
        print(profile(inputs, lang=args.lang))
    return times


if __name__ == "__main__":
    main()
