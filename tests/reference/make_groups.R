#!/usr/bin/env Rscript
# Reference fixtures for multi-group ML and measurement invariance
# (loyaltysem.sem.multigroup.fit_groups and loyaltysem.sem.invariance.invariance; tests/test_groups.py).
#
# Run from the repository root (data: the packaged copies in src/loyaltysem/data):
#   Rscript tests/reference/make_groups.R [DATASETS_DIR] [FIXTURES_DIR]
# Defaults: DATASETS_DIR = src/loyaltysem/data, FIXTURES_DIR = tests/fixtures/groups.
#
# Writes one JSON file per fitted model, <name>.json, holding provenance (R, lavaan,
# semTools, jsonlite versions, date, call, syntax, group.equal, group.partial), the
# options lavaan resolved, the group labels and sizes, parameterEstimates(fit,
# standardized = TRUE) (with its group column; lavaan leaves the "==" rows out),
# standardizedSolution(fit) (std.all with delta-method SEs), fitMeasures(fit) (every
# measure, named), the chi-square of each group (lavInspect(fit, "test")), and
# lavInspect(fit, "rsquare") per group; and one ladder file per data set,
# ladder_<name>.json, with lavTestLRT between the invariance levels (configural,
# metric, scalar, strict) and lavTestScore(scalar) (univariate score tests of every
# equality constraint, with the parameter each constraint frees: lhs, op, rhs, group
# of its right-hand side; also in hs_metric_std_lv.json, with the total test). Numbers at full precision (digits = NA), NA as null.
# Requires: lavaan, semTools, jsonlite (Debian: r-cran-lavaan r-cran-semtools
# r-cran-jsonlite).

suppressPackageStartupMessages({
  library(lavaan)
  library(jsonlite)
})

args <- commandArgs(trailingOnly = TRUE)
datasets_dir <- if (length(args) >= 1) args[[1]] else file.path("src", "loyaltysem", "data")
fixtures_dir <- if (length(args) >= 2) args[[2]] else file.path("tests", "fixtures", "groups")
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

