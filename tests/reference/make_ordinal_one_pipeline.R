#!/usr/bin/env Rscript
# Reference fixtures for what the one ordinal pipeline gained (tests/test_ordinal_one_pipeline.py):
#   - hs_scalar_orthogonal.json: orthogonal = TRUE in a multi-group WLSMV fit (the single-group
#     option, now in every group):
#       cfa(model, data = hs5, group = "school", ordered = items, estimator = "WLSMV",
#           group.equal = c("thresholds", "loadings"), orthogonal = TRUE)
#     HolzingerSwineford1939 x1-x9 cut into 5 ordered categories at the quantiles of the
#     whole sample (as make_wlsmv.R and make_groups_ordinal.R);
#   - theta_equal_loadings_sem.json: the single-group theta parameterization of the model
#     whose principal-component start fails (make_convergence_groups.R,
#     wlsmv_equal_loadings_sem), now fitted from lavaan's starts as delta is:
#       sem(model, data, ordered = items, parameterization = "theta")
#     on tests/data/ecommerce_rep_sat_loy.csv.
# Each holds provenance (R, lavaan, jsonlite versions, date, call, syntax),
# parameterEstimates(fit, standardized = TRUE) and fitMeasures(fit). Numbers at full precision
# (digits = NA), NA as null.
#
# Run from the repository root:
#   Rscript tests/reference/make_ordinal_one_pipeline.R [DATA_DIR] [FIXTURES_DIR]
# Defaults: DATA_DIR = src/loyaltysem/data, FIXTURES_DIR = tests/fixtures/ordinal_one_pipeline.
# Requires: lavaan, jsonlite (Debian: r-cran-lavaan r-cran-jsonlite).

suppressPackageStartupMessages({
  library(lavaan)
  library(jsonlite)
})

args <- commandArgs(trailingOnly = TRUE)
datasets_dir <- if (length(args) >= 1) args[[1]] else file.path("src", "loyaltysem", "data")
fixtures_dir <- if (length(args) >= 2) args[[2]] else
  file.path("tests", "fixtures", "ordinal_one_pipeline")
stopifnot(dir.exists(datasets_dir))
dir.create(fixtures_dir, showWarnings = FALSE, recursive = TRUE)

write_fixture <- function(name, fit, data_file, call, model, extra = list()) {
  pe <- as.data.frame(parameterEstimates(fit, standardized = TRUE), stringsAsFactors = FALSE)
  for (col in names(pe)) attributes(pe[[col]]) <- NULL
  fixture <- c(list(
    provenance = list(
      generator = "tests/reference/make_ordinal_one_pipeline.R",
      r_version = R.version.string,
      lavaan_version = as.character(packageVersion("lavaan")),
      jsonlite_version = as.character(packageVersion("jsonlite")),
      date = format(Sys.time(), "%Y-%m-%d %H:%M:%S %Z"),
      data_file = data_file,
      call = call,
      model_syntax = model
    ),
    converged = lavInspect(fit, "converged"),
    parameter_estimates = pe,
    fit_measures = as.list(unclass(fitMeasures(fit)))
  ), extra)
  path <- file.path(fixtures_dir, paste0(name, ".json"))
  writeLines(toJSON(fixture, digits = NA, auto_unbox = TRUE, na = "null", pretty = TRUE,
                    null = "null", dataframe = "columns"), path)
  message("wrote ", path)
}

# ------------------------------------------------ orthogonal factors in two groups (WLSMV)
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
write_fixture("hs_scalar_orthogonal", fit, "HolzingerSwineford1939.csv",
              paste0("cfa(model, data = hs5, group = \"school\", ordered = items, ",
                     "estimator = \"WLSMV\", group.equal = c(\"thresholds\", \"loadings\"), ",
                     "orthogonal = TRUE)"),
              model,
              list(ordered = I(items), group = "school", group_equal = I(group_equal),
                   group_labels = I(lavInspect(fit, "group.label"))))

# ------------------------------------- theta: the model whose first start fails (one group)
rsl <- read.csv(file.path("tests", "data", "ecommerce_rep_sat_loy.csv"))
rsl_model <- "REP =~ REP1 + a*REP2 + a*REP3\nSAT =~ SAT1 + SAT2\nLOY =~ LOY2 + LOY4\nSAT ~ REP\nLOY ~ SAT"
rsl_items <- names(rsl)
fit_t <- sem(rsl_model, data = rsl, ordered = rsl_items, parameterization = "theta")
write_fixture("theta_equal_loadings_sem", fit_t, "tests/data/ecommerce_rep_sat_loy.csv",
              "sem(model, data, ordered = items, parameterization = \"theta\")", rsl_model,
              list(ordered = I(rsl_items)))
