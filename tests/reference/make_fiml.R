#!/usr/bin/env Rscript
# Reference fixtures for full-information ML, fit(..., missing = "ml")
# (tests/test_fiml.py).
#
# Run from the repository root (data: the packaged copies in src/loyaltysem/data):
#   Rscript tests/reference/make_fiml.R
# Writes tests/fixtures/estimation/fiml_<name>.json, one per fitted model, each with
#   - provenance (R, lavaan, jsonlite versions, date, call, syntax, how the data were made);
#   - the data as used (NA = missing), so that Python reads exactly the same cells
#     (R's random number generator is not reproduced in Python);
#   - the options lavaan resolved (estimator, missing, se, information, ...);
#   - parameterEstimates(fit, standardized = TRUE), standardizedSolution(fit) (std.all
#     with delta-method SEs), fitMeasures(fit) (every measure, named),
#     lavInspect(fit, "rsquare"), the implied moments, the EM (h1) moments
#     lavInspect(fit, "sampstat.h1"), resid(fit, "raw"), resid(fit, "standardized") and
#     modindices(fit) (all rows,
#     largest first; lavaan's default information = "expected").
# Cases: Holzinger-Swineford x1..x9 with 10 % of the cells missing completely at random
# (the seed of make_missing.R), the Political Democracy SEM with 10 % MCAR cells, the
# bundled e-commerce survey with its own missing answers and with 10 % MCAR cells added; a CFA
# with an observed covariate (missing = "ml", which deletes rows missing the covariate, and
# "ml.x"); ML with pairwise-present covariances (missing = "pairwise");
# ML with lavaan's defaults for missing = "ml" (observed information, Hessian), ML with
# the expected information, and MLR.
# Numbers at full precision (digits = NA), NA as null.
# Requires: lavaan, jsonlite (Debian: r-cran-lavaan r-cran-jsonlite).

suppressPackageStartupMessages({
  library(lavaan)
  library(jsonlite)
})

datasets_dir <- file.path("src", "loyaltysem", "data")
package_data <- file.path("src", "loyaltysem", "data")
out_dir <- file.path("tests", "fixtures", "estimation")
stopifnot(dir.exists(datasets_dir), dir.exists(package_data), dir.exists(out_dir))

df_json <- function(d) {
  d <- as.data.frame(d, stringsAsFactors = FALSE)
  rownames(d) <- NULL
  for (col in names(d)) {
    if (is.factor(d[[col]])) d[[col]] <- as.character(d[[col]])
    attributes(d[[col]]) <- NULL
  }
  d
}

mat_json <- function(m) {
  m <- as.matrix(m)
  values <- lapply(seq_len(nrow(m)), function(i) unname(as.numeric(m[i, ])))
  list(names = rownames(m), values = values)
}

write_fixture <- function(name, fit, data, data_note, call, syntax) {
  opt <- lavInspect(fit, "options")
  implied <- fitted(fit)
  h1 <- tryCatch(lavInspect(fit, "sampstat.h1"), error = function(e) NULL)
  if (is.null(h1) || is.null(h1$cov)) h1 <- lavInspect(fit, "sampstat")  # no EM (pairwise)
  res <- resid(fit, type = "raw")
  sres <- resid(fit, type = "standardized")
  fixture <- list(
    provenance = list(
      generator = "tests/reference/make_fiml.R",
      r_version = R.version.string,
      lavaan_version = as.character(packageVersion("lavaan")),
      jsonlite_version = as.character(packageVersion("jsonlite")),
      date = format(Sys.time(), "%Y-%m-%d %H:%M:%S %Z"),
      data_note = data_note,
      call = call,
      model_syntax = syntax
    ),
    model_name = name,
    options = list(
      estimator = opt$estimator,
      missing = opt$missing,
      meanstructure = opt$meanstructure,
      se = opt$se,
      test = I(opt$test),
      information = I(opt$information),
      observed.information = I(opt$observed.information),
      h1.information = I(opt$h1.information),
      fixed.x = opt$fixed.x,
      std.lv = opt$std.lv
    ),
    items = I(colnames(data)),
    data = unname(as.matrix(data)),
    nobs = lavInspect(fit, "nobs"),
    ntotal = lavInspect(fit, "ntotal"),
    npar = lavInspect(fit, "npar"),
    converged = lavInspect(fit, "converged"),
    names = list(ov = I(lavNames(fit, "ov")), lv = I(lavNames(fit, "lv"))),
    parameter_estimates = df_json(parameterEstimates(fit, standardized = TRUE)),
    standardized_solution = df_json(standardizedSolution(fit, type = "std.all")),
    fit_measures = as.list(unclass(fitMeasures(fit))),
    rsquare = as.list(unclass(lavInspect(fit, "rsquare"))),
    implied_cov = mat_json(implied$cov),
    implied_mean = as.list(unclass(implied$mean)),
    h1_cov = mat_json(h1$cov),
    h1_mean = as.list(unclass(h1$mean)),
    residual_cov = mat_json(res$cov),
    residual_mean = as.list(unclass(res$mean)),
    standardized_residual_cov = mat_json(sres$cov),
    standardized_residual_mean = as.list(unclass(sres$mean)),
    modindices = df_json(modindices(fit, sort. = TRUE)[, c("lhs", "op", "rhs", "mi", "epc",
                                                           "sepc.lv", "sepc.all", "sepc.nox")])
  )
  path <- file.path(out_dir, paste0(name, ".json"))
  writeLines(
    toJSON(fixture, digits = NA, auto_unbox = TRUE, na = "null", pretty = FALSE, null = "null"),
    path
  )
  message("wrote ", path)
}

mcar <- function(d, seed, rate = 0.10) {
  set.seed(seed)
  d[matrix(runif(nrow(d) * ncol(d)) < rate, nrow(d), ncol(d))] <- NA
  d
}

