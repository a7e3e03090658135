#!/usr/bin/env Rscript
# Reference fixture for the option the one ordinal pipeline gained for several groups
# (tests/test_ordinal_one_pipeline.py): orthogonal = TRUE in a multi-group WLSMV fit.
#
# Run from the repository root:
#   Rscript tests/reference/make_ordinal_one_pipeline.R [DATASETS_DIR] [FIXTURES_DIR]
# Defaults: DATASETS_DIR = src/loyaltysem/data, FIXTURES_DIR = tests/fixtures/groups_ordinal.
#
# Writes hs_scalar_orthogonal.json for
#   cfa(model, data = hs5, group = "school", ordered = items, estimator = "WLSMV",
#       group.equal = c("thresholds", "loadings"), orthogonal = TRUE)
# with provenance (R, lavaan, jsonlite versions, date, call, syntax), parameterEstimates(fit,
# standardized = TRUE) and fitMeasures(fit). Data: HolzingerSwineford1939 x1-x9 cut into 5
# ordered categories at the quantiles of the whole sample (as make_wlsmv.R and
# make_groups_ordinal.R). Numbers at full precision (digits = NA), NA as null.
# Requires: lavaan, jsonlite (Debian: r-cran-lavaan r-cran-jsonlite).

suppressPackageStartupMessages({
  library(lavaan)
  library(jsonlite)
})

args <- commandArgs(trailingOnly = TRUE)
datasets_dir <- if (length(args) >= 1) args[[1]] else file.path("src", "loyaltysem", "data")
fixtures_dir <- if (length(args) >= 2) args[[2]] else
  file.path("tests", "fixtures", "groups_ordinal")
stopifnot(dir.exists(datasets_dir))
dir.create(fixtures_dir, showWarnings = FALSE, recursive = TRUE)

hs_raw <- read.csv(file.path(datasets_dir, "HolzingerSwineford1939.csv"))
cut5 <- function(v) cut(v, breaks = quantile(v, probs = seq(0, 1, 0.2)),
                        include.lowest = TRUE, labels = FALSE)
hs5 <- as.data.frame(lapply(hs_raw[, paste0("x", 1:9)], cut5))
hs5$school <- hs_raw$school
items <- paste0("x", 1:9)
model <- "
visual  =~ x1 + x2 + x3
textual =~ x4 + x5 + x6
speed   =~ x7 + x8 + x9
"
group_equal <- c("thresholds", "loadings")
fit <- cfa(model, data = hs5, group = "school", ordered = items, estimator = "WLSMV",
           group.equal = group_equal, orthogonal = TRUE)

pe <- parameterEstimates(fit, standardized = TRUE)
pe <- as.data.frame(pe, stringsAsFactors = FALSE)
for (col in names(pe)) attributes(pe[[col]]) <- NULL
fixture <- list(
  provenance = list(
    generator = "tests/reference/make_ordinal_one_pipeline.R",
    r_version = R.version.string,
    lavaan_version = as.character(packageVersion("lavaan")),
    jsonlite_version = as.character(packageVersion("jsonlite")),
    date = format(Sys.time(), "%Y-%m-%d %H:%M:%S %Z"),
    data_file = "HolzingerSwineford1939.csv",
    call = paste0("cfa(model, data = hs5, group = \"school\", ordered = items, ",
                  "estimator = \"WLSMV\", group.equal = c(\"thresholds\", \"loadings\"), ",
                  "orthogonal = TRUE)"),
    model_syntax = model,
    group = "school",
    group_equal = I(group_equal)
  ),
  ordered = I(items),
  group_labels = I(lavInspect(fit, "group.label")),
  converged = lavInspect(fit, "converged"),
  parameter_estimates = pe,
  fit_measures = as.list(unclass(fitMeasures(fit)))
)
path <- file.path(fixtures_dir, "hs_scalar_orthogonal.json")
writeLines(toJSON(fixture, digits = NA, auto_unbox = TRUE, na = "null", pretty = TRUE,
                  null = "null", dataframe = "columns"), path)
message("wrote ", path)
