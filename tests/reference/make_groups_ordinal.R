#!/usr/bin/env Rscript
# Reference fixtures for multi-group ordinal fits (WLSMV, ULSMV) and ordinal (threshold)
# measurement invariance (loyaltysem.sem.ordinal_multigroup; tests/test_groups_ordinal.py).
#
# Run from the repository root (data: the packaged copies in src/loyaltysem/data):
#   Rscript tests/reference/make_groups_ordinal.R [--theta-only] [--defined-only] [DATASETS_DIR] [FIXTURES_DIR]
# Defaults: DATASETS_DIR = src/loyaltysem/data, FIXTURES_DIR = tests/fixtures/groups_ordinal.
# --defined-only writes only the structural model with c() labels and := effects
# (hs_sem_defined.json, at the end of this script).
# --theta-only writes only the parameterization = "theta" fixtures (theta_*.json,
# ladder_theta_*.json: the last part of this script).
# Takes about two minutes (most of it lavTestScore on the survey).
#
# Writes one JSON file per fitted model, <name>.json, for
#   cfa(model, data, group = <g>, ordered = <items>, estimator = "WLSMV" | "ULSMV",
#       group.equal = ..., group.partial = ...)
# (lavaan's defaults: parameterization = "delta", listwise deletion, se = "robust.sem",
# test = "scaled.shifted"), holding provenance (R, lavaan, semTools, jsonlite versions,
# date, call, syntax, group, group.equal, group.partial), the options lavaan resolved, the
# group labels and sizes, parTable(fit), parameterEstimates(fit) (with its group column;
# lavaan leaves the "==" rows out), fitMeasures(fit) (every measure, named), the standard
# and scaled.shifted tests (lavInspect(fit, "test"), with the chi-square of each group),
# and per group the sample thresholds, polychoric correlations and the diagonal of WLS.V.
# lavTestScore(fit) (univariate score tests of every equality constraint, with the
# parameter each frees: lhs, op, rhs, group of its right-hand side, and the total test) in
# the thresholds and scalar fits. One file per data set, ladder_<name>.json, holds lavTestLRT() between the invariance
# levels (configural, thresholds, scalar = thresholds + loadings; lavaan's default
# method for DWLS/ULS fits: satorra.2000 with scaled.shifted = TRUE), and each pairwise
# lavTestLRT with its a and b. lrt_single.json: lavTestLRT of two nested single-group
# WLSMV fits. errors.json: the error lavaan gives for a category that is empty in one
# group. Numbers at full precision (digits = NA), NA as null.
#
# Data:
#   - HolzingerSwineford1939 x1-x9 cut into 5 ordered categories by the rule of
#     tests/reference/make_wlsmv.R (quantiles over the whole sample), grouped by school;
#   - the bundled e-commerce survey as make_wlsmv.R loads it (-99 -> NA, LOY4 reversed
#     as 8 - x, 1-7 answers), constructs SQ, TRU, SAT, LOY, grouped by wave.
# Requires: lavaan, jsonlite (Debian: r-cran-lavaan r-cran-jsonlite).

suppressPackageStartupMessages({
  library(lavaan)
  library(jsonlite)
})

args <- commandArgs(trailingOnly = TRUE)
theta_only <- "--theta-only" %in% args
defined_only <- "--defined-only" %in% args
args <- setdiff(args, c("--theta-only", "--defined-only"))
datasets_dir <- if (length(args) >= 1) args[[1]] else file.path("src", "loyaltysem", "data")
fixtures_dir <- if (length(args) >= 2) args[[2]] else
  file.path("tests", "fixtures", "groups_ordinal")
stopifnot(dir.exists(datasets_dir))
dir.create(fixtures_dir, showWarnings = FALSE, recursive = TRUE)

semtools_version <- tryCatch(as.character(packageVersion("semTools")),
                             error = function(e) "not installed")

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

provenance <- function(data_file, call, syntax, group, group_equal, group_partial, note) {
  list(
    generator = "tests/reference/make_groups_ordinal.R",
    r_version = R.version.string,
    lavaan_version = as.character(packageVersion("lavaan")),
    semtools_version = semtools_version,
    jsonlite_version = as.character(packageVersion("jsonlite")),
    date = format(Sys.time(), "%Y-%m-%d %H:%M:%S %Z"),
    data_file = data_file,
    call = call,
    model_syntax = syntax,
    group = group,
    group_equal = I(group_equal),
    group_partial = I(group_partial),
    note = note
  )
}

