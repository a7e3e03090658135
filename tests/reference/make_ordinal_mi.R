#!/usr/bin/env Rscript
# Reference fixtures for the modification indices of ordinal (WLSMV) fits, single- and
# multi-group (loyaltysem: SEMResult / MultiGroupResult.modification_indices();
# tests/test_ordinal_mi.py).
#
# Run from the repository root (data: the packaged copies in src/loyaltysem/data):
#   Rscript tests/reference/make_ordinal_mi.R [DATASETS_DIR] [FIXTURES_DIR]
# Defaults: DATASETS_DIR = src/loyaltysem/data, FIXTURES_DIR = tests/fixtures/groups_ordinal.
# Takes about a minute.
#
# Writes one JSON file per fitted model, mi_<name>.json, holding provenance (R, lavaan,
# jsonlite versions, date, call, syntax, group, group.equal, parameterization), the fit's
# chisq and npar, and modindices(fit, sort. = TRUE) (lavaan's defaults: information =
# "expected", cov.std = TRUE, na.remove = TRUE; every row, with its group in multi-group
# fits) and parameterEstimates(fit) (lhs, op, rhs, group, est: the point lavaan's indices
# are computed at). Numbers at full precision (digits = NA), NA as null.
#
# Cases:
#   - HolzingerSwineford1939 x1-x9 cut into 5 ordered categories at their quintiles (the
#     rule of tests/reference/make_wlsmv.R), the three-factor CFA: single group, delta and
#     theta parameterization, ULSMV, std.lv = TRUE, theta with two residual covariances,
#     delta and theta with a Heywood residual correlation of y* (x7 ~~ x9);
#     by school: configural and scalar (group.equal = c("thresholds", "loadings")) delta,
#     scalar with std.lv = TRUE, scalar and strict (+ "residuals") theta, and
#     strict theta with the group.partial thresholds of the partial search;
#   - the bundled e-commerce survey (-99 -> NA, LOY4 reversed as 8 - x, listwise), 1-7
#     answers ordered: the nine-construct CFA (29 items) single group (listwise and
#     missing = "pairwise") and the default structural model (sem()); SQ, TRU, SAT, LOY by wave: configural and scalar (delta).
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

df_json <- function(d) {
  d <- as.data.frame(d, stringsAsFactors = FALSE)
  rownames(d) <- NULL
  for (col in names(d)) {
    if (is.factor(d[[col]])) d[[col]] <- as.character(d[[col]])
    attributes(d[[col]]) <- NULL
  }
  d
}

pe_cols <- function(fit) parameterEstimates(fit)[0, ]

write_case <- function(name, fit, call, syntax, data_file, note, group = NULL,
                       group_equal = character(0), group_partial = character(0)) {
  mi <- modindices(fit, sort. = TRUE)
  cols <- intersect(c("lhs", "op", "rhs", "group", "mi", "epc", "sepc.lv", "sepc.all",
                      "sepc.nox"), names(mi))
  out <- list(
    provenance = list(
      generator = "tests/reference/make_ordinal_mi.R",
      r_version = R.version.string,
      lavaan_version = as.character(packageVersion("lavaan")),
      jsonlite_version = as.character(packageVersion("jsonlite")),
      date = format(Sys.time(), "%Y-%m-%d %H:%M:%S %Z"),
      data_file = data_file,
      call = call,
      model_syntax = syntax,
      group = if (is.null(group)) NULL else group,
      group_equal = I(group_equal),
      group_partial = I(group_partial),
      parameterization = lavInspect(fit, "options")$parameterization,
      estimator = lavInspect(fit, "options")$estimator,
      note = note
    ),
    chisq = unname(fitMeasures(fit, "chisq")),
    npar = lavInspect(fit, "npar"),
    converged = lavInspect(fit, "converged"),
    modindices = df_json(mi[, cols]),
    estimates = df_json(parameterEstimates(fit)[, intersect(c("lhs", "op", "rhs", "group",
                                                              "est"), names(pe_cols(fit)))])
  )
  path <- file.path(fixtures_dir, paste0("mi_", name, ".json"))
  writeLines(toJSON(out, digits = NA, auto_unbox = TRUE, na = "null", pretty = TRUE,
                    null = "null"), path)
  message("wrote ", path, " (", nrow(mi), " rows)")
}