provenance <- function(data_file, call, syntax, group, group_equal, group_partial, note) {
  list(
    generator = "tests/reference/make_groups.R",
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

fit_case <- function(name, fun, syntax, data, data_file, group, group_equal = character(0),
                     group_partial = character(0), std_lv = FALSE, note = "", score = FALSE,
                     estimator = "ML", missing = "listwise") {
  args <- list(model = syntax, data = data, group = group, std.lv = std_lv)
  if (estimator != "ML") args$estimator <- estimator
  if (missing != "listwise") args$missing <- missing
  call <- paste0(fun, "(model, data = ", deparse(substitute(data)), ", group = \"", group, "\"")
  if (length(group_equal)) {
    args$group.equal <- group_equal
    call <- paste0(call, ", group.equal = ", paste(deparse(group_equal), collapse = ""))
  }
  if (length(group_partial)) {
    args$group.partial <- group_partial
    call <- paste0(call, ", group.partial = ", paste(deparse(group_partial), collapse = ""))
  }
  if (std_lv) call <- paste0(call, ", std.lv = TRUE")
  if (estimator != "ML") call <- paste0(call, ", estimator = \"", estimator, "\"")
  if (missing != "listwise") call <- paste0(call, ", missing = \"", missing, "\"")
  call <- paste0(call, ")")
  fit <- do.call(fun, args)
  opt <- lavInspect(fit, "options")
  test <- lavInspect(fit, "test")$standard
  labels <- lavInspect(fit, "group.label")
  r2 <- lavInspect(fit, "rsquare")
  fixture <- list(
    provenance = provenance(data_file, call, syntax, group, group_equal, group_partial, note),
    model_name = name,
    options = list(
      estimator = opt$estimator,
      meanstructure = opt$meanstructure,
      se = opt$se,
      test = I(opt$test),
      information = I(opt$information),
      fixed.x = opt$fixed.x,
      std.lv = opt$std.lv,
      missing = opt$missing
    ),
    group_labels = I(labels),
    nobs = I(unlist(lavInspect(fit, "nobs"))),
    norig = I(unlist(lavInspect(fit, "norig"))),
    npar = lavInspect(fit, "npar"),
    converged = lavInspect(fit, "converged"),
    chisq_group = I(as.numeric(test$stat.group)),
    parameter_estimates = df_json(parameterEstimates(fit, standardized = TRUE)),
    standardized_solution = df_json(standardizedSolution(fit, type = "std.all")),
    fit_measures = as.list(unclass(fitMeasures(fit))),
    rsquare = setNames(lapply(r2, function(v) as.list(unclass(v))), labels)
  )
  if (score) fixture$score_test <- score_json(fit)
  write_json(fixture, name)
  invisible(fit)
}

ladder <- function(name, fits, data_file, syntax, group, note, score = TRUE) {
  lrt <- do.call(lavTestLRT, unname(fits))
  lrt_df <- df_json(as.data.frame(lrt))
  lrt_df$model <- names(fits)[order(sapply(fits, function(f) fitMeasures(f, "df")))]
  out <- list(
    provenance = provenance(data_file, "lavTestLRT(configural, metric, scalar, strict)",
                            syntax, group, character(0), character(0), note),
    levels = I(names(fits)),
    fit_measures = lapply(fits, function(f) as.list(unclass(fitMeasures(f)))),
    lrt = lrt_df
  )
  if (score) out$score_test_scalar <- score_json(fits[["scalar"]])
  write_json(out, paste0("ladder_", name))
}

levels_equal <- list(
  configural = character(0),
  metric = c("loadings"),
  scalar = c("loadings", "intercepts"),
  strict = c("loadings", "intercepts", "residuals")
)

# -------------------------------------------------- Holzinger & Swineford by school
hs <- read.csv(file.path(datasets_dir, "HolzingerSwineford1939.csv"))
hs_model <- "
visual  =~ x1 + x2 + x3
textual =~ x4 + x5 + x6
speed   =~ x7 + x8 + x9
"
hs_fits <- list()
for (lev in names(levels_equal)) {
  hs_fits[[lev]] <- fit_case(paste0("hs_", lev), "cfa", hs_model, hs,
                             "HolzingerSwineford1939.csv", "school", levels_equal[[lev]],
                             note = paste("invariance level", lev))
}
ladder("hs", hs_fits, "HolzingerSwineford1939.csv", hs_model, "school",
       "3-factor CFA by school: the invariance ladder")
fit_case("hs_scalar_partial", "cfa", hs_model, hs, "HolzingerSwineford1939.csv", "school",
         c("loadings", "intercepts"), c("x3 ~ 1", "x7~1", "visual =~ x2"),
         note = "partial scalar invariance: two intercepts and one loading free")
fit_case("hs_metric_std_lv", "cfa", hs_model, hs, "HolzingerSwineford1939.csv", "school",
         c("loadings"), std_lv = TRUE, score = TRUE,
         note = paste("std.lv = TRUE with equal loadings: latent variances free in group 2;",
                      "lavTestScore (the model without constraints is not identified)"))
hs_sem <- "
visual  =~ x1 + x2 + x3
textual =~ x4 + x5 + x6
speed   =~ x7 + x8 + x9
speed ~ visual + textual
x7 ~~ x8
"
fit_case("hs_sem_all_equal", "sem", hs_sem, hs, "HolzingerSwineford1939.csv", "school",
         c("loadings", "intercepts", "means", "residuals", "residual.covariances",
           "lv.variances", "lv.covariances", "regressions"),
         note = "every group.equal keyword of a continuous model")
fit_case("hs_sem_configural", "sem", hs_sem, hs, "HolzingerSwineford1939.csv", "school",
         note = "structural model with a residual covariance, groups free")

hs_fixed_x <- "
visual  =~ x1 + x2 + x3
textual =~ x4 + x5 + x6
visual ~ ageyr
textual ~ ageyr
"
fit_case("hs_sem_fixed_x", "sem", hs_fixed_x, hs, "HolzingerSwineford1939.csv", "school",
         c("loadings", "intercepts", "regressions"),
         note = "an observed covariate (fixed.x: its moments fixed at each group's sample values)")

# ------------------------------------------- the bundled e-commerce survey by wave
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
ecom_fits <- list()
for (lev in names(levels_equal)) {
  ecom_fits[[lev]] <- fit_case(paste0("ecommerce_", lev), "cfa", ecom_cfa, ecom,
                               "src/loyaltysem/data/ecommerce.csv", "wave",
                               levels_equal[[lev]],
                               note = paste("nine-construct CFA by wave; -99 -> NA, LOY4",
                                            "reversed (8 - x); listwise deletion; level", lev))
}
ladder("ecommerce", ecom_fits, "src/loyaltysem/data/ecommerce.csv", ecom_cfa, "wave",
       "nine-construct CFA by wave (wave 3 has drifted loadings of TRU2, SAT3, LOY1)")

# ------------------------------------- robust (MLR, MLM) and full-information ML
hs_mlr <- list()
for (lev in names(levels_equal)) {
  hs_mlr[[lev]] <- fit_case(paste0("hs_", lev, "_mlr"), "cfa", hs_model, hs,
                            "HolzingerSwineford1939.csv", "school", levels_equal[[lev]],
                            estimator = "MLR",
                            note = paste("MLR (Huber-White SEs, Yuan-Bentler Mplus test):",
                                         "invariance level", lev))
}
ladder("hs_mlr", hs_mlr, "HolzingerSwineford1939.csv", hs_model, "school",
       "3-factor CFA by school, MLR: lavTestLRT's scaled difference (satorra.bentler.2001)",
       score = FALSE)
fit_case("hs_metric_mlm", "cfa", hs_model, hs, "HolzingerSwineford1939.csv", "school",
         c("loadings"), estimator = "MLM",
         note = "MLM (robust.sem SEs, Satorra-Bentler test), equal loadings")
fit_case("hs_sem_configural_mlr", "sem", hs_sem, hs, "HolzingerSwineford1939.csv", "school",
         estimator = "MLR", note = "structural model, MLR, groups free")
fit_case("ecommerce_scalar_mlr", "cfa", ecom_cfa, ecom, "src/loyaltysem/data/ecommerce.csv",
         "wave", c("loadings", "intercepts"), estimator = "MLR",
         note = "nine-construct CFA by wave, MLR, listwise deletion, scalar level")
fit_case("ecommerce_metric_fiml", "cfa", ecom_cfa, ecom, "src/loyaltysem/data/ecommerce.csv",
         "wave", c("loadings"), missing = "ml",
         note = "nine-construct CFA by wave, full-information ML (the survey's own -99s)")
fit_case("ecommerce_metric_fiml_mlr", "cfa", ecom_cfa, ecom,
         "src/loyaltysem/data/ecommerce.csv", "wave", c("loadings"), missing = "ml",
         estimator = "MLR", note = "nine-construct CFA by wave, FIML with MLR")

# ------------------------------------------ defined parameters (:=) with groups
hs_defined <- "
visual  =~ x1 + x2 + x3
textual =~ x4 + x5 + x6
speed   =~ x7 + x8 + x9
textual ~ c(a1, a2)*visual
speed ~ c(b1, b2)*textual + c*visual
ind1 := a1*b1
ind2 := a2*b2
diff := ind1 - ind2
total1 := c + a1*b1
"
fit_case("hs_sem_defined", "sem", hs_defined, hs, "HolzingerSwineford1939.csv", "school",
         c("loadings"), note = paste("group-specific labels c(a1, a2), one label equal across",
                                     "groups (c), and := effects compared between groups"))
fit_case("hs_sem_defined_mlr", "sem", hs_defined, hs, "HolzingerSwineford1939.csv", "school",
         c("loadings"), estimator = "MLR", note = "the same with MLR (robust delta-method SEs)")

# ------------------------------ full-information ML invariance ladders (missing = "ml")
# The nine-construct CFA by wave on the survey's own missing answers (-99): every
# level with missing = "ml" (estimator ML, then MLR), lavTestLRT between the levels
# (MLR: the scaled difference, satorra.bentler.2001) and lavTestScore of the ML
# scalar model (lavTestScore uses the expected information; with MLR it warns and
# gives the same ordinary score test, so it is not repeated). The metric fits rewrite
# ecommerce_metric_fiml.json and ecommerce_metric_fiml_mlr.json from above (the same call).
ecom_fiml <- list()
ecom_fiml_mlr <- list()
for (lev in names(levels_equal)) {
  ecom_fiml[[lev]] <- fit_case(paste0("ecommerce_", lev, "_fiml"), "cfa", ecom_cfa, ecom,
                               "src/loyaltysem/data/ecommerce.csv", "wave",
                               levels_equal[[lev]], missing = "ml",
                               note = paste("nine-construct CFA by wave, full-information ML",
                                            "(the survey's own -99s); level", lev))
  ecom_fiml_mlr[[lev]] <- fit_case(paste0("ecommerce_", lev, "_fiml_mlr"), "cfa", ecom_cfa,
                                   ecom, "src/loyaltysem/data/ecommerce.csv", "wave",
                                   levels_equal[[lev]], missing = "ml", estimator = "MLR",
                                   note = paste("nine-construct CFA by wave, FIML with MLR;",
                                                "level", lev))
}
ladder("ecommerce_fiml", ecom_fiml, "src/loyaltysem/data/ecommerce.csv", ecom_cfa, "wave",
       "nine-construct CFA by wave, missing = \"ml\": the invariance ladder")
ladder("ecommerce_fiml_mlr", ecom_fiml_mlr, "src/loyaltysem/data/ecommerce.csv", ecom_cfa,
       "wave", paste("nine-construct CFA by wave, missing = \"ml\", MLR: lavTestLRT's scaled",
                     "difference (satorra.bentler.2001)"), score = FALSE)