write_json <- function(x, name) {
  path <- file.path(fixtures_dir, paste0(name, ".json"))
  writeLines(
    jsonlite::toJSON(x, digits = NA, auto_unbox = TRUE, na = "null",
                     pretty = TRUE, null = "null"),
    path
  )
  message("wrote ", path)
}

test_json <- function(fit) {
  test <- lavInspect(fit, "test")
  out <- list(standard = list(stat = test$standard$stat, df = test$standard$df,
                              stat_group = I(as.numeric(test$standard$stat.group))))
  if (!is.null(test$scaled.shifted)) {
    s <- test$scaled.shifted
    out$scaled_shifted <- list(stat = s$stat, df = s$df, pvalue = s$pvalue,
                               scaling_factor = s$scaling.factor,
                               shift_parameter = s$shift.parameter,
                               trace_ugamma = s$trace.UGamma,
                               trace_ugamma2 = s$trace.UGamma2,
                               stat_group = I(as.numeric(s$stat.group)))
  }
  out
}

fit_case <- function(name, syntax, data, data_file, group, items, estimator = "WLSMV",
                     group_equal = character(0), group_partial = character(0),
                     std_lv = FALSE, missing = "listwise", note = "", score = FALSE,
                     parameterization = "delta") {
  args <- list(model = syntax, data = data, group = group, ordered = items,
               estimator = estimator, std.lv = std_lv, missing = missing,
               parameterization = parameterization)
  call <- paste0("cfa(model, data = ", deparse(substitute(data)), ", group = \"", group,
                 "\", ordered = items, estimator = \"", estimator, "\"")
  if (length(group_equal)) {
    args$group.equal <- group_equal
    call <- paste0(call, ", group.equal = ", paste(deparse(group_equal), collapse = ""))
  }
  if (length(group_partial)) {
    args$group.partial <- group_partial
    call <- paste0(call, ", group.partial = ", paste(deparse(group_partial), collapse = ""))
  }
  if (std_lv) call <- paste0(call, ", std.lv = TRUE")
  if (parameterization != "delta")
    call <- paste0(call, ", parameterization = \"", parameterization, "\"")
  if (missing != "listwise") call <- paste0(call, ", missing = \"", missing, "\"")
  call <- paste0(call, ")")
  fit <- do.call("cfa", args)
  opt <- lavInspect(fit, "options")
  labels <- lavInspect(fit, "group.label")
  sampstat <- lavInspect(fit, "sampstat")
  wlsv <- lavInspect(fit, "WLS.V")
  sample <- lapply(seq_along(labels), function(g) {
    list(thresholds = named(sampstat[[g]]$th), correlation = mat_json(sampstat[[g]]$cov),
         wls_v_diag = unname(diag(wlsv[[g]])))
  })
  names(sample) <- labels
  fixture <- list(
    provenance = provenance(data_file, call, syntax, group, group_equal, group_partial, note),
    model_name = name,
    options = list(
      estimator = opt$estimator,
      parameterization = opt$parameterization,
      se = opt$se,
      test = I(opt$test),
      missing = opt$missing,
      std.lv = opt$std.lv
    ),
    ordered = I(items),
    group_labels = I(labels),
    nobs = I(unlist(lavInspect(fit, "nobs"))),
    norig = I(unlist(lavInspect(fit, "norig"))),
    npar = lavInspect(fit, "npar"),
    converged = lavInspect(fit, "converged"),
    partable = df_json(parTable(fit)[, c("id", "lhs", "op", "rhs", "user", "group", "free",
                                         "ustart", "label", "plabel", "est", "se")]),
    parameter_estimates = df_json(parameterEstimates(fit, standardized = TRUE)),
    fit_measures = as.list(unclass(fitMeasures(fit))),
    test = test_json(fit),
    sample = sample
  )
  if (score) fixture$score_test <- score_json(fit)
  write_json(fixture, name)
  invisible(fit)
}

