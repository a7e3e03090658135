#!/usr/bin/env Rscript
# Reference fixtures for the robust ML estimators (MLM, MLR) of loyaltysem.fit() with
# exogenous observed covariates under fixed.x = TRUE (lavaan's default) -- issue 14
# (tests/test_robust_fixedx.py).
#
# Run from the repository root (data: the packaged copies in src/loyaltysem/data):
#   Rscript tests/reference/make_robust_fixedx.R [DATASETS_DIR] [FIXTURES_DIR]
# Defaults: DATASETS_DIR = src/loyaltysem/data, FIXTURES_DIR = tests/fixtures/estimation.
#
# Writes robust_fixedx_<name>_<mlm|mlr>[_means].json, one per fitted model, in the format
# of make_robust.R: provenance (R, lavaan, jsonlite versions, date, call, syntax), the
# options lavaan resolved, parameterEstimates(fit, standardized = TRUE),
# standardizedSolution(fit), fitMeasures(fit) (every measure, named; chisq.scaled,
# chisq.scaling.factor, cfi.robust, rmsea.robust, ...), lavInspect(fit, "rsquare"), the
# implied moments and the standardized residuals. With fixed.x = TRUE lavaan computes
# Gamma from the residuals of the regressions of the other variables on the covariates
# (lav_samplestats_Gamma) and zeroes the covariates' moments in the h1 information.
# Numbers at full precision (digits = NA), NA as null.
# Requires: lavaan, jsonlite (Debian: r-cran-lavaan r-cran-jsonlite).

suppressPackageStartupMessages({
  library(lavaan)
  library(jsonlite)
})

args <- commandArgs(trailingOnly = TRUE)
datasets_dir <- if (length(args) >= 1) args[[1]] else file.path("src", "loyaltysem", "data")
fixtures_dir <- if (length(args) >= 2) args[[2]] else file.path("tests", "fixtures", "estimation")
stopifnot(dir.exists(datasets_dir))
dir.create(fixtures_dir, showWarnings = FALSE, recursive = TRUE)

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

write_fixture <- function(name, fit, data_file, call, syntax, note) {
  opt <- lavInspect(fit, "options")
  implied <- fitted(fit)
  groups <- lavInspect(fit, "ngroups") > 1  # per group: implied moments, no residuals
  fixture <- list(
    provenance = list(
      generator = "tests/reference/make_robust_fixedx.R",
      r_version = R.version.string,
      lavaan_version = as.character(packageVersion("lavaan")),
      jsonlite_version = as.character(packageVersion("jsonlite")),
      date = format(Sys.time(), "%Y-%m-%d %H:%M:%S %Z"),
      data_file = data_file,
      call = call,
      model_syntax = syntax,
      note = note
    ),
    model_name = name,
    options = list(
      estimator = opt$estimator,
      meanstructure = opt$meanstructure,
      se = opt$se,
      test = I(opt$test),
      information = I(opt$information),
      observed.information = I(opt$observed.information),
      h1.information = I(opt$h1.information),
      fixed.x = opt$fixed.x,
      std.lv = opt$std.lv
    ),
    nobs = lavInspect(fit, "nobs"),
    npar = lavInspect(fit, "npar"),
    converged = lavInspect(fit, "converged"),
    names = list(ov = I(lavNames(fit, "ov")), lv = I(lavNames(fit, "lv"))),
    parameter_estimates = df_json(parameterEstimates(fit, standardized = TRUE)),
    standardized_solution = df_json(standardizedSolution(fit, type = "std.all")),
    fit_measures = as.list(unclass(fitMeasures(fit))),
    rsquare = as.list(unclass(lavInspect(fit, "rsquare"))),
    implied_cov = if (groups) lapply(implied, function(g) mat_json(g$cov)) else
      mat_json(implied$cov),
    implied_mean = if (groups) lapply(implied, function(g) as.list(unclass(g$mean))) else
      if (is.null(implied$mean)) NULL else as.list(unclass(implied$mean)),
    standardized_residuals = if (groups) NULL else
      mat_json(resid(fit, type = "standardized")$cov)
  )
  path <- file.path(fixtures_dir, paste0(name, ".json"))
  writeLines(
    jsonlite::toJSON(fixture, digits = NA, auto_unbox = TRUE, na = "null",
                     pretty = TRUE, null = "null"),
    path
  )
  message("wrote ", path)
}

