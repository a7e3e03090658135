#!/usr/bin/env Rscript
# Reference fixtures for the mean structure and the robust ML estimators (MLM, MLR) of
# loyaltysem.fit() (tests/test_robust.py).
#
# Run from the repository root (data: the packaged copies in src/loyaltysem/data):
#   Rscript tests/reference/make_robust.R [DATASETS_DIR] [FIXTURES_DIR]
# Defaults: DATASETS_DIR = src/loyaltysem/data, FIXTURES_DIR = tests/fixtures/estimation.
#
# Writes one JSON file per fitted model:
#   - meanstructure_<name>.json: ML with meanstructure = TRUE (or '~ 1' in the syntax);
#   - robust_<name>_<mlm|mlr>.json: estimator = "MLM" (se = "robust.sem",
#     test = "satorra.bentler") and estimator = "MLR" (se = "robust.huber.white",
#     information = "observed", observed.information = "hessian",
#     test = "yuan.bentler.mplus"), lavaan's defaults for these estimators.
# Each holds provenance (R, lavaan, jsonlite versions, date, call, syntax), the options
# lavaan resolved (lavInspect(fit, "options")), parameterEstimates(fit, standardized =
# TRUE), standardizedSolution(fit) (std.all with its delta-method SEs from the robust
# vcov), fitMeasures(fit) (every measure, named), lavInspect(fit, "rsquare"), the
# implied moments and resid(fit, type = "standardized")$cov (for robust fits: the ADF
# covariance of the moments, lav_residuals_acov). Numbers at full precision (digits = NA), NA as null.
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
  fixture <- list(
    provenance = list(
      generator = "tests/reference/make_robust.R",
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
    implied_cov = mat_json(implied$cov),
    implied_mean = if (is.null(implied$mean)) NULL else as.list(unclass(implied$mean)),
    standardized_residuals = mat_json(resid(fit, type = "standardized")$cov)
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

hs_model <- "
visual  =~ x1 + x2 + x3
textual =~ x4 + x5 + x6
speed   =~ x7 + x8 + x9
"
pd_model <- "
# measurement model
ind60 =~ x1 + x2 + x3
dem60 =~ y1 + y2 + y3 + y4
dem65 =~ y5 + y6 + y7 + y8
# regressions
dem60 ~ ind60
dem65 ~ ind60 + dem60
# residual correlations
y1 ~~ y5
y2 ~~ y4 + y6
y3 ~~ y7
y4 ~~ y8
y6 ~~ y8
"
# the bundled survey as make_estimation.R loads it (codebook: -99 missing, LOY4 reversed)
package_data <- file.path("src", "loyaltysem", "data")
ecom <- read.csv(file.path(package_data, "ecommerce.csv"))
items <- setdiff(names(ecom), c("respondent_id", "wave", "gender", "platform", "age"))
for (v in items) ecom[[v]][ecom[[v]] == -99] <- NA
ecom$LOY4 <- 8 - ecom$LOY4
ecom_model <- jsonlite::fromJSON(
  file.path("tests", "fixtures", "estimation", "ecommerce_default.json")
)$provenance$model_syntax

# ------------------------------------------------------------- mean structure (ML)
fit <- cfa(hs_model, data = hs, meanstructure = TRUE)
write_fixture("meanstructure_hs_cfa", fit, "HolzingerSwineford1939.csv",
              "cfa(model, data = hs, meanstructure = TRUE)", hs_model,
              "3-factor CFA with free observed intercepts (saturated means), latent means 0")

hs_means_model <- "
visual  =~ x1 + x2 + x3
textual =~ x4 + x5 + x6
x1 ~ 0*1
x4 ~ 0*1
x2 ~ a*1
x3 ~ a*1
visual ~ 1
textual ~ 1
"
fit <- cfa(hs_means_model, data = hs)
write_fixture("meanstructure_hs_latent_means", fit, "HolzingerSwineford1939.csv",
              "cfa(model, data = hs)", hs_means_model,
              paste("latent means identified by marker intercepts fixed at 0; two intercepts",
                    "equal (label a): the means are restricted (df 1 more than covariances)"))

pd_means_model <- paste0(pd_model, "dem60 ~ 1\ny1 ~ 0*1\n")
fit <- sem(pd_means_model, data = pd)
write_fixture("meanstructure_poldem_sem", fit, "PoliticalDemocracy.csv",
              "sem(model, data = pd)", pd_means_model,
              "structural model with a latent intercept (dem60 ~ 1, its marker intercept 0)")

hs_x_model <- "
visual  =~ x1 + x2 + x3
textual =~ x4 + x5 + x6
visual + textual ~ ageyr
"
fit <- sem(hs_x_model, data = hs, meanstructure = TRUE)
write_fixture("meanstructure_hs_fixed_x", fit, "HolzingerSwineford1939.csv",
              "sem(model, data = hs, meanstructure = TRUE)", hs_x_model,
              "fixed.x covariate with a mean structure: its mean and variance fixed, not fitted")

# ------------------------------------------------------------------ robust ML
cases <- list(
  list(name = "hs_cfa", model = hs_model, data = "hs", file = "HolzingerSwineford1939.csv",
       fun = "cfa"),
  list(name = "poldem_sem", model = pd_model, data = "pd", file = "PoliticalDemocracy.csv",
       fun = "sem"),
  list(name = "ecommerce_default", model = ecom_model, data = "ecom",
       file = "src/loyaltysem/data/ecommerce.csv", fun = "sem")
)
for (cs in cases) {
  for (est in c("MLM", "MLR")) {
    data <- get(cs$data)
    fit <- do.call(cs$fun, list(model = cs$model, data = data, estimator = est))
    write_fixture(paste0("robust_", cs$name, "_", tolower(est)), fit, cs$file,
                  paste0(cs$fun, "(model, data = ", cs$data, ", estimator = \"", est, "\")"),
                  cs$model, paste("lavaan defaults for", est))
  }
}
fit <- cfa(hs_model, data = hs, estimator = "MLR", meanstructure = TRUE)
write_fixture("robust_hs_cfa_mlr_meanstructure", fit, "HolzingerSwineford1939.csv",
              "cfa(model, data = hs, estimator = \"MLR\", meanstructure = TRUE)", hs_model,
              "MLR with a mean structure: casewise scores and Gamma include the means")
fit <- cfa(hs_model, data = hs, estimator = "MLM", meanstructure = TRUE)
write_fixture("robust_hs_cfa_mlm_meanstructure", fit, "HolzingerSwineford1939.csv",
              "cfa(model, data = hs, estimator = \"MLM\", meanstructure = TRUE)", hs_model,
              "MLM with a mean structure")

# ---------------------------------------- ML with other standard errors, MLR expected
fit <- cfa(hs_model, data = hs, information = "observed")
write_fixture("robust_hs_cfa_ml_observed", fit, "HolzingerSwineford1939.csv",
              "cfa(model, data = hs, information = \"observed\")", hs_model,
              "ML, standard errors from the observed information (numerical Hessian)")
fit <- cfa(hs_model, data = hs, se = "robust")
write_fixture("robust_hs_cfa_ml_se_robust", fit, "HolzingerSwineford1939.csv",
              "cfa(model, data = hs, se = \"robust\")", hs_model,
              "ML with se = \"robust\" (robust.sem), standard test")
fit <- cfa(hs_model, data = hs, estimator = "MLR", information = "expected")
write_fixture("robust_hs_cfa_mlr_expected", fit, "HolzingerSwineford1939.csv",
              "cfa(model, data = hs, estimator = \"MLR\", information = \"expected\")",
              hs_model, "MLR with the expected information in the sandwich and the trace")
