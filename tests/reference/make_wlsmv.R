#!/usr/bin/env Rscript
# Reference fixtures for the ordinal estimators (WLSMV, ULSMV) of loyaltysem.sem.ordinal
# (tests/test_wlsmv.py).
#
# Run from the repository root (data: the packaged copies in src/loyaltysem/data):
#   Rscript tests/reference/make_wlsmv.R [--theta-only] [DATASETS_DIR] [FIXTURES_DIR]
# Defaults: DATASETS_DIR = src/loyaltysem/data, FIXTURES_DIR = tests/fixtures/estimation.
# --theta-only writes only the parameterization = "theta" cases (wlsmv_theta_*.json, the
# last part of this script); without it every fixture is written.
#
# Writes one JSON file per fitted model, wlsmv_<name>.json, for
#   sem(model, data, ordered = <all items>, estimator = "WLSMV" | "ULSMV")
# (lavaan's defaults: parameterization = "delta", two-step thresholds and polychoric
# correlations, DWLS / ULS estimates, se = "robust.sem", test = "scaled.shifted",
# listwise deletion; two cases with missing = "pairwise", one of them on HS cut into 5
# categories with 10 % of the cells MCAR, its data stored). Each holds provenance (R,
# lavaan, jsonlite versions, date, call, syntax), the options lavaan resolved (lavInspect(fit, "options")), parTable(fit),
# parameterEstimates(fit, standardized = TRUE), standardizedSolution(fit) (std.all with
# delta-method SEs from the robust vcov), fitMeasures(fit) (every measure, named),
# lavInspect(fit, "rsquare"), the scaled.shifted test (lavInspect(fit, "test"):
# scaling factor, shift parameter, traces of U Gamma and (U Gamma)^2), the sample
# statistics (thresholds, polychoric correlations, diag of WLS.V) and the implied
# correlations and thresholds (fitted(fit)). Numbers at full precision (digits = NA), NA
# as null.
#
# Data:
#   - HolzingerSwineford1939 x1-x9 cut into 5 ordered categories by the rule of
#     tests/reference/make_polychoric.R:
#       cut(v, breaks = quantile(v, probs = seq(0, 1, 0.2)), include.lowest = TRUE,
#           labels = FALSE)
#   - for one case x1-x3 split at the median (2 categories) and x4-x6 at the tertiles (3);
#   - the bundled e-commerce survey as tests/reference/make_robust.R loads it
#     (-99 -> NA, LOY4 reversed as 8 - x), all 29 items ordered.
# Requires: lavaan, jsonlite (Debian: r-cran-lavaan r-cran-jsonlite).

suppressPackageStartupMessages({
  library(lavaan)
  library(jsonlite)
})

args <- commandArgs(trailingOnly = TRUE)
theta_only <- "--theta-only" %in% args
args <- setdiff(args, "--theta-only")
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

named <- function(v) list(names = names(v), values = unname(as.numeric(v)))

