#!/usr/bin/env Rscript
# Reference fixtures for the modification indices of multi-group ML fits
# (loyaltysem.sem.modindices.modification_indices; tests/test_group_diagnostics.py).
#
# Run from the repository root (data: the packaged copies in src/loyaltysem/data):
#   Rscript tests/reference/make_groups_mi.R [DATASETS_DIR] [FIXTURES_DIR]
# Defaults: DATASETS_DIR = src/loyaltysem/data, FIXTURES_DIR = tests/fixtures/groups.
#
# Writes mi_<name>.json per fitted model: provenance (R, lavaan, jsonlite versions, date,
# call, syntax, group, group.equal), group labels and sizes, the fit's chisq, df and npar,
# modindices(fit) (lavaan's defaults: every candidate parameter in every group with its mi,
# epc, sepc.lv, sepc.all, sepc.nox; the "==" rows and NA indices left out, as lavaan does)
# and modindices(fit, na.remove = FALSE) restricted to the NA rows (the candidates lavaan
# has no index for). Cases: HolzingerSwineford1939 by school, configural and metric
# (group.equal = "loadings"), and a structural model with a residual covariance (loadings and
# regressions equal); the bundled survey's nine-construct CFA by wave, metric.
# Numbers at full precision (digits = NA), NA as null.
# Requires: lavaan, jsonlite (Debian: r-cran-lavaan r-cran-jsonlite).

suppressPackageStartupMessages({
  library(lavaan)
  library(jsonlite)
})

args <- commandArgs(trailingOnly = TRUE)
datasets_dir <- if (length(args) >= 1) args[[1]] else file.path("src", "loyaltysem", "data")
fixtures_dir <- if (length(args) >= 2) args[[2]] else file.path("tests", "fixtures", "groups")
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

mi_case <- function(name, syntax, data, data_file, group, group_equal, note, fun = "cfa") {
  args <- list(model = syntax, data = data, group = group)
  call <- paste0(fun, "(model, data = ", deparse(substitute(data)), ", group = \"", group, "\"")
  if (length(group_equal)) {
    args$group.equal <- group_equal
    call <- paste0(call, ", group.equal = ", paste(deparse(group_equal), collapse = ""))
  }
  call <- paste0(call, ")")
  fit <- do.call(fun, args)
  mi <- modindices(fit)
  all_mi <- modindices(fit, na.remove = FALSE)
  out <- list(
    provenance = list(
      generator = "tests/reference/make_groups_mi.R",
      r_version = R.version.string,
      lavaan_version = as.character(packageVersion("lavaan")),
      jsonlite_version = as.character(packageVersion("jsonlite")),
      date = format(Sys.time(), "%Y-%m-%d %H:%M:%S %Z"),
      data_file = data_file,
      call = call,
      mi_call = "modindices(fit)",
      model_syntax = syntax,
      group = group,
      group_equal = I(group_equal),
      note = note
    ),
    group_labels = I(lavInspect(fit, "group.label")),
    nobs = I(unlist(lavInspect(fit, "nobs"))),
    converged = lavInspect(fit, "converged"),
    fit_measures = as.list(unclass(fitMeasures(fit, c("chisq", "df", "npar")))),
    n_equality_constraints = sum(parTable(fit)$op == "=="),
    modindices = df_json(mi),
    modindices_na = df_json(all_mi[is.na(all_mi$mi), c("lhs", "op", "rhs", "group")])
  )
  path <- file.path(fixtures_dir, paste0("mi_", name, ".json"))
  writeLines(toJSON(out, digits = NA, auto_unbox = TRUE, na = "null", pretty = TRUE,
                    null = "null"), path)
  message("wrote ", path)
}

hs <- read.csv(file.path(datasets_dir, "HolzingerSwineford1939.csv"))
hs_model <- "
visual  =~ x1 + x2 + x3
textual =~ x4 + x5 + x6
speed   =~ x7 + x8 + x9
"
mi_case("hs_configural", hs_model, hs, "HolzingerSwineford1939.csv", "school", character(0),
        "3-factor CFA by school, nothing equal across groups")
mi_case("hs_metric", hs_model, hs, "HolzingerSwineford1939.csv", "school", c("loadings"),
        "3-factor CFA by school, loadings equal (lavaan: == rows, left out of modindices)")
hs_sem <- "
visual  =~ x1 + x2 + x3
textual =~ x4 + x5 + x6
speed   =~ x7 + x8 + x9
speed ~ visual + textual
x7 ~~ x8
"
mi_case("hs_sem_metric", hs_sem, hs, "HolzingerSwineford1939.csv", "school",
        c("loadings", "regressions"),
        "structural model by school, loadings and regressions equal", fun = "sem")