# lavaan's group.equal for "nothing equal" is "" (character(0) is an error)
ge <- function(equal) if (length(equal)) equal else ""

# --------------------------------------------- Holzinger & Swineford (5 categories)
hs_raw <- read.csv(file.path(datasets_dir, "HolzingerSwineford1939.csv"))
cut5 <- function(v) cut(v, breaks = quantile(v, probs = seq(0, 1, 0.2)),
                        include.lowest = TRUE, labels = FALSE)
hs_items <- paste0("x", 1:9)
hs5 <- as.data.frame(lapply(hs_raw[, hs_items], cut5))
hs5$school <- hs_raw$school
hs_file <- "HolzingerSwineford1939.csv"
hs_model <- "
visual  =~ x1 + x2 + x3
textual =~ x4 + x5 + x6
speed   =~ x7 + x8 + x9
"
hs_note <- "x1-x9 cut into 5 categories at their quintiles (type 7)"
for (par in c("delta", "theta")) {
  fit <- cfa(hs_model, data = hs5[, hs_items], ordered = hs_items, parameterization = par)
  write_case(paste0("hs_", par), fit,
             paste0("cfa(model, data = hs5, ordered = items, parameterization = \"", par,
                    "\")"), hs_model, hs_file, hs_note)
}
fit <- cfa(hs_model, data = hs5[, hs_items], ordered = hs_items, estimator = "ULSMV")
write_case("hs_ulsmv", fit, "cfa(model, data = hs5, ordered = items, estimator = \"ULSMV\")",
           hs_model, hs_file, paste(hs_note, "; ULSMV (unit weights)"))
fit <- cfa(hs_model, data = hs5[, hs_items], ordered = hs_items, std.lv = TRUE)
write_case("hs_std_lv", fit, "cfa(model, data = hs5, ordered = items, std.lv = TRUE)",
           hs_model, hs_file, paste(hs_note, "; latent variances fixed at 1"))
hs_rescov <- paste0(hs_model, "x1 ~~ x4\nx3 ~~ x9\n")
fit <- cfa(hs_rescov, data = hs5[, hs_items], ordered = hs_items, parameterization = "theta")
write_case("hs_theta_rescov", fit,
           "cfa(model, data = hs5, ordered = items, parameterization = \"theta\")",
           hs_rescov, hs_file, paste(hs_note, "; two residual covariances of y*"))
# x7 ~~ x9 makes a residual correlation of y* beyond 1 (a Heywood case): lavaan's
# extended model is evaluated at start values that lav_start_check_cov shrinks
hs_heywood <- paste0(hs_model, "x1 ~~ x4\nx7 ~~ x9\n")
for (par in c("delta", "theta")) {
  fit <- cfa(hs_heywood, data = hs5[, hs_items], ordered = hs_items, parameterization = par)
  write_case(paste0("hs_heywood_", par), fit,
             paste0("cfa(model, data = hs5, ordered = items, parameterization = \"", par,
                    "\")"), hs_heywood, hs_file,
             paste(hs_note, "; x7 ~~ x9 implies a residual correlation beyond 1"))
}
groups_hs <- list(
  hs_configural = list(equal = character(0), par = "delta"),
  hs_scalar = list(equal = c("thresholds", "loadings"), par = "delta"),
  hs_theta_scalar = list(equal = c("thresholds", "loadings"), par = "theta"),
  hs_scalar_std_lv = list(equal = c("thresholds", "loadings"), par = "delta", std.lv = TRUE),
  hs_theta_strict = list(equal = c("thresholds", "loadings", "residuals"), par = "theta")
)
# the strict level of invariance_ordinal(..., parameterization = "theta", partial = TRUE)
# on these data: the thresholds its search freed at the thresholds level (its ranking of
# the residual variances is this fit's modindices)
groups_hs$hs_theta_strict_partial <- list(
  equal = c("thresholds", "loadings", "residuals"), par = "theta",
  partial = c("x3|t1", "x3|t2", "x7|t4", "x7|t3")
)
for (name in names(groups_hs)) {
  case <- groups_hs[[name]]
  partial <- if (is.null(case$partial)) "" else case$partial
  fit <- cfa(hs_model, data = hs5, group = "school", ordered = hs_items,
             group.equal = ge(case$equal), group.partial = partial,
             parameterization = case$par, std.lv = isTRUE(case$std.lv))
  write_case(name, fit,
             paste0("cfa(model, data = hs5, group = \"school\", ordered = items, ",
                    "group.equal = ", paste(deparse(case$equal), collapse = ""),
                    if (is.null(case$partial)) "" else
                      paste0(", group.partial = ", paste(deparse(case$partial), collapse = "")),
                    ", parameterization = \"", case$par, "\"",
                    if (isTRUE(case$std.lv)) ", std.lv = TRUE" else "", ")"),
             hs_model, hs_file, hs_note, group = "school", group_equal = case$equal,
             group_partial = if (is.null(case$partial)) character(0) else case$partial)
}