write_fixture <- function(name, fit, data_file, call, syntax, note, data = NULL) {
  opt <- lavInspect(fit, "options")
  implied <- fitted(fit)
  sampstat <- lavInspect(fit, "sampstat")
  test <- lavInspect(fit, "test")
  shifted <- test$scaled.shifted
  fixture <- list(
    provenance = list(
      generator = "tests/reference/make_wlsmv.R",
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
      parameterization = opt$parameterization,
      se = opt$se,
      test = I(opt$test),
      information = I(opt$information),
      h1.information = I(opt$h1.information),
      missing = opt$missing,
      std.lv = opt$std.lv
    ),
    nobs = lavInspect(fit, "nobs"),
    npar = lavInspect(fit, "npar"),
    converged = lavInspect(fit, "converged"),
    ordered = I(lavNames(fit, "ov.ord")),
    names = list(ov = I(lavNames(fit, "ov")), lv = I(lavNames(fit, "lv"))),
    partable = df_json(parTable(fit)[, c("id", "lhs", "op", "rhs", "user", "free", "ustart",
                                         "exo", "label", "est", "se")]),
    parameter_estimates = df_json(parameterEstimates(fit, standardized = TRUE)),
    standardized_solution = df_json(standardizedSolution(fit, type = "std.all")),
    fit_measures = as.list(unclass(fitMeasures(fit))),
    rsquare = as.list(unclass(lavInspect(fit, "rsquare"))),
    test = list(
      standard = list(stat = test$standard$stat, df = test$standard$df,
                      pvalue = test$standard$pvalue),
      scaled_shifted = list(stat = shifted$stat, df = shifted$df, pvalue = shifted$pvalue,
                            scaling_factor = shifted$scaling.factor,
                            shift_parameter = shifted$shift.parameter,
                            trace_ugamma = shifted$trace.UGamma,
                            trace_ugamma2 = shifted$trace.UGamma2)
    ),
    sample = list(
      thresholds = named(sampstat$th),
      correlation = mat_json(sampstat$cov),
      wls_v_diag = unname(diag(lavInspect(fit, "WLS.V")))
    ),
    implied = list(
      thresholds = named(implied$th),
      correlation = mat_json(implied$cov)
    )
  )
  if (!is.null(data)) {  # the cells as used (NA = missing): R's RNG is not reproduced in Python
    fixture$items <- I(colnames(data))
    fixture$data <- unname(as.matrix(data))
  }
  path <- file.path(fixtures_dir, paste0(name, ".json"))
  writeLines(
    jsonlite::toJSON(fixture, digits = NA, auto_unbox = TRUE, na = "null",
                     pretty = TRUE, null = "null"),
    path
  )
  message("wrote ", path)
}

# Holzinger-Swineford x1-x9 in quintile categories (rule of make_polychoric.R)
hs <- read.csv(file.path(datasets_dir, "HolzingerSwineford1939.csv"))[, paste0("x", 1:9)]
cut5 <- function(v) cut(v, breaks = quantile(v, probs = seq(0, 1, 0.2)),
                        include.lowest = TRUE, labels = FALSE)
hs5 <- as.data.frame(lapply(hs, cut5))
hs_model <- "
visual  =~ x1 + x2 + x3
textual =~ x4 + x5 + x6
speed   =~ x7 + x8 + x9
"

# the bundled survey as make_robust.R loads it (codebook: -99 missing, LOY4 reversed)
package_data <- file.path("src", "loyaltysem", "data")
ecom <- read.csv(file.path(package_data, "ecommerce.csv"))
items <- setdiff(names(ecom), c("respondent_id", "wave", "gender", "platform", "age"))
for (v in items) ecom[[v]][ecom[[v]] == -99] <- NA
ecom$LOY4 <- 8 - ecom$LOY4
ecom <- ecom[, items]
ecom_default <- jsonlite::fromJSON(
  file.path("tests", "fixtures", "estimation", "ecommerce_default.json")
)$provenance$model_syntax
ecom_cfa <- "
REP =~ REP1 + REP2 + REP3
SEC =~ SEC1 + SEC2 + SEC3
SQ =~ SQ1 + SQ2 + SQ3 + SQ4
PQ =~ PQ1 + PQ2 + PQ3
PRI =~ PRI1 + PRI2 + PRI3
ASS =~ ASS1 + ASS2 + ASS3
TRU =~ TRU1 + TRU2 + TRU3
SAT =~ SAT1 + SAT2 + SAT3
LOY =~ LOY1 + LOY2 + LOY3 + LOY4
"

# items with 2, 3 and 5 categories: x1-x3 split at the median (v > median), x4-x6 at the
# tertiles (the quintile rule with probs = seq(0, 1, 1/3)), x7-x9 in quintiles
cut3 <- function(v) cut(v, breaks = quantile(v, probs = seq(0, 1, 1 / 3)),
                        include.lowest = TRUE, labels = FALSE)
hs_mixed <- hs5
for (v in paste0("x", 1:3)) hs_mixed[[v]] <- as.integer(hs[[v]] > median(hs[[v]])) + 1L
for (v in paste0("x", 4:6)) hs_mixed[[v]] <- cut3(hs[[v]])

