#!/usr/bin/env Rscript
# Reference fixtures for the single-group modification indices
# (loyaltysem.sem.single_group.modification_indices, SEMResult.modification_indices();
# tests/test_modindices.py).
#
# Run from the repository root (data: the packaged copies in src/loyaltysem/data):
#   Rscript tests/reference/make_modindices.R [DATASETS_DIR] [FIXTURES_DIR]
# Defaults: DATASETS_DIR = src/loyaltysem/data, FIXTURES_DIR = tests/fixtures/estimation.
#
# lavaan 0.6.14's modindices() works on lav_object_extended(fit, add = lav_partable_full(...),
# all.free = TRUE): besides the parameters the model does not have (cross loadings, residual
# and latent covariances, regressions among the variables of the structural part, intercepts
# with a mean structure) every FIXED parameter of the model is freed at its current value
# (marker loadings, covariances fixed at 0 by orthogonal = TRUE, a user's 0*x, latent means
# fixed at 0, fixed residual variances, ...). These cases have such parameters.
#
# Writes mi_<name>.json per fitted model: provenance (R, lavaan, jsonlite versions, date,
# data, call, syntax, note), nobs, the options lavaan resolved, parTable(fit) (with est, so
# that the formula can be checked at lavaan's own estimates), modindices(fit, sort. = TRUE)
# (lavaan's defaults: every candidate with an index, NA rows left out) and the candidates
# lavaan has no index for (modindices(fit, na.remove = FALSE) rows with NA mi), and for the
# missing = "ml" case the data as used (NA = missing).
# Cases: Holzinger-Swineford CFA with orthogonal = TRUE (also with std.lv = TRUE, and
# MLR), with user-fixed values (0*x9, x2 ~~ 0.5*x2, visual ~~ 0*speed), with a mean
# structure (also with two equal intercepts that identify a latent mean), a chain with the
# fixed.x covariate ageyr (also with a mean structure, and by school: multi-group), two path
# models with observed outcomes, Political Democracy and the default e-commerce model (their
# syntax read from the fixtures of make_estimation.R, which must have run first), and FIML
# with orthogonal = TRUE.
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

mi_case <- function(name, syntax, data, data_file, options, note, fun = "cfa",
                    store_data = FALSE) {
  call_args <- c(list(model = syntax, data = data), options)
  fit <- do.call(fun, call_args)
  call <- paste0(fun, "(model, data = ", data_file$name,
                 paste0(vapply(names(options), function(o) {
                   paste0(", ", o, " = ", deparse(options[[o]]))
                 }, ""), collapse = ""), ")")
  mi <- modindices(fit, sort. = TRUE)
  all_mi <- modindices(fit, na.remove = FALSE)
  opt <- lavInspect(fit, "options")
  out <- list(
    provenance = list(
      generator = "tests/reference/make_modindices.R",
      r_version = R.version.string,
      lavaan_version = as.character(packageVersion("lavaan")),
      jsonlite_version = as.character(packageVersion("jsonlite")),
      date = format(Sys.time(), "%Y-%m-%d %H:%M:%S %Z"),
      data_file = data_file$file,
      call = call,
      mi_call = "modindices(fit, sort. = TRUE)",
      model_syntax = syntax,
      note = note
    ),
    model_name = name,
    options = list(
      std.lv = opt$std.lv,
      orthogonal = opt$orthogonal,
      fixed.x = opt$fixed.x,
      meanstructure = opt$meanstructure,
      missing = opt$missing,
      estimator = opt$estimator,
      information = opt$information[1]
    ),
    nobs = lavInspect(fit, "nobs"),
    converged = lavInspect(fit, "converged"),
    fit_measures = as.list(unclass(fitMeasures(fit, c("chisq", "df", "npar")))),
    partable = df_json(parTable(fit)),
    modindices = df_json(mi),
    modindices_na = df_json(all_mi[is.na(all_mi$mi),
                                   intersect(c("lhs", "op", "rhs", "group"), names(all_mi))])
  )
  if (store_data) {
    out$items <- I(colnames(data))
    out$data <- unname(as.matrix(data))
  }
  path <- file.path(fixtures_dir, paste0("mi_", name, ".json"))
  writeLines(toJSON(out, digits = NA, auto_unbox = TRUE, na = "null", pretty = FALSE,
                    null = "null"), path)
  message("wrote ", path)
}

hs <- read.csv(file.path(datasets_dir, "HolzingerSwineford1939.csv"))
hs_file <- list(name = "hs", file = "HolzingerSwineford1939.csv")
hs_model <- "visual =~ x1 + x2 + x3\ntextual =~ x4 + x5 + x6\nspeed =~ x7 + x8 + x9\n"

# ------------------------------------------------------- fixed parameters of the model
mi_case("hs_orthogonal", hs_model, hs, hs_file, list(orthogonal = TRUE),
        "3-factor CFA with orthogonal = TRUE: the latent covariances fixed at 0 are freed")
mi_case("hs_orthogonal_mlr", hs_model, hs, hs_file, list(orthogonal = TRUE, estimator = "MLR"),
        paste("as hs_orthogonal with estimator = \"MLR\": the same ML estimates; modindices",
              "uses the expected information (its default) whatever the fit's"))
mi_case("hs_std_lv_orthogonal", hs_model, hs, hs_file, list(std.lv = TRUE, orthogonal = TRUE),
        paste("std.lv = TRUE and orthogonal = TRUE: latent variances fixed at 1 (freed, not",
              "identified: NA) and covariances fixed at 0 (freed)"))