# --------------------------------------------- the bundled survey (1-7 answers)
package_data <- file.path("src", "loyaltysem", "data")
ecom <- read.csv(file.path(package_data, "ecommerce.csv"))
all_items <- setdiff(names(ecom), c("respondent_id", "wave", "gender", "platform", "age"))
for (v in all_items) ecom[[v]][ecom[[v]] == -99] <- NA
ecom$LOY4 <- 8 - ecom$LOY4
ecom_file <- "src/loyaltysem/data/ecommerce.csv"
ecom_note <- "-99 -> NA, LOY4 reversed as 8 - x, listwise deletion; items ordered"
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
fit <- cfa(ecom_cfa, data = ecom[, all_items], ordered = all_items)
write_case("ecommerce_cfa", fit, "cfa(model, data = ecom, ordered = items)", ecom_cfa,
           ecom_file, ecom_note)
ecom_default <- jsonlite::fromJSON(
  file.path("tests", "fixtures", "estimation", "ecommerce_default.json")
)$provenance$model_syntax
fit <- sem(ecom_default, data = ecom[, all_items], ordered = all_items)
write_case("ecommerce_sem", fit, "sem(model, data = ecom, ordered = items)", ecom_default,
           ecom_file, paste(ecom_note, "; the default structural model (:= effects)"))
fit <- cfa(ecom_cfa, data = ecom[, all_items], ordered = all_items, missing = "pairwise")
write_case("ecommerce_cfa_pairwise", fit,
           "cfa(model, data = ecom, ordered = items, missing = \"pairwise\")", ecom_cfa,
           ecom_file, "-99 -> NA, LOY4 reversed as 8 - x; pairwise polychorics and NACOV")
ecom_model <- "
SQ =~ SQ1 + SQ2 + SQ3 + SQ4
TRU =~ TRU1 + TRU2 + TRU3
SAT =~ SAT1 + SAT2 + SAT3
LOY =~ LOY1 + LOY2 + LOY3 + LOY4
"
ecom_items <- c(paste0("SQ", 1:4), paste0("TRU", 1:3), paste0("SAT", 1:3), paste0("LOY", 1:4))
ecom_w <- ecom[, c("wave", ecom_items)]
for (name in c("ecommerce_configural", "ecommerce_scalar")) {
  equal <- if (name == "ecommerce_scalar") c("thresholds", "loadings") else character(0)
  fit <- cfa(ecom_model, data = ecom_w, group = "wave", ordered = ecom_items,
             group.equal = ge(equal))
  write_case(name, fit,
             paste0("cfa(model, data = ecom, group = \"wave\", ordered = items, ",
                    "group.equal = ", paste(deparse(equal), collapse = ""), ")"),
             ecom_model, ecom_file, ecom_note, group = "wave", group_equal = equal)
}