package_data <- file.path("src", "loyaltysem", "data")
ecom <- read.csv(file.path(package_data, "ecommerce.csv"))
items <- setdiff(names(ecom), c("respondent_id", "wave", "gender", "platform", "age"))
for (v in items) ecom[[v]][ecom[[v]] == -99] <- NA
ecom$LOY4 <- 8 - ecom$LOY4
constructs <- list(REP = 1:3, SEC = 1:3, SQ = 1:4, PQ = 1:3, PRI = 1:3, ASS = 1:3,
                   TRU = 1:3, SAT = 1:3, LOY = 1:4)
ecom_cfa <- paste0(
  paste(sapply(names(constructs), function(k)
    paste0(k, " =~ ", paste0(k, constructs[[k]], collapse = " + "))), collapse = "\n"),
  "\n")
mi_case("ecommerce_metric", ecom_cfa, ecom, "src/loyaltysem/data/ecommerce.csv", "wave",
        c("loadings"),
        "nine-construct CFA by wave, loadings equal; -99 -> NA, LOY4 reversed (8 - x); listwise")

# ------------------------------ full-information ML (missing = "ml")
# The same nine-construct CFA by wave on the survey's own missing answers (-99 -> NA):
# configural and metric, estimator ML and MLR. modindices() of such a fit uses the
# FIML score and the *expected* FIML information at the model (its default
# information = "expected"; lavaan's structured h1 information), also for MLR (the ML
# estimates; the robust corrections do not enter). Same outputs as mi_case().
mi_case_fiml <- function(name, syntax, data, data_file, group, group_equal, estimator,
                         note) {
  args <- list(model = syntax, data = data, group = group, missing = "ml",
               estimator = estimator)
  call <- paste0("cfa(model, data = ecom, group = \"", group, "\"")
  if (length(group_equal)) {
    args$group.equal <- group_equal
    call <- paste0(call, ", group.equal = ", paste(deparse(group_equal), collapse = ""))
  }
  call <- paste0(call, ", missing = \"ml\", estimator = \"", estimator, "\")")
  fit <- do.call("cfa", args)
  mi <- modindices(fit)
  all_mi <- modindices(fit, na.remove = FALSE)
  out <- list(
    provenance = list(
      generator = "tests/reference/make_groups_mi.R",
      r_version = R.version.string,
      lavaan_version = as.character(packageVersion("lavaan")),
      jsonlite_version = as.character(packageVersion("jsonlite")),
      date = format(Sys.time(), "%Y-%m-%d %H:%M:%S %Z"),
      data_file = data_file,
      call = call,
      mi_call = "modindices(fit)",
      model_syntax = syntax,
      group = group,
      group_equal = I(group_equal),
      missing = "ml",
      estimator = estimator,
      note = note
    ),
    group_labels = I(lavInspect(fit, "group.label")),
    nobs = I(unlist(lavInspect(fit, "nobs"))),
    converged = lavInspect(fit, "converged"),
    fit_measures = as.list(unclass(fitMeasures(fit, c("chisq", "df", "npar")))),
    n_equality_constraints = sum(parTable(fit)$op == "=="),
    modindices = df_json(mi),
    modindices_na = df_json(all_mi[is.na(all_mi$mi), c("lhs", "op", "rhs", "group")])
  )
  path <- file.path(fixtures_dir, paste0("mi_", name, ".json"))
  writeLines(toJSON(out, digits = NA, auto_unbox = TRUE, na = "null", pretty = TRUE,
                    null = "null"), path)
  message("wrote ", path)
}

for (est in c("ML", "MLR")) {
  suffix <- if (est == "ML") "_fiml" else "_fiml_mlr"
  mi_case_fiml(paste0("ecommerce_configural", suffix), ecom_cfa, ecom,
               "src/loyaltysem/data/ecommerce.csv", "wave", character(0), est,
               paste0("nine-construct CFA by wave, nothing equal; -99 -> NA, LOY4 reversed ",
                      "(8 - x); missing = \"ml\", estimator ", est))
  mi_case_fiml(paste0("ecommerce_metric", suffix), ecom_cfa, ecom,
               "src/loyaltysem/data/ecommerce.csv", "wave", c("loadings"), est,
               paste0("nine-construct CFA by wave, loadings equal; -99 -> NA, LOY4 reversed ",
                      "(8 - x); missing = \"ml\", estimator ", est))
}
