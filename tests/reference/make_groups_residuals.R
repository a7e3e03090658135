#!/usr/bin/env Rscript
# Reference fixtures for the residuals of multi-group fits
# (loyaltysem MultiGroupResult.residuals; tests/test_groups.py).
#
# Run from the repository root (data: the packaged copies in src/loyaltysem/data):
#   Rscript tests/reference/make_groups_residuals.R
# Writes tests/fixtures/groups/residuals_<name>.json: for each fit, per group (in lavaan's
# group order) the covariance residuals of residuals(fit, type = "raw"), "cor.bollen" and
# "standardized" (lavaan 0.6.14 computes the standardized ones group by group,
# lav_residuals_acov), with the call, the syntax, the group.equal and the R, lavaan and
# jsonlite versions. Numbers at full precision (digits = NA), NA as null.
# Requires: lavaan, jsonlite (Debian: r-cran-lavaan r-cran-jsonlite).

suppressPackageStartupMessages({
  library(lavaan)
  library(jsonlite)
})

datasets_dir <- file.path("src", "loyaltysem", "data")
fixtures_dir <- file.path("tests", "fixtures", "groups")

hs <- read.csv(file.path(datasets_dir, "HolzingerSwineford1939.csv"))
hs_model <- "visual =~ x1 + x2 + x3\ntextual =~ x4 + x5 + x6\nspeed =~ x7 + x8 + x9\n"
package_data <- file.path("src", "loyaltysem", "data")
ecom <- read.csv(file.path(package_data, "ecommerce.csv"))
items <- setdiff(names(ecom), c("respondent_id", "wave", "gender", "platform", "age"))
for (v in items) ecom[[v]][ecom[[v]] == -99] <- NA
ecom$LOY4 <- 8 - ecom$LOY4
ecom_model <- paste("TRU =~ TRU1 + TRU2 + TRU3", "SAT =~ SAT1 + SAT2 + SAT3",
                    "LOY =~ LOY1 + LOY2 + LOY3 + LOY4", sep = "\n")

case <- function(name, syntax, data, data_file, group, group_equal = character(0),
                 estimator = "ML", missing = NULL, data_note = NULL) {
  args <- list(model = syntax, data = data, group = group, estimator = estimator)
  if (length(group_equal)) args$group.equal <- group_equal
  if (!is.null(missing)) args$missing <- missing
  fit <- do.call("cfa", args)
  labels <- lavInspect(fit, "group.label")
  grab <- function(type) {
    r <- residuals(fit, type = type)
    setNames(lapply(r, function(g) unname(as.matrix(g$cov))), labels)
  }
  out <- list(
    provenance = list(
      generator = "tests/reference/make_groups_residuals.R",
      r_version = R.version.string,
      lavaan_version = as.character(packageVersion("lavaan")),
      jsonlite_version = as.character(packageVersion("jsonlite")),
      date = format(Sys.time(), "%Y-%m-%d %H:%M:%S %Z"),
      data_file = data_file,
      call = paste0("residuals(cfa(model, data, group = \"", group, "\", group.equal = ",
                    paste(deparse(group_equal), collapse = ""), ", estimator = \"", estimator,
                    if (is.null(missing)) "" else paste0("\", missing = \"", missing),
                    "\"), type = ...)"),
      model_syntax = syntax,
      group = group,
      group_equal = I(group_equal),
      estimator = estimator
    ),
    group_labels = I(labels),
    variables = I(lavNames(fit, "ov")),
    raw = grab("raw"),
    cor = grab("cor.bollen"),
    standardized = grab("standardized")
  )
  if (!is.null(missing)) out$provenance$missing <- missing
  if (!is.null(data_note)) out$provenance$data_note <- data_note
  path <- file.path(fixtures_dir, paste0("residuals_", name, ".json"))
  writeLines(toJSON(out, digits = NA, auto_unbox = TRUE, na = "null", pretty = FALSE), path)
  message("wrote ", path)
}

case("hs_configural", hs_model, hs, "HolzingerSwineford1939.csv", "school")
case("hs_metric", hs_model, hs, "HolzingerSwineford1939.csv", "school", "loadings")
case("hs_scalar_mlr", hs_model, hs, "HolzingerSwineford1939.csv", "school",
     c("loadings", "intercepts"), estimator = "MLR")
case("hs_metric_mlm", hs_model, hs, "HolzingerSwineford1939.csv", "school", "loadings",
     estimator = "MLM")
case("ecommerce_metric", ecom_model, ecom, "src/loyaltysem/data/ecommerce.csv", "wave",
     "loadings")

# Full-information ML (missing = "ml", information = "observed"): the survey's own missing
# answers (-99), by wave; residuals of the EM saturated moments.
case("ecommerce_metric_fiml", ecom_model, ecom, "src/loyaltysem/data/ecommerce.csv", "wave",
     "loadings", missing = "ml")
case("ecommerce_metric_fiml_mlr", ecom_model, ecom, "src/loyaltysem/data/ecommerce.csv",
     "wave", "loadings", estimator = "MLR", missing = "ml")
# A fixed.x covariate (ageyr; its moments carry no information), complete data.
hs_x_model <- "visual =~ x1 + x2 + x3\ntextual =~ x4 + x5 + x6\nvisual + textual ~ ageyr"
case("hs_fixed_x", hs_x_model, hs, "HolzingerSwineford1939.csv", "school", "loadings")
# The covariate with missing data: make_groups_fiml_x.R's hsx (x1..x6, ageyr; each cell NA
# with probability 0.10, set.seed(20261203); the rows are its fixture's "data").
set.seed(20261203)
hsx <- hs[, c(paste0("x", 1:6), "ageyr")]
hsx[matrix(runif(nrow(hsx) * ncol(hsx)) < 0.10, nrow(hsx), ncol(hsx))] <- NA
hsx$school <- hs$school
hsx_note <- "hsx of make_groups_fiml_x.R (the data of tests/fixtures/groups/hs_fixed_x_ml.json)"
case("hs_fixed_x_fiml", hs_x_model, hsx, "HolzingerSwineford1939.csv", "school", "loadings",
     missing = "ml", data_note = hsx_note)
case("hs_fixed_x_fiml_mlr", hs_x_model, hsx, "HolzingerSwineford1939.csv", "school",
     "loadings", estimator = "MLR", missing = "ml", data_note = hsx_note)
case("hs_fixed_x_fiml_x", hs_x_model, hsx, "HolzingerSwineford1939.csv", "school",
     "loadings", missing = "ml.x", data_note = hsx_note)
