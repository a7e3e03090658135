#!/usr/bin/env Rscript
# Reference fixtures for loyaltysem.survey.screening (tests/test_screening.py).
#
# Run from the repository root:
#   Rscript tests/reference/make_screening.R [DATASETS_DIR] [FIXTURES_DIR]
# Defaults: DATASETS_DIR = src/loyaltysem/data (the package's copies of mobi.csv,
# HolzingerSwineford1939.csv and corp_rep_data.csv, byte-identical to the files the
# fixtures were first made from; provenance in src/loyaltysem/data/PROVENANCE.md),
# FIXTURES_DIR = tests/fixtures.
#
# Writes tests/fixtures/screening_{mobi,holzinger,corp_rep}.json with
#   - psych::describe(x)            (defaults: type = 3 skew/kurtosis, sd with n - 1)
#   - psych::mardia(x, plot=FALSE)  (listwise complete cases via na.omit, as psych does)
#   - stats::mahalanobis(xc, colMeans(xc), cov(xc)) on the complete cases xc
#   - careless indices: the careless package is not packaged for Debian, so they are
#     computed with the exact base-R expressions careless 1.2 uses:
#       irv        = apply(x, 1, sd, na.rm = TRUE)              (careless::irv)
#       longstring = max(rle(row)$lengths) for each row          (careless::longstring)
#     base::rle counts each NA as a run of length 1, so NA breaks a run.
# Numbers are written at full precision (jsonlite digits = NA), NA as null.
# Requires: psych, jsonlite (Debian: r-cran-psych r-cran-jsonlite).

suppressPackageStartupMessages({
  library(psych)
  library(jsonlite)
})

args <- commandArgs(trailingOnly = TRUE)
datasets_dir <- if (length(args) >= 1) args[[1]] else file.path("src", "loyaltysem", "data")
fixtures_dir <- if (length(args) >= 2) args[[2]] else file.path("tests", "fixtures")
stopifnot(dir.exists(datasets_dir), dir.exists(fixtures_dir))

provenance <- function(file, items, na_codes, note) {
  list(
    generator = "tests/reference/make_screening.R",
    r_version = R.version.string,
    psych_version = as.character(packageVersion("psych")),
    jsonlite_version = as.character(packageVersion("jsonlite")),
    date = format(Sys.time(), "%Y-%m-%d %H:%M:%S %Z"),
    data_file = file,
    items = items,
    na_codes = na_codes,
    note = note,
    calls = c(
      "psych::describe(x)",
      "psych::mardia(x, plot = FALSE)",
      "xc <- na.omit(x); stats::mahalanobis(xc, colMeans(xc), cov(xc))",
      "pchisq(d2, ncol(x), lower.tail = FALSE)",
      "apply(x, 1, sd, na.rm = TRUE)  # careless::irv",
      "apply(x, 1, function(r) max(rle(r)$lengths))  # careless::longstring"
    )
  )
}

describe_list <- function(x) {
  d <- psych::describe(x)
  cols <- c("n", "mean", "sd", "median", "min", "max", "range", "skew", "kurtosis", "se")
  out <- lapply(rownames(d), function(item) as.list(d[item, cols]))
  names(out) <- rownames(d)
  out
}

mardia_list <- function(x) {
  m <- psych::mardia(x, plot = FALSE)
  list(
    n_obs = m$n.obs, n_var = m$n.var, b1p = m$b1p, b2p = m$b2p,
    skew = m$skew, small_skew = m$small.skew, p_skew = m$p.skew,
    p_small = m$p.small, kurtosis = m$kurtosis, p_kurt = m$p.kurt,
    d = unname(m$d)
  )
}

mahalanobis_list <- function(x) {
  complete <- complete.cases(x)
  xc <- x[complete, , drop = FALSE]
  d2 <- stats::mahalanobis(xc, colMeans(xc), cov(xc))
  list(
    row = which(complete),  # 1-based row numbers in the CSV (header excluded)
    d2 = unname(d2),
    df = ncol(x),
    pvalue = unname(pchisq(d2, ncol(x), lower.tail = FALSE))
  )
}

careless_list <- function(x) {
  m <- as.matrix(x)
  list(
    irv = unname(apply(m, 1, sd, na.rm = TRUE)),
    longstring = unname(apply(m, 1, function(r) max(rle(r)$lengths)))
  )
}

write_fixture <- function(name, file, x, na_codes, note) {
  fixture <- list(
    provenance = provenance(file, colnames(x), na_codes, note),
    n_rows = nrow(x),
    describe = describe_list(x),
    mardia = mardia_list(x),
    mahalanobis = mahalanobis_list(x),
    careless = careless_list(x)
  )
  path <- file.path(fixtures_dir, paste0("screening_", name, ".json"))
  writeLines(
    jsonlite::toJSON(fixture, digits = NA, auto_unbox = TRUE, na = "null", pretty = TRUE),
    path
  )
  message("wrote ", path)
}

# mobi: ECSI mobile-phone survey, all 24 items, no missing values.
mobi <- read.csv(file.path(datasets_dir, "mobi.csv"))
write_fixture("mobi", "mobi.csv", mobi, list(), "all 24 items")

# HolzingerSwineford1939: x1-x9, no missing values.
hs <- read.csv(file.path(datasets_dir, "HolzingerSwineford1939.csv"))
write_fixture("holzinger", "HolzingerSwineford1939.csv", hs[, paste0("x", 1:9)], list(),
              "x1-x9")

# corp_rep_data: simple-model items; -99 is the missing-value code.
corp <- read.csv(file.path(datasets_dir, "corp_rep_data.csv"))
items <- c("comp_1", "comp_2", "comp_3", "like_1", "like_2", "like_3", "cusa",
           "cusl_1", "cusl_2", "cusl_3")
corp <- corp[, items]
corp[corp == -99] <- NA
write_fixture("corp_rep", "corp_rep_data.csv", corp, list(-99),
              "simple-model items; -99 set to NA before every call")
