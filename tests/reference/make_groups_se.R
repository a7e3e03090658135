#!/usr/bin/env Rscript
# Reference fixtures for multi-group ML fits with lavaan's se= and information= pairs
# (issue 14: the one pipeline offers several groups every pair it offers one group;
# tests/test_one_pipeline.py).
#
# Run from the repository root (data: the packaged copy in src/loyaltysem/data):
#   Rscript tests/reference/make_groups_se.R [DATASETS_DIR] [FIXTURES_DIR]
# Defaults: DATASETS_DIR = src/loyaltysem/data, FIXTURES_DIR = tests/fixtures/groups_se.
#
# Writes one JSON per fit: provenance (R, lavaan, jsonlite versions, date, call, syntax),
# the se and information lavaan resolved, parameterEstimates(fit) (est, se per group) and
# fitMeasures(fit) (every measure, named). Numbers at full precision, NA as null.
# Requires: lavaan, jsonlite (Debian: r-cran-lavaan r-cran-jsonlite).

suppressPackageStartupMessages({
  library(lavaan)
  library(jsonlite)
})

args <- commandArgs(trailingOnly = TRUE)
datasets_dir <- if (length(args) >= 1) args[[1]] else file.path("src", "loyaltysem", "data")
fixtures_dir <- if (length(args) >= 2) args[[2]] else file.path("tests", "fixtures", "groups_se")
dir.create(fixtures_dir, showWarnings = FALSE, recursive = TRUE)

data_file <- "HolzingerSwineford1939.csv"
hs <- read.csv(file.path(datasets_dir, data_file))
syntax <- "visual =~ x1 + x2 + x3\ntextual =~ x4 + x5 + x6\nspeed =~ x7 + x8 + x9"

cases <- list(
  hs_ml_huber_white_observed = list(estimator = "ML", se = "robust.huber.white",
                                    information = "observed", group.equal = ""),
  hs_mlr_expected = list(estimator = "MLR", se = NULL, information = "expected",
                         group.equal = "loadings"),
  hs_ml_observed = list(estimator = "ML", se = NULL, information = "observed",
                        group.equal = "loadings")
)

df_json <- function(d) {
  d <- as.data.frame(d, stringsAsFactors = FALSE)
  rownames(d) <- NULL
  for (col in names(d)) {
    if (is.factor(d[[col]])) d[[col]] <- as.character(d[[col]])
    attributes(d[[col]]) <- NULL
  }
  d
}

for (name in names(cases)) {
  case <- cases[[name]]
  se <- if (is.null(case$se)) "default" else case$se  # lavaan's own default for the estimator
  fit <- cfa(syntax, data = hs, group = "school", estimator = case$estimator, se = se,
             information = case$information, group.equal = case$group.equal)
  opt <- lavInspect(fit, "options")
  fm <- fitMeasures(fit)
  fixture <- list(
    provenance = list(
      generator = "tests/reference/make_groups_se.R",
      r_version = R.version.string,
      lavaan_version = as.character(packageVersion("lavaan")),
      jsonlite_version = as.character(packageVersion("jsonlite")),
      date = format(Sys.time(), "%Y-%m-%d %H:%M:%S %Z"),
      data_file = data_file,
      call = sprintf(
        "cfa(syntax, data = hs, group = 'school', estimator = '%s'%s, information = '%s'%s)",
        case$estimator,
        if (is.null(case$se)) "" else sprintf(", se = '%s'", case$se),
        case$information,
        if (nzchar(case$group.equal)) sprintf(", group.equal = '%s'", case$group.equal) else ""
      ),
      model_syntax = syntax
    ),
    options = list(estimator = case$estimator, se = opt$se, information = opt$information[1],
                   group_equal = as.list(setdiff(case$group.equal, ""))),
    parameter_estimates = df_json(parameterEstimates(fit)[, c("lhs", "op", "rhs", "group",
                                                              "est", "se")]),
    fit_measures = as.list(unclass(fm))
  )
  path <- file.path(fixtures_dir, paste0(name, ".json"))
  writeLines(toJSON(fixture, auto_unbox = TRUE, digits = NA, na = "null", pretty = TRUE), path)
  cat("wrote", path, "\n")
}