score_json <- function(fit) {
  score <- lavTestScore(fit)
  pt <- parTable(fit)
  uni <- df_json(score$uni)
  rows <- match(uni$rhs, pt$plabel)
  refs <- match(uni$lhs, pt$plabel)
  uni$par_lhs <- pt$lhs[rows]
  uni$par_op <- pt$op[rows]
  uni$par_rhs <- pt$rhs[rows]
  uni$par_group <- pt$group[rows]
  uni$ref_group <- pt$group[refs]
  list(total = df_json(score$test), uni = uni)
}

lrt_json <- function(...) {
  fits <- list(...)
  lrt <- do.call(lavTestLRT, unname(fits))
  out <- df_json(as.data.frame(lrt))
  out$model <- names(fits)[order(sapply(fits, function(f) fitMeasures(f, "df")))]
  list(table = out, method = attr(lrt, "head"))
}

pair_json <- function(free, restricted) {
  lrt <- lavTestLRT(free, restricted)
  m1 <- free; m0 <- restricted
  # lavaan's own pieces (a, b) of the scaled-shifted difference test
  d <- lavaan:::lav_test_diff_Satorra2000(m1, m0, H1 = TRUE, A.method = "delta",
                                           scaled.shifted = TRUE)
  list(delta_chisq = as.numeric(lrt[2, "Chisq diff"]), delta_df = as.numeric(lrt[2, "Df diff"]),
       pvalue = as.numeric(lrt[2, "Pr(>Chisq)"]), a = d$a, b = d$b,
       trace_ugamma = d$trace.UGamma, trace_ugamma2 = d$trace.UGamma2,
       chisq_free = fitMeasures(free, "chisq"), chisq_restricted = fitMeasures(restricted, "chisq"))
}

levels_equal <- list(
  configural = character(0),
  thresholds = c("thresholds"),
  scalar = c("thresholds", "loadings")
)

ladder <- function(name, fits, data_file, syntax, group, note) {
  out <- list(
    provenance = provenance(data_file, "lavTestLRT(configural, thresholds, scalar)", syntax,
                            group, character(0), character(0), note),
    levels = I(names(fits)),
    group_equal = levels_equal,
    fit_measures = lapply(fits, function(f) as.list(unclass(fitMeasures(f)))),
    lrt = do.call(lrt_json, fits),
    pairs = list(
      thresholds_vs_configural = pair_json(fits$configural, fits$thresholds),
      scalar_vs_thresholds = pair_json(fits$thresholds, fits$scalar),
      scalar_vs_configural = pair_json(fits$configural, fits$scalar)
    )
  )
  write_json(out, paste0("ladder_", name))
}

# --------------------------------------------- Holzinger & Swineford (5 categories) by school
hs_raw <- read.csv(file.path(datasets_dir, "HolzingerSwineford1939.csv"))
cut5 <- function(v) cut(v, breaks = quantile(v, probs = seq(0, 1, 0.2)),
                        include.lowest = TRUE, labels = FALSE)