hs_model <- "visual =~ x1 + x2 + x3\ntextual =~ x4 + x5 + x6\nspeed =~ x7 + x8 + x9"
pd_model <- "
ind60 =~ x1 + x2 + x3
dem60 =~ y1 + y2 + y3 + y4
dem65 =~ y5 + y6 + y7 + y8
dem60 ~ ind60
dem65 ~ ind60 + dem60
y1 ~~ y5
y2 ~~ y4 + y6
y3 ~~ y7
y4 ~~ y8
y6 ~~ y8
"

# Holzinger-Swineford: exactly the cells of make_missing.R (hs_mcar10)
hs <- read.csv(file.path(datasets_dir, "HolzingerSwineford1939.csv"))[, paste0("x", 1:9)]
hs <- mcar(hs, 20261122)
hs_note <- "HolzingerSwineford1939.csv x1..x9; set.seed(20261122); each cell NA with probability 0.10"

pd <- read.csv(file.path(datasets_dir, "PoliticalDemocracy.csv"))
pd <- pd[, c(paste0("y", 1:8), paste0("x", 1:3))]
pd <- mcar(pd, 20261201)
pd_note <- "PoliticalDemocracy.csv y1..y8, x1..x3; set.seed(20261201); each cell NA with probability 0.10"

# the bundled survey (codebook: -99 missing, LOY4 reversed as 8 - x)
ecom <- read.csv(file.path(package_data, "ecommerce.csv"))
items <- setdiff(names(ecom), c("respondent_id", "wave", "gender", "platform", "age"))
ecom <- ecom[, items]
ecom[ecom == -99] <- NA
ecom$LOY4 <- 8 - ecom$LOY4
ecom_note <- "src/loyaltysem/data/ecommerce.csv items; -99 -> NA; LOY4 as 8 - x"
ecom10 <- mcar(ecom, 20261202)
ecom10_note <- paste(ecom_note, "; then set.seed(20261202), each cell NA with probability 0.10")
ecom_model <- fromJSON(file.path(out_dir, "ecommerce_default.json"))$provenance$model_syntax

fit <- cfa(hs_model, data = hs, missing = "ml")
write_fixture("fiml_hs_cfa", fit, hs, hs_note, "cfa(model, data = hs, missing = \"ml\")",
              hs_model)
fit <- cfa(hs_model, data = hs, missing = "ml", information = "expected")
write_fixture("fiml_hs_cfa_expected", fit, hs, hs_note,
              "cfa(model, data = hs, missing = \"ml\", information = \"expected\")", hs_model)
fit <- cfa(hs_model, data = hs, missing = "ml", std.lv = TRUE)
write_fixture("fiml_hs_cfa_std_lv", fit, hs, hs_note,
              "cfa(model, data = hs, missing = \"ml\", std.lv = TRUE)", hs_model)
fit <- cfa(hs_model, data = hs, missing = "ml", estimator = "MLR")
write_fixture("fiml_hs_cfa_mlr", fit, hs, hs_note,
              "cfa(model, data = hs, missing = \"ml\", estimator = \"MLR\")", hs_model)
fit <- sem(pd_model, data = pd, missing = "ml")
write_fixture("fiml_poldem_sem", fit, pd, pd_note, "sem(model, data = pd, missing = \"ml\")",
              pd_model)
fit <- sem(pd_model, data = pd, missing = "ml", estimator = "MLR")
write_fixture("fiml_poldem_sem_mlr", fit, pd, pd_note,
              "sem(model, data = pd, missing = \"ml\", estimator = \"MLR\")", pd_model)
# an observed covariate (fixed.x = TRUE): missing = "ml" deletes the rows missing it,
# missing = "ml.x" keeps them (the covariate's moments fixed at their EM estimates)
hsx <- read.csv(file.path(datasets_dir, "HolzingerSwineford1939.csv"))[, c(paste0("x", 1:6), "ageyr")]
hsx <- mcar(hsx, 20261203)
hsx_note <- "HolzingerSwineford1939.csv x1..x6, ageyr; set.seed(20261203); each cell NA with probability 0.10"
hsx_model <- "visual =~ x1 + x2 + x3\ntextual =~ x4 + x5 + x6\nvisual + textual ~ ageyr"
fit <- sem(hsx_model, data = hsx, missing = "ml")
write_fixture("fiml_hs_fixed_x", fit, hsx, hsx_note, "sem(model, data = hsx, missing = \"ml\")",
              hsx_model)
fit <- sem(hsx_model, data = hsx, missing = "ml.x")
write_fixture("fiml_hs_ml_x", fit, hsx, hsx_note, "sem(model, data = hsx, missing = \"ml.x\")",
              hsx_model)
# ML with pairwise-present covariances
fit <- cfa(hs_model, data = hs, missing = "pairwise")
write_fixture("pairwise_hs_cfa", fit, hs, hs_note, "cfa(model, data = hs, missing = \"pairwise\")",
              hs_model)

fit <- sem(ecom_model, data = ecom, missing = "ml")
write_fixture("fiml_ecommerce_default", fit, ecom, ecom_note,
              "sem(model, data = ecom, missing = \"ml\")", ecom_model)
fit <- sem(ecom_model, data = ecom10, missing = "ml")
write_fixture("fiml_ecommerce_default_mcar10", fit, ecom10, ecom10_note,
              "sem(model, data = ecom10, missing = \"ml\")", ecom_model)
fit <- sem(ecom_model, data = ecom10, missing = "ml", estimator = "MLR")
write_fixture("fiml_ecommerce_default_mcar10_mlr", fit, ecom10, ecom10_note,
              "sem(model, data = ecom10, missing = \"ml\", estimator = \"MLR\")", ecom_model)
