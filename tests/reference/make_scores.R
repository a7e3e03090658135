#!/usr/bin/env Rscript
# Reference fixtures for the casewise scores of ML fits: lavaan's lavScores(fit)
# (estfun.lavaan: the derivatives of each respondent's log-likelihood with respect to
# the free parameters at the estimates; issue 14, the kernel interface's casewise scores;
# tests/test_casewise_scores.py).
#
# Run from the repository root:
#   Rscript tests/reference/make_scores.R [DATASETS_DIR] [TESTS_DATA_DIR] [FIXTURES_DIR]
# Defaults: src/loyaltysem/data, tests/data, tests/fixtures/scores.
#
# Writes one JSON per fit: provenance (R, lavaan, jsonlite versions, date, call, syntax),
# the free parameters' names and estimates (coef(fit)), the row numbers of the data each
# row of scores belongs to (lavInspect(fit, "case.idx"), 1-based, in the order lavaan
# stacks the groups) and lavScores(fit) at full precision.
# Requires: lavaan, jsonlite (Debian: r-cran-lavaan r-cran-jsonlite).

suppressPackageStartupMessages({
  library(lavaan)
  library(jsonlite)
})

args <- commandArgs(trailingOnly = TRUE)
datasets_dir <- if (length(args) >= 1) args[[1]] else file.path("src", "loyaltysem", "data")
tests_data <- if (length(args) >= 2) args[[2]] else file.path("tests", "data")
fixtures_dir <- if (length(args) >= 3) args[[3]] else file.path("tests", "fixtures", "scores")
dir.create(fixtures_dir, showWarnings = FALSE, recursive = TRUE)

hs_file <- "HolzingerSwineford1939.csv"
pd_file <- "PoliticalDemocracy.csv"
mcar_file <- "corp_rep_data2_mcar.csv"
hs <- read.csv(file.path(datasets_dir, hs_file))
pd <- read.csv(file.path(datasets_dir, pd_file))
mcar <- read.csv(file.path(tests_data, mcar_file))

hs_model <- "visual =~ x1 + x2 + x3\ntextual =~ x4 + x5 + x6\nspeed =~ x7 + x8 + x9"
pd_model <- paste(
  "ind60 =~ x1 + x2 + x3",
  "dem60 =~ y1 + a*y2 + b*y3 + c*y4",
  "dem65 =~ y5 + a*y6 + b*y7 + c*y8",
  "dem60 ~ ind60",
  "dem65 ~ ind60 + dem60",
  "y1 ~~ y5",
  "y2 ~~ y4 + y6",
  "y3 ~~ y7",
  "y4 ~~ y8",
  "y6 ~~ y8",
  sep = "\n"
)
mcar_model <- "COMP =~ comp_1 + comp_3\nPERF =~ perf_1 + perf_3 + perf_4\nCUSL =~ cusl_1 + cusl_3\nCUSL ~ COMP + PERF"

cases <- list(
  hs_cfa = list(data = "hs", file = hs_file, syntax = hs_model,
                call = "cfa(syntax, data = hs)",
                fit = function() cfa(hs_model, data = hs)),
  hs_cfa_means = list(data = "hs", file = hs_file, syntax = hs_model,
                      call = "cfa(syntax, data = hs, meanstructure = TRUE)",
                      fit = function() cfa(hs_model, data = hs, meanstructure = TRUE)),
  poldem_sem_labels = list(data = "pd", file = pd_file, syntax = pd_model,
                           call = "sem(syntax, data = pd)",
                           fit = function() sem(pd_model, data = pd)),
  hs_groups_loadings = list(data = "hs", file = hs_file, syntax = hs_model,
                            call = "cfa(syntax, data = hs, group = 'school', group.equal = 'loadings')",
                            fit = function() cfa(hs_model, data = hs, group = "school",
                                                 group.equal = "loadings")),
  mcar_fiml = list(data = "mcar", file = mcar_file, syntax = mcar_model,
                   call = "sem(syntax, data = mcar, missing = 'ml')",
                   fit = function() sem(mcar_model, data = mcar, missing = "ml"))
)

for (name in names(cases)) {
  case <- cases[[name]]
  fit <- case$fit()
  sc <- lavScores(fit)
  idx <- lavInspect(fit, "case.idx")
  if (is.list(idx)) idx <- unlist(idx, use.names = FALSE)
  fixture <- list(
    provenance = list(
      generator = "tests/reference/make_scores.R",
      r_version = R.version.string,
      lavaan_version = as.character(packageVersion("lavaan")),
      jsonlite_version = as.character(packageVersion("jsonlite")),
      date = format(Sys.time(), "%Y-%m-%d %H:%M:%S %Z"),
      data_file = case$file,
      call = case$call,
      model_syntax = case$syntax
    ),
    converged = lavInspect(fit, "converged"),
    coef_names = names(coef(fit)),
    coef = unname(coef(fit)),
    case_idx = as.integer(idx),
    scores = unname(sc)
  )
  path <- file.path(fixtures_dir, paste0(name, ".json"))
  writeLines(toJSON(fixture, auto_unbox = TRUE, digits = NA, na = "null", matrix = "rowmajor"), path)
  cat("wrote", path, "\n")
}