hs5 <- as.data.frame(lapply(hs_raw[, paste0("x", 1:9)], cut5))
hs5$school <- hs_raw$school
hs_items <- paste0("x", 1:9)
hs_model <- "
visual  =~ x1 + x2 + x3
textual =~ x4 + x5 + x6
speed   =~ x7 + x8 + x9
"
hs_file <- "HolzingerSwineford1939.csv"
# group-specific labels c(a1, a2) on the structural paths and := effects compared between
# the schools (thresholds and loadings equal)
hs_sem_defined <- "
visual  =~ x1 + x2 + x3
textual =~ x4 + x5 + x6
speed   =~ x7 + x8 + x9
textual ~ c(a1, a2)*visual
speed ~ c(b1, b2)*textual + visual
ind1 := a1*b1
ind2 := a2*b2
diff := ind1 - ind2
"
defined_cases <- function() {
  fit_case("hs_sem_defined", hs_sem_defined, hs5, hs_file, "school", hs_items,
           group_equal = c("thresholds", "loadings"),
           note = "c(a1, a2) / c(b1, b2) structural labels and := effects by school")
}
if (defined_only) {
  defined_cases()
  quit(save = "no")
}
if (!theta_only) {
hs_fits <- list()
for (lev in names(levels_equal)) {
  hs_fits[[lev]] <- fit_case(paste0("hs_", lev), hs_model, hs5, hs_file, "school", hs_items,
                             group_equal = levels_equal[[lev]], score = lev != "configural",
                             note = paste("x1-x9 in quintile categories; invariance level", lev))
}
ladder("hs", hs_fits, hs_file, hs_model, "school",
       "3-factor CFA by school, 5 categories: the ordinal invariance ladder")
fit_case("hs_metric_loadings", hs_model, hs5, hs_file, "school", hs_items,
         group_equal = "loadings",
         note = "loadings only (thresholds free, scales 1, latent means 0 in every group)")
fit_case("hs_scalar_ulsmv", hs_model, hs5, hs_file, "school", hs_items, estimator = "ULSMV",
         group_equal = c("thresholds", "loadings"), note = "ULSMV, thresholds and loadings equal")
fit_case("hs_configural_ulsmv", hs_model, hs5, hs_file, "school", hs_items,
         estimator = "ULSMV", note = "ULSMV, configural")
fit_case("hs_scalar_partial", hs_model, hs5, hs_file, "school", hs_items,
         group_equal = c("thresholds", "loadings"),
         group_partial = c("x3|t1", "x3|t2", "visual=~x2"), score = TRUE,
         note = "partial: two thresholds of x3 and one loading free")
fit_case("hs_scalar_std_lv", hs_model, hs5, hs_file, "school", hs_items,
         group_equal = c("thresholds", "loadings"), std_lv = TRUE,
         note = "std.lv = TRUE with equal loadings: latent variances free in group 2")
fit_case("hs_scalar_all", hs_model, hs5, hs_file, "school", hs_items,
         group_equal = c("thresholds", "loadings", "intercepts", "residuals",
                         "lv.variances", "lv.covariances"),
         note = "intercepts and residuals are fixed in the delta parameterization")
# 10 % of the cells missing completely at random: pairwise
hs5m <- hs5
set.seed(20261205)
miss <- matrix(runif(nrow(hs5m) * 9) < 0.10, nrow(hs5m), 9)
for (j in 1:9) hs5m[miss[, j], j] <- NA
fit_case("hs_scalar_pairwise", hs_model, hs5m, hs_file, "school", hs_items,
         group_equal = c("thresholds", "loadings"), missing = "pairwise",
         note = "hs5 with set.seed(20261205), each item cell NA with probability 0.10")
write.csv(hs5m, file.path(fixtures_dir, "hs5_mcar10.csv"), row.names = FALSE, na = "")

# single group: nested models (lavTestLRT, satorra.2000)
fit_free <- cfa(hs_model, data = hs5[, hs_items], ordered = hs_items, estimator = "WLSMV")
fit_orth <- cfa(hs_model, data = hs5[, hs_items], ordered = hs_items, estimator = "WLSMV",
                orthogonal = TRUE)
fit_eq <- cfa("visual =~ x1 + a*x2 + a*x3\ntextual =~ x4 + x5 + x6\nspeed =~ x7 + x8 + x9\n",
              data = hs5[, hs_items], ordered = hs_items, estimator = "WLSMV")
write_json(list(
  provenance = provenance(hs_file, "lavTestLRT(free, orthogonal); lavTestLRT(free, equal)",
                          hs_model, "", character(0), character(0),
                          "single-group WLSMV: orthogonal factors; two equal loadings"),
  orthogonal_syntax = paste0(hs_model, "visual ~~ 0*textual\nvisual ~~ 0*speed\n",
                             "textual ~~ 0*speed\n"),
  equal_syntax = "visual =~ x1 + a*x2 + a*x3\ntextual =~ x4 + x5 + x6\nspeed =~ x7 + x8 + x9\n",
  orthogonal = pair_json(fit_free, fit_orth),
  equal = pair_json(fit_free, fit_eq)
), "lrt_single")

# a category empty in one group: lavaan refuses
hs_empty <- hs5
hs_empty$x1[hs_empty$school == "Pasteur" & hs_empty$x1 == 1] <- 2
err <- tryCatch(cfa(hs_model, data = hs_empty, group = "school", ordered = hs_items),
                error = function(e) conditionMessage(e))
write_json(list(
  provenance = provenance(hs_file, "cfa(model, data = hs_empty, group = \"school\", ordered = items)",
                          hs_model, "school", character(0), character(0),
                          "x1 = 1 recoded to 2 in Pasteur: category 1 of x1 empty in group 1"),
  error = if (is.character(err)) err else "no error"
), "errors")
}  # end of the delta HS cases