if (!theta_only) {
for (est in c("WLSMV", "ULSMV")) {
  fit <- cfa(hs_model, data = hs5, ordered = names(hs5), estimator = est)
  write_fixture(paste0("wlsmv_hs_cfa_", tolower(est)), fit, "HolzingerSwineford1939.csv",
                paste0("cfa(model, data = hs5, ordered = names(hs5), estimator = \"", est,
                       "\")"),
                hs_model, "x1-x9 cut into 5 categories at their quintiles (type 7)")
}
hs_rescov_model <- paste0(hs_model, "x1 ~~ x4\nx7 ~~ x9\n")
fit <- cfa(hs_rescov_model, data = hs5, ordered = names(hs5), estimator = "WLSMV")
write_fixture("wlsmv_hs_cfa_rescov", fit, "HolzingerSwineford1939.csv",
              "cfa(model, data = hs5, ordered = names(hs5), estimator = \"WLSMV\")",
              hs_rescov_model,
              "residual covariances of y* (theta off the diagonal; std.all as correlations)")
fit <- cfa(hs_model, data = hs5, ordered = names(hs5), estimator = "WLSMV", std.lv = TRUE)
write_fixture("wlsmv_hs_cfa_std_lv", fit, "HolzingerSwineford1939.csv",
              paste("cfa(model, data = hs5, ordered = names(hs5), estimator = \"WLSMV\",",
                    "std.lv = TRUE)"),
              hs_model, "latent variances fixed at 1, every loading free")
fit <- cfa(hs_model, data = hs_mixed, ordered = names(hs_mixed), estimator = "WLSMV")
write_fixture("wlsmv_hs_cfa_mixed_categories", fit, "HolzingerSwineford1939.csv",
              "cfa(model, data = hs_mixed, ordered = names(hs_mixed), estimator = \"WLSMV\")",
              hs_model,
              "x1-x3 binary (v > median), x4-x6 tertiles, x7-x9 quintiles")
hs_second_model <- paste0(hs_model, "g =~ visual + textual + speed\nx2 ~~ x3\n")
fit <- cfa(hs_second_model, data = hs5, ordered = names(hs5), estimator = "WLSMV")
write_fixture("wlsmv_hs_second_order", fit, "HolzingerSwineford1939.csv",
              "cfa(model, data = hs5, ordered = names(hs5), estimator = \"WLSMV\")",
              hs_second_model, "second-order factor and a residual covariance of y*")
fit <- cfa(ecom_cfa, data = ecom, ordered = items, estimator = "WLSMV")
write_fixture("wlsmv_ecommerce_cfa", fit, "src/loyaltysem/data/ecommerce.csv",
              "cfa(model, data = ecom, ordered = items, estimator = \"WLSMV\")", ecom_cfa,
              "nine-construct CFA; 29 items ordered; -99 -> NA, LOY4 reversed; listwise")
fit <- cfa(ecom_cfa, data = ecom, ordered = items, estimator = "WLSMV", missing = "pairwise")
write_fixture("wlsmv_ecommerce_cfa_pairwise", fit, "src/loyaltysem/data/ecommerce.csv",
              paste("cfa(model, data = ecom, ordered = items, estimator = \"WLSMV\",",
                    "missing = \"pairwise\")"),
              ecom_cfa, "pairwise polychorics and NACOV; N = rows with any answer")
# HS cut into 5 categories with 10 % of the cells missing completely at random: pairwise
hs5m <- as.data.frame(lapply(hs5, as.integer))
set.seed(20261204)
hs5m[matrix(runif(nrow(hs5m) * ncol(hs5m)) < 0.10, nrow(hs5m), ncol(hs5m))] <- NA
fit <- cfa(hs_model, data = hs5m, ordered = names(hs5m), estimator = "WLSMV", missing = "pairwise")
write_fixture("wlsmv_hs_cfa_pairwise_mcar10", fit, "HolzingerSwineford1939.csv",
              paste("cfa(model, data = hs5m, ordered = names(hs5m), estimator = \"WLSMV\",",
                    "missing = \"pairwise\")"),
              hs_model, paste("hs5 with set.seed(20261204), each cell NA with probability 0.10;",
                              "pairwise polychorics"), data = hs5m)
fit <- sem(ecom_default, data = ecom, ordered = items, estimator = "WLSMV")
write_fixture("wlsmv_ecommerce_default", fit, "src/loyaltysem/data/ecommerce.csv",
              "sem(model, data = ecom, ordered = items, estimator = \"WLSMV\")",
              ecom_default,
              "default structural model with := effects; 29 items ordered; listwise")
tru_model <- "TRU =~ TRU1 + TRU2 + TRU3\n"
tru_items <- c("TRU1", "TRU2", "TRU3")
fit <- cfa(tru_model, data = ecom[, tru_items], ordered = tru_items, estimator = "WLSMV")
write_fixture("wlsmv_ecommerce_tru_df0", fit, "src/loyaltysem/data/ecommerce.csv",
              "cfa(model, data = ecom[, tru_items], ordered = tru_items, estimator = \"WLSMV\")",
              tru_model, "one factor, three items: df = 0 (no scaled test, as lavaan)")
}  # end of the delta cases