hs <- read.csv(file.path(datasets_dir, "HolzingerSwineford1939.csv"))
pd <- read.csv(file.path(datasets_dir, "PoliticalDemocracy.csv"))
# the bundled survey as make_estimation.R loads it (codebook: -99 missing, LOY4 reversed),
# with gender coded 1 = female, 0 = male
ecom <- read.csv(file.path(datasets_dir, "ecommerce.csv"))
items <- setdiff(names(ecom), c("respondent_id", "wave", "gender", "platform", "age"))
for (v in items) ecom[[v]][ecom[[v]] == -99] <- NA
ecom$LOY4 <- 8 - ecom$LOY4
ecom$female <- as.numeric(ecom$gender == "female")

pd_model <- "
ind60 =~ x2 + x3
dem60 =~ y1 + y2 + y3 + y4
dem65 =~ y5 + y6 + y7 + y8
dem60 ~ ind60 + x1
dem65 ~ ind60 + dem60 + x1
y1 ~~ y5
y2 ~~ y4
"
hs_model <- "
visual  =~ x1 + x2 + x3
textual =~ x4 + x5 + x6
speed   =~ x7 + x8 + x9
visual + textual + speed ~ ageyr + grade
"
ecom_model <- "
TRU =~ TRU1 + TRU2 + TRU3
SAT =~ SAT1 + SAT2 + SAT3
LOY =~ LOY1 + LOY2 + LOY3 + LOY4
SAT ~ TRU + age
LOY ~ SAT + TRU + age + female
"
cases <- list(
  list(name = "poldem", model = pd_model, data = "pd", file = "PoliticalDemocracy.csv",
       note = "x1 an observed predictor (fixed.x)"),
  list(name = "hs", model = hs_model, data = "hs", file = "HolzingerSwineford1939.csv",
       note = "ageyr and grade observed predictors (fixed.x); one row lacks grade (listwise)"),
  list(name = "ecommerce", model = ecom_model, data = "ecom", file = "ecommerce.csv",
       note = "age and female (gender == 'female') observed predictors (fixed.x); listwise")
)
for (cs in cases) {
  for (est in c("MLM", "MLR")) {
    fit <- sem(cs$model, data = get(cs$data), estimator = est)
    write_fixture(paste0("robust_fixedx_", cs$name, "_", tolower(est)), fit, cs$file,
                  paste0("sem(model, data = ", cs$data, ", estimator = \"", est, "\")"),
                  cs$model, paste("lavaan defaults for", est, "with fixed.x = TRUE;", cs$note))
  }
}
for (est in c("MLM", "MLR")) {
  fit <- sem(hs_model, data = hs, estimator = est, meanstructure = TRUE)
  write_fixture(paste0("robust_fixedx_hs_", tolower(est), "_means"), fit,
                "HolzingerSwineford1939.csv",
                paste0("sem(model, data = hs, estimator = \"", est, "\", meanstructure = TRUE)"),
                hs_model, paste(est, "with a mean structure and fixed.x covariates"))
}
# MLR with full-information ML (missing = "ml"): the survey's items have missing answers
fit <- sem(ecom_model, data = ecom, estimator = "MLR", missing = "ml")
write_fixture("robust_fixedx_ecommerce_mlr_fiml", fit, "ecommerce.csv",
              "sem(model, data = ecom, estimator = \"MLR\", missing = \"ml\")", ecom_model,
              "MLR with missing = \"ml\" and fixed.x covariates (age, female; none missing)")
# multi-group (school): the fixed.x Gamma and h1 trace within each group
hs_mg_model <- "
visual  =~ x1 + x2 + x3
textual =~ x4 + x5 + x6
visual + textual ~ ageyr
"
for (est in c("MLM", "MLR")) {
  fit <- sem(hs_mg_model, data = hs, group = "school", estimator = est)
  write_fixture(paste0("robust_fixedx_hs_groups_", tolower(est)), fit,
                "HolzingerSwineford1939.csv",
                paste0("sem(model, data = hs, group = \"school\", estimator = \"", est, "\")"),
                hs_mg_model, paste(est, "by school with the fixed.x covariate ageyr"))
}