# ------------------------------------------------ the bundled survey by wave (1-7 answers)
package_data <- file.path("src", "loyaltysem", "data")
ecom <- read.csv(file.path(package_data, "ecommerce.csv"))
all_items <- setdiff(names(ecom), c("respondent_id", "wave", "gender", "platform", "age"))
for (v in all_items) ecom[[v]][ecom[[v]] == -99] <- NA
ecom$LOY4 <- 8 - ecom$LOY4
ecom_model <- "
SQ =~ SQ1 + SQ2 + SQ3 + SQ4
TRU =~ TRU1 + TRU2 + TRU3
SAT =~ SAT1 + SAT2 + SAT3
LOY =~ LOY1 + LOY2 + LOY3 + LOY4
"
ecom_items <- c(paste0("SQ", 1:4), paste0("TRU", 1:3), paste0("SAT", 1:3), paste0("LOY", 1:4))
ecom <- ecom[, c("wave", ecom_items)]
ecom_file <- "src/loyaltysem/data/ecommerce.csv"
if (!theta_only) {
ecom_fits <- list()
for (lev in names(levels_equal)) {
  ecom_fits[[lev]] <- fit_case(paste0("ecommerce_", lev), ecom_model, ecom, ecom_file, "wave",
                               ecom_items, group_equal = levels_equal[[lev]],
                               score = lev == "scalar",
                               note = paste("-99 -> NA, LOY4 reversed, listwise; level", lev))
}
ladder("ecommerce", ecom_fits, ecom_file, ecom_model, "wave",
       "four constructs by wave, 7 categories: the ordinal invariance ladder")
}  # end of the delta survey cases

# ------------------------------------------------------------ parameterization = "theta"
# lav_partable_flat: the residual variances of y* fixed at 1; in groups 2..G free when the
# thresholds are equal (and the scaling factors ~*~ not free: they follow from the implied
# variances); "residuals" in group.equal then fixes them at group 1's 1 (strict).
theta_equal <- c(levels_equal, list(strict = c("thresholds", "loadings", "residuals")))
theta_ladder <- function(name, fits, data_file, syntax, group, note, extra = list()) {
  out <- list(
    provenance = provenance(data_file,
                            paste("lavTestLRT(configural, thresholds, scalar, strict),",
                                  "parameterization = \"theta\""),
                            syntax, group, character(0), character(0), note),
    levels = I(names(fits)),
    group_equal = theta_equal,
    fit_measures = lapply(fits, function(f) as.list(unclass(fitMeasures(f)))),
    lrt = do.call(lrt_json, fits),
    pairs = list(
      thresholds_vs_configural = pair_json(fits$configural, fits$thresholds),
      scalar_vs_thresholds = pair_json(fits$thresholds, fits$scalar),
      strict_vs_scalar = pair_json(fits$scalar, fits$strict),
      strict_vs_configural = pair_json(fits$configural, fits$strict)
    )
  )
  write_json(c(out, extra), paste0("ladder_theta_", name))
}
hs_theta <- list()
for (lev in names(theta_equal)) {
  hs_theta[[lev]] <- fit_case(paste0("theta_hs_", lev), hs_model, hs5, hs_file, "school",
                              hs_items, group_equal = theta_equal[[lev]],
                              parameterization = "theta",
                              score = lev %in% c("thresholds", "scalar"),
                              note = paste("theta parameterization; invariance level", lev))
}
# semTools' strict model (Wu & Estabrook 2016 identification, theta): the same model as
# lavaan's group.equal = c("thresholds", "loadings", "residuals") with std.lv = TRUE
semtools_strict <- NULL
if (requireNamespace("semTools", quietly = TRUE)) {
  fit_me <- semTools::measEq.syntax(hs_model, data = hs5, group = "school", ordered = hs_items,
                                    ID.fac = "std.lv", ID.cat = "Wu.Estabrook.2016",
                                    parameterization = "theta",
                                    group.equal = c("thresholds", "loadings", "intercepts",
                                                    "residuals"),
                                    return.fit = TRUE)
  semtools_strict <- list(
    call = paste("measEq.syntax(model, data = hs5, group = \"school\", ordered = items,",
                 "ID.fac = \"std.lv\", ID.cat = \"Wu.Estabrook.2016\",",
                 "parameterization = \"theta\", group.equal = c(\"thresholds\",",
                 "\"loadings\", \"intercepts\", \"residuals\"), return.fit = TRUE)"),
    fit_measures = as.list(unclass(fitMeasures(fit_me, c("npar", "chisq", "df",
                                                         "chisq.scaled", "cfi.scaled",
                                                         "rmsea.scaled", "srmr"))))
  )
}
theta_ladder("hs", hs_theta, hs_file, hs_model, "school",
             "3-factor CFA by school, 5 categories, theta: the ladder with strict",
             extra = list(semtools_strict = semtools_strict))