hs_fixed <- paste0(
  "visual =~ x1 + x2 + x3 + 0*x9\n",
  "textual =~ x4 + x5 + x6\n",
  "speed =~ x7 + x8 + x9\n",
  "x2 ~~ 0.5*x2\n",
  "visual ~~ 0*speed\n"
)
mi_case("hs_fixed_values", hs_fixed, hs, hs_file, list(),
        paste("user-fixed parameters: a loading fixed at 0 (0*x9), a residual variance fixed",
              "at 0.5 and a latent covariance fixed at 0"))
mi_case("hs_meanstructure", hs_model, hs, hs_file, list(meanstructure = TRUE),
        "mean structure: latent means fixed at 0 (freed, not identified: NA)")
hs_means <- paste0(hs_model, "x8 ~ a*1\nx9 ~ a*1\n")
mi_case("hs_latent_means", hs_means, hs, hs_file, list(meanstructure = TRUE),
        paste("mean structure with the intercepts of x8 and x9 (sample means 5.53, 5.37) equal:",
              "the mean of speed, fixed at 0, is identified when freed; those of visual and",
              "textual are not (NA)"))

# ---------------------------------------------------------- observed covariates (fixed.x)
hs_x_model <- "visual =~ x1 + x2 + x3\ntextual =~ x4 + x5 + x6\ntextual ~ visual + ageyr\n"
mi_case("hs_chain_fixed_x", hs_x_model, hs, hs_file, list(),
        paste("observed covariate ageyr (fixed.x = TRUE): its variance row is exogenous and no",
              "candidate; the expected information has its moments zeroed"),
        fun = "sem")
mi_case("groups_hs_chain_fixed_x", hs_x_model, hs, hs_file, list(group = "school"),
        paste("hs_chain_fixed_x by school (multi-group, group_diagnostics): the covariate's",
              "moments are left out of each group's information"), fun = "sem")
mi_case("hs_chain_fixed_x_meanstructure", hs_x_model, hs, hs_file, list(meanstructure = TRUE),
        "as hs_chain_fixed_x with a mean structure (latent intercepts fixed at 0)", fun = "sem")

hs_path <- "x4 ~ x1 + x2\nx5 ~ x4 + x3\nx6 ~ x4\n"
mi_case("hs_path", hs_path, hs, hs_file, list(),
        paste("path analysis of observed variables: no residual covariance is a candidate",
              "(lavaan's ov.other: the outcomes are no indicators); every covariate is",
              "regressed on something in the extended model, and its fixed.x rows are",
              "listed (mi 0)"), fun = "sem")
hs_mixed <- "visual =~ x1 + x2 + x3\nx7 ~ visual + ageyr\nx8 ~ x7\n"
mi_case("hs_mixed_path", hs_mixed, hs, hs_file, list(),
        paste("observed outcomes x7, x8 of a latent and a covariate: no residual covariance",
              "with them is a candidate; the covariate's variance has no index (NA)"),
        fun = "sem")

# ------------------------------------------------------------------ Political Democracy
pd <- read.csv(file.path(datasets_dir, "PoliticalDemocracy.csv"))
# the syntax make_estimation.R fitted (recorded in its fixture), not a copy
estimation_syntax <- function(name) {
  fromJSON(file.path(fixtures_dir, paste0(name, ".json")))$provenance$model_syntax
}
pd_model <- estimation_syntax("poldem_sem")
mi_case("poldem_sem", pd_model, pd, list(name = "pd", file = "PoliticalDemocracy.csv"),
        list(), "lavaan tutorial SEM (Bollen 1989) with its residual covariances", fun = "sem")

# ------------------------------------------------- the default e-commerce model (bundled)
# loaded as its codebook says: -99 is missing, LOY4 reverse-keyed (8 - x); listwise deletion.
# The syntax is make_estimation.R's, loyaltysem.instruments.DEFAULT_MODEL (tests/test_fit.py
# checks that they are identical).
package_data <- file.path("src", "loyaltysem", "data")
ecom <- read.csv(file.path(package_data, "ecommerce.csv"))
items <- setdiff(names(ecom), c("respondent_id", "wave", "gender", "platform", "age"))
for (v in items) ecom[[v]][ecom[[v]] == -99] <- NA
ecom$LOY4 <- 8 - ecom$LOY4
ecom_model <- estimation_syntax("ecommerce_default")
mi_case("ecommerce_default", ecom_model, ecom,
        list(name = "ecom", file = "src/loyaltysem/data/ecommerce.csv"), list(),
        paste("the default model on the bundled survey, all three waves; -99 -> NA, LOY4",
              "reversed; listwise deletion (lavaan default)"), fun = "sem")

# ------------------------------------------------ full-information ML (missing = "ml")
# Holzinger-Swineford x1..x9 with the 10 % MCAR cells of make_missing.R / make_fiml.R
mcar <- function(d, seed, rate = 0.10) {
  set.seed(seed)
  d[matrix(runif(nrow(d) * ncol(d)) < rate, nrow(d), ncol(d))] <- NA
  d
}
hs_mcar <- mcar(hs[, paste0("x", 1:9)], 20261122)
mi_case("fiml_hs_orthogonal", hs_model, hs_mcar,
        list(name = "hs_mcar", file = paste("HolzingerSwineford1939.csv x1..x9;",
                                            "set.seed(20261122); each cell NA with",
                                            "probability 0.10")),
        list(missing = "ml", orthogonal = TRUE),
        paste("FIML (mean structure: latent means fixed at 0, freed, not identified: NA) with",
              "the latent covariances fixed at 0 by orthogonal = TRUE"),
        store_data = TRUE)
