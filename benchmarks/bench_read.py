"""Read 1,000,000 respondents x 29 items: time and peak memory of read_survey.

Issue target (12, item 8): under 5 s and under 3x the memory of the item scores
(n x p float64). Writes a plain CSV of random 7-point answers to a temporary folder, then
reads it in a fresh process so that the peak resident memory is the read's own.

Run: ``python benchmarks/bench_read.py [N]``.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path

import numpy as np
import pandas as pd

from loyaltysem.instruments import default_instrument

CHILD = textwrap.dedent(
    """
    import sys, time
    import pyarrow.csv  # imported before the baseline, as read_survey needs it
    from loyaltysem.instruments import default_instrument
    from loyaltysem.survey import read_survey
    codebook = default_instrument()

    def status(key):  # kB; /proc, since ru_maxrss survives exec from a large parent
        with open("/proc/self/status") as fh:
            return next(int(l.split()[1]) for l in fh if l.startswith(key))

    base = status("VmRSS:")
    start = time.perf_counter()
    survey = read_survey(sys.argv[1], codebook)
    seconds = time.perf_counter() - start
    peak = status("VmHWM:")
    data = survey.data.to_numpy().nbytes
    print(seconds, (peak - base) * 1024, data, survey.n)
    """
)


def main(n: int = 1_000_000) -> None:
    items = default_instrument().item_names
    rng = np.random.default_rng(20261207)
    with tempfile.TemporaryDirectory() as tmp:  # the child is measured, not this process
        path = Path(tmp) / "big.csv"
        frame = pd.DataFrame(rng.integers(1, 8, size=(n, len(items))), columns=items)
        frame.to_csv(path, index=False)
        size = path.stat().st_size
        out = subprocess.run(
            [sys.executable, "-c", CHILD, str(path)], capture_output=True, text=True, check=True
        ).stdout.split()
    seconds, extra, data, rows = float(out[0]), float(out[1]), float(out[2]), int(out[3])
    print(f"read_survey: {rows:,} rows x {len(items)} items, CSV {size / 1e6:.0f} MB")
    print(f"  time {seconds:.2f} s (target < 5 s)")
    print(
        f"  peak memory above the imports {extra / 1e6:.0f} MB = {extra / data:.2f}x the item "
        f"scores ({data / 1e6:.0f} MB; target < 3x)"
    )


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000)