fit_case("theta_hs_strict_std_lv", hs_model, hs5, hs_file, "school", hs_items,
         group_equal = theta_equal$strict, std_lv = TRUE, parameterization = "theta",
         note = "theta, strict, std.lv = TRUE (semTools' ID.fac = \"std.lv\")")
fit_case("theta_hs_scalar_ulsmv", hs_model, hs5, hs_file, "school", hs_items,
         estimator = "ULSMV", group_equal = theta_equal$scalar, parameterization = "theta",
         note = "theta, ULSMV, thresholds and loadings equal")
fit_case("theta_hs_scalar_partial", hs_model, hs5, hs_file, "school", hs_items,
         group_equal = theta_equal$strict, group_partial = c("x3|t1", "visual=~x2"),
         parameterization = "theta", note = "theta, strict with a threshold and a loading free")
ecom_theta <- list()
for (lev in names(theta_equal)) {
  ecom_theta[[lev]] <- fit_case(paste0("theta_ecommerce_", lev), ecom_model, ecom, ecom_file,
                                "wave", ecom_items, group_equal = theta_equal[[lev]],
                                parameterization = "theta",
                                note = paste("theta; -99 -> NA, LOY4 reversed, listwise; level",
                                             lev))
}
theta_ladder("ecommerce", ecom_theta, ecom_file, ecom_model, "wave",
             "four constructs by wave, 7 categories, theta: the ladder with strict")
fit_case("theta_hs_strict_partial_residual", hs_model, hs5, hs_file, "school", hs_items,
         group_equal = theta_equal$strict, group_partial = c("x3~~x3"),
         parameterization = "theta",
         note = "theta, strict with the residual variance of x3 free in group 2")
# single group, theta: nested models (with equal loadings theta is another model than delta)
fit_free_t <- cfa(hs_model, data = hs5[, hs_items], ordered = hs_items, estimator = "WLSMV",
                  parameterization = "theta")
fit_orth_t <- cfa(hs_model, data = hs5[, hs_items], ordered = hs_items, estimator = "WLSMV",
                  orthogonal = TRUE, parameterization = "theta")
fit_eq_t <- cfa("visual =~ x1 + a*x2 + a*x3\ntextual =~ x4 + x5 + x6\nspeed =~ x7 + x8 + x9\n",
                data = hs5[, hs_items], ordered = hs_items, estimator = "WLSMV",
                parameterization = "theta")
write_json(list(
  provenance = provenance(hs_file,
                          paste("lavTestLRT(free, orthogonal); lavTestLRT(free, equal);",
                                "parameterization = \"theta\""),
                          hs_model, "", character(0), character(0),
                          "single-group WLSMV, theta: orthogonal factors; two equal loadings"),
  orthogonal_syntax = paste0(hs_model, "visual ~~ 0*textual\nvisual ~~ 0*speed\n",
                             "textual ~~ 0*speed\n"),
  equal_syntax = "visual =~ x1 + a*x2 + a*x3\ntextual =~ x4 + x5 + x6\nspeed =~ x7 + x8 + x9\n",
  orthogonal = pair_json(fit_free_t, fit_orth_t),
  equal = pair_json(fit_free_t, fit_eq_t)
), "lrt_single_theta")
defined_cases()
