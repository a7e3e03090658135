"""Multi-group timings side by side: the invariance ladder, loyaltysem vs lavaan (ratios).

Tasks (the cases of ``tests/reference/make_groups.R``):

1. Holzinger-Swineford 3-factor CFA by ``school`` (2 groups, N = 301);
2. the nine-construct CFA of the bundled e-commerce survey by ``wave`` (3 groups,
   N = 1,059 after listwise deletion, 369-387 free table rows).

Each task is the whole ladder: configural, metric, scalar, strict; for the e-commerce
survey also with MLR, with full-information ML (``missing = "ml"``, all 1,225
respondents) and, for its items as ordinal, WLSMV (configural, thresholds, scalar).

- loyaltysem: ``invariance(model, data, group)`` (four fits with every fit measure,
  standardized solution with SEs and R² per group, the Δ tests and decisions);
- lavaan (when ``Rscript`` is on PATH), timed in-process by R (``system.time`` over a
  loop): the four ``cfa(model, data, group = , group.equal = )`` fits alone.

Run: ``python benchmarks/bench_groups.py [--repeat 5]``. Prints milliseconds per ladder
and the ratios; compare ratios from one run, not absolute times.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import loyaltysem as ls
from loyaltysem.datasets import load_frame
from loyaltysem.sem.invariance import invariance

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "tests" / "fixtures" / "groups"

R_SCRIPT = r"""
suppressPackageStartupMessages(library(lavaan))
args <- commandArgs(trailingOnly = TRUE)
d <- read.csv(args[[1]])
n <- as.integer(args[[2]])
model <- paste(readLines(args[[3]]), collapse = "\n")
group <- args[[4]]
if (group == "wave") {
  items <- setdiff(names(d), c("respondent_id", "wave", "gender", "platform", "age"))
  for (v in items) d[[v]][d[[v]] == -99] <- NA
  d$LOY4 <- 8 - d$LOY4
}
variant <- args[[5]]
levels <- list("", "loadings", c("loadings", "intercepts"),
               c("loadings", "intercepts", "residuals"))
extra <- list()
if (variant == "mlr") extra <- list(estimator = "MLR")
if (variant == "fiml") extra <- list(missing = "ml")
if (variant == "wlsmv") {
  extra <- list(ordered = TRUE)
  levels <- list("", "thresholds", c("thresholds", "loadings"))
}
fit1 <- function(ge) {
  do.call("cfa", c(list(model = model, data = d, group = group, group.equal = ge), extra))
}
ladder <- function() for (ge in levels) fit1(ge)
ladder()
t <- system.time(for (i in 1:n) ladder())
cat(sprintf("ladder %.6f\n", 1000 * t[["elapsed"]] / n))
"""


#: loyaltysem's invariance() options of each variant (lavaan's in R_SCRIPT)
VARIANTS = {
    "ml": {},
    "mlr": {"estimator": "MLR"},
    "fiml": {"missing": "ml"},
    "wlsmv": {"ordered": True},
}


def time_ours(model: str, data: object, group: str, repeat: int, variant: str = "ml") -> float:
    import warnings

    options = VARIANTS[variant]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # listwise-deletion notes
        invariance(model, data, group, **options)  # warm-up
        start = time.perf_counter()
        for _ in range(repeat):
            invariance(model, data, group, **options)
    return 1000 * (time.perf_counter() - start) / repeat


def time_lavaan(
    csv: Path, model: str, group: str, repeat: int, variant: str = "ml"
) -> float | None:
    if shutil.which("Rscript") is None:
        return None
    with tempfile.TemporaryDirectory() as tmp:
        script = Path(tmp) / "bench.R"
        script.write_text(R_SCRIPT, encoding="utf-8")
        syntax = Path(tmp) / "model.txt"
        syntax.write_text(model, encoding="utf-8")
        out = subprocess.run(
            ["Rscript", str(script), str(csv), str(repeat), str(syntax), group, variant],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    return float(next(line.split()[1] for line in out.splitlines() if line.startswith("ladder")))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    hs_model = json.loads((FIXTURES / "hs_configural.json").read_text())["provenance"][
        "model_syntax"
    ]
    ecom_model = json.loads((FIXTURES / "ecommerce_configural.json").read_text())["provenance"][
        "model_syntax"
    ]
    with tempfile.TemporaryDirectory() as tmp:
        hs = load_frame("holzinger_swineford")
        hs_csv = Path(tmp) / "hs.csv"
        hs.to_csv(hs_csv, index=False)
        ecom_csv = ROOT / "src" / "loyaltysem" / "data" / "ecommerce.csv"
        survey = ls.load_ecommerce()
        tasks = [
            ("HS CFA by school", hs_model, hs, "school", hs_csv, "ml"),
            ("e-commerce CFA by wave", ecom_model, survey, "wave", ecom_csv, "ml"),
            ("  the same, MLR", ecom_model, survey, "wave", ecom_csv, "mlr"),
            ("  the same, FIML", ecom_model, survey, "wave", ecom_csv, "fiml"),
            ("  ordinal items, WLSMV", ecom_model, survey, "wave", ecom_csv, "wlsmv"),
        ]
        print(f"{'task':<26}{'loyaltysem ms':>15}{'lavaan ms':>12}{'ratio':>8}")
        for name, model, data, group, csv, variant in tasks:
            repeat = args.repeat if variant in ("ml", "mlr") else max(1, args.repeat // 5)
            ours = time_ours(model, data, group, repeat, variant)
            theirs = time_lavaan(csv, model, group, repeat, variant)
            ratio = f"{theirs / ours:7.1f}x" if theirs else "      -"
            shown = f"{theirs:12.1f}" if theirs else f"{'-':>12}"
            print(f"{name:<26}{ours:15.1f}{shown}{ratio}")


if __name__ == "__main__":
    main()
