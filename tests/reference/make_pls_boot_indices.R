#!/usr/bin/env Rscript
# Resample indices of seminr::bootstrap_model(model, nboot = 500, seed = 123) on mobi (n = 250),
# for tests/test_pls_bootstrap.py.
#
# Run from the repository root:  Rscript tests/reference/make_pls_boot_indices.R
# Writes tests/fixtures/pls_bootstrap/seminr_indices_seed123_n500.json.
#
# seminr draws resample i (i = 1..nboot) as set.seed(seed + i); sample.int(nrow(d), replace =
# TRUE) (seminr R/estimate_bootstrap.R, getEstimateResults), so the rows it used can be
# re-derived with base R alone (seminr is not needed). seminr-ts ships the first 200 for seed
# 123 (tests/thirdparty/seminr_ts_expected/boot_indices.json; this script reproduces them);
# seminr's testthat fixture boot_report_*.csv (test-summary.R) used nboot = 500, seed = 123.
# Requires: jsonlite.

suppressPackageStartupMessages(library(jsonlite))
seed <- 123L
nboot <- 500L
n <- 250L
indices <- t(vapply(seq_len(nboot), function(i) {
  set.seed(seed + i)
  sample.int(n, replace = TRUE)
}, integer(n)))
out <- list(
  settings = list(
    description = "R resample indices (1-based rows): set.seed(123 + i); sample.int(250, replace = TRUE), i = 1..500",
    seed = seed, nboot = nboot, n = n,
    r_version = R.version.string,
    sample_kind = RNGkind()[3],
    generated = format(Sys.Date())
  ),
  indices = indices
)
dir.create("tests/fixtures/pls_bootstrap", showWarnings = FALSE, recursive = TRUE)
write_json(out, "tests/fixtures/pls_bootstrap/seminr_indices_seed123_n500.json", auto_unbox = TRUE)