# ------------------------------------------------------------------ parameterization = "theta"
# The residual variances of y* are parameters fixed at 1 (lav_partable_flat), the scaling
# factors ~*~ are diag(Sigma*)^-1/2 (setDeltaElements.LISREL), the implied thresholds tau /
# sd(y*) (computeTH). Same model as delta (same chi-square and fit measures), other units.
theta_case <- function(name, syntax, data, data_expr, items, estimator = "WLSMV",
                       std_lv = FALSE, missing = "listwise", data_file, note) {
  fit <- cfa(syntax, data = data, ordered = items, estimator = estimator,
             parameterization = "theta", std.lv = std_lv, missing = missing)
  call <- paste0("cfa(model, data = ", data_expr, ", ordered = items, estimator = \"",
                 estimator, "\", parameterization = \"theta\"",
                 if (std_lv) ", std.lv = TRUE" else "",
                 if (missing != "listwise") paste0(", missing = \"", missing, "\"") else "",
                 ")")
  write_fixture(name, fit, data_file, call, syntax, note)
}
hs_file <- "HolzingerSwineford1939.csv"
theta_case("wlsmv_theta_hs_cfa", hs_model, hs5, "hs5", names(hs5), data_file = hs_file,
           note = "theta parameterization; x1-x9 in quintile categories")
theta_case("wlsmv_theta_hs_cfa_ulsmv", hs_model, hs5, "hs5", names(hs5), estimator = "ULSMV",
           data_file = hs_file, note = "theta parameterization, ULSMV")
theta_case("wlsmv_theta_hs_cfa_rescov", paste0(hs_model, "x1 ~~ x4\nx7 ~~ x9\n"), hs5, "hs5",
           names(hs5), data_file = hs_file,
           note = "theta parameterization; residual covariances of y* are parameters too")
theta_case("wlsmv_theta_hs_cfa_std_lv", hs_model, hs5, "hs5", names(hs5), std_lv = TRUE,
           data_file = hs_file, note = "theta parameterization, std.lv = TRUE")
theta_case("wlsmv_theta_hs_cfa_mixed_categories", hs_model, hs_mixed, "hs_mixed",
           names(hs_mixed), data_file = hs_file,
           note = "theta parameterization; x1-x3 binary, x4-x6 tertiles, x7-x9 quintiles")
theta_case("wlsmv_theta_ecommerce_cfa_pairwise", ecom_cfa, ecom, "ecom", items,
           missing = "pairwise", data_file = "src/loyaltysem/data/ecommerce.csv",
           note = "theta parameterization; nine-construct CFA, pairwise polychorics")
fit <- sem(ecom_default, data = ecom, ordered = items, estimator = "WLSMV",
           parameterization = "theta")
write_fixture("wlsmv_theta_ecommerce_default", fit, "src/loyaltysem/data/ecommerce.csv",
              "sem(model, data = ecom, ordered = items, estimator = \"WLSMV\", parameterization = \"theta\")",
              ecom_default,
              "theta parameterization; default structural model with := effects; listwise")
