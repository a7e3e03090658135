"""Regenerate the bundled example survey ``src/loyaltysem/data/ecommerce.csv``.

The data are simulated by :func:`loyaltysem.planning.simulation.simulate_survey` from the
default e-commerce model (population values in ``loyaltysem.instruments.POPULATION``)
with a fixed seed, so the file can be rebuilt byte for byte:

    python scripts/make_ecommerce.py           # (re)write the data and its codebook
    python scripts/make_ecommerce.py --check   # exit 1 if the shipped files differ

The codebook of the data file, ``ecommerce_codebook.toml``, is written from the
instrument ``ecommerce_instrument.toml`` plus the respondent id and design columns, so
the two never disagree.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import pandas as pd

from loyaltysem._files import write_text
from loyaltysem.planning.simulation import DESIGN_COLUMNS, PopulationModel, simulate_survey

DATA_DIR = Path(__file__).resolve().parents[1] / "src" / "loyaltysem" / "data"
INSTRUMENT = DATA_DIR / "ecommerce_instrument.toml"
CSV = DATA_DIR / "ecommerce.csv"
CODEBOOK = DATA_DIR / "ecommerce_codebook.toml"

SEED = 20261122
WAVES = (410, 395, 420)
MISSING = 0.005  # share of item cells, MCAR, written as -99 (about 1 respondent in 7 incomplete)
MISSING_CODE = -99
STRAIGHTLINERS = 0.02  # share of respondents answering one category throughout
#: Wave 3 measures trust, satisfaction and loyalty worse on one item each.
DRIFT = {3: {"TRU2": 0.45, "SAT3": 0.45, "LOY1": 0.45}}


def make_frame() -> pd.DataFrame:
    """Simulate the example survey as a DataFrame (items as answered, -99 = missing)."""
    return simulate_survey(
        PopulationModel.default(),
        waves=list(WAVES),
        random_state=SEED,
        careless={"straightline": STRAIGHTLINERS},
        missing=MISSING,
        missing_mechanism="MCAR",
        drift=DRIFT,
        missing_code=MISSING_CODE,
    )


def codebook_text(instrument_text: str) -> str:
    """Write the data file's codebook: the instrument plus id and design columns."""
    marker = "[value_labels.en]"
    start = instrument_text.find(marker)
    if start < 0:
        raise SystemExit(f"{INSTRUMENT}: no {marker} table; cannot build the codebook")
    roles = {c: r for c, r in DESIGN_COLUMNS.items() if r != "id"}
    id_column = next(c for c, r in DESIGN_COLUMNS.items() if r == "id")
    head = [
        "# Codebook of loyaltysem's bundled example survey data/ecommerce.csv (simulated).",
        "# Written by scripts/make_ecommerce.py from data/ecommerce_instrument.toml:",
        "# do not edit by hand; edit the instrument and rerun the script.",
        "# Layout: docs/codebook.md; how the data were simulated: docs/instrument.md.",
        "",
        'name = "E-commerce trust and loyalty example survey (simulated)"',
        f"missing_codes = [{MISSING_CODE}]",
        f'id_column = "{id_column}"',
        "",
        "[columns]",
        *(f'{col} = "{role}"' for col, role in roles.items()),
        "",
    ]
    return "\n".join(head) + "\n" + instrument_text[start:]


def generate() -> dict[Path, str]:
    """Return the text of every generated file, keyed by its path."""
    frame = make_frame()
    csv_text = frame.to_csv(index=False, lineterminator="\n")
    instrument = INSTRUMENT.read_text(encoding="utf-8")
    return {CSV: csv_text, CODEBOOK: codebook_text(instrument)}


def main(argv: list[str] | None = None) -> int:
    """Write the files, or with ``--check`` compare them with the shipped ones."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--check",
        action="store_true",
        help="regenerate in memory and exit 1 if a shipped file differs",
    )
    args = parser.parse_args(argv)
    files = generate()
    if args.check:
        stale = [
            path
            for path, text in files.items()
            if not path.is_file() or path.read_bytes() != text.encode("utf-8")
        ]
        for path in stale:
            print(f"out of date: {path}", file=sys.stderr)
        if stale:
            print("run: python scripts/make_ecommerce.py", file=sys.stderr)
            return 1
        print("ecommerce files are up to date")
        return 0
    for path, text in files.items():
        write_text(path, text)
        print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
