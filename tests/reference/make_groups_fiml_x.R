#!/usr/bin/env Rscript
# Reference fixtures for multi-group full-information ML with a fixed.x covariate
# (loyaltysem.sem.multigroup.fit_groups(..., missing="ml"|"ml.x"); tests/test_groups.py).
#
# Run from the repository root (data: the packaged copies in src/loyaltysem/data):
#   Rscript tests/reference/make_groups_fiml_x.R [DATASETS_DIR] [FIXTURES_DIR]
# Defaults: DATASETS_DIR = src/loyaltysem/data, FIXTURES_DIR = tests/fixtures/groups.
#
# A small companion of make_groups.R (which takes ~20 min in full): the same JSON layout
# as its fit_case() (helpers copied from it), plus the data fitted ("data": the rows as
# a matrix, NA as null; "data_columns"; "data_groups": the school of each row), so that
# tests/test_groups.py rebuilds exactly the data lavaan saw.
#
# Data: HolzingerSwineford1939.csv, columns x1..x6 and ageyr with each cell NA with
# probability 0.10 (set.seed(20261203); the construction and seed of make_fiml.R's hsx
# case, so the cells are the same), grouped by school.
# Model: visual =~ x1 + x2 + x3; textual =~ x4 + x5 + x6; visual + textual ~ ageyr
# (ageyr an observed exogenous covariate, fixed.x = TRUE), group.equal = "loadings".
# Fits: missing = "ml" (rows missing ageyr deleted within their group) and "ml.x" (kept),
# with estimator ML and MLR; lavTestScore(fit) of the equal loadings ("score_test", as
# make_groups.R's score_json); modindices(fit) ("modindices": lhs, op, rhs, group, mi, epc,
# sepc.*) and the candidates with mi NA ("modindices_na", modindices(na.remove = FALSE)).
# Requires: lavaan, jsonlite.

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
    generator = "tests/reference/make_groups_fiml_x.R",
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

fit_case <- function(name, syntax, data, data_file, group, group_equal, note,
                     estimator = "ML", missing = "ml") {
  args <- list(model = syntax, data = data, group = group, missing = missing,
               group.equal = group_equal)
  if (estimator != "ML") args$estimator <- estimator
  call <- paste0("sem(model, data = hsx, group = \"", group, "\", group.equal = ",
                 paste(deparse(group_equal), collapse = ""),
                 if (estimator != "ML") paste0(", estimator = \"", estimator, "\"") else "",
                 ", missing = \"", missing, "\")")
  warns <- character(0)
  fit <- withCallingHandlers(do.call("sem", args), warning = function(w) {
    warns <<- c(warns, conditionMessage(w))
    invokeRestart("muffleWarning")
  })
  opt <- lavInspect(fit, "options")
  test <- lavInspect(fit, "test")$standard
  labels <- lavInspect(fit, "group.label")
  r2 <- lavInspect(fit, "rsquare")
  cols <- setdiff(names(data), group)
  fixture <- list(
    provenance = provenance(data_file, call, syntax, group, group_equal, character(0), note),
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
    lavaan_warnings = I(warns),
    chisq_group = I(as.numeric(test$stat.group)),
    parameter_estimates = df_json(parameterEstimates(fit, standardized = TRUE)),
    standardized_solution = df_json(standardizedSolution(fit, type = "std.all")),
    fit_measures = as.list(unclass(fitMeasures(fit))),
    rsquare = setNames(lapply(r2, function(v) as.list(unclass(v))), labels),
    data_columns = I(cols),
    data_groups = I(as.character(data[[group]])),
    data = unname(as.matrix(data[, cols]))
  )
  fixture$score_test <- score_json(fit)
  mi_cols <- c("lhs", "op", "rhs", "group", "mi", "epc", "sepc.lv", "sepc.all", "sepc.nox")
  fixture$modindices <- df_json(modindices(fit)[, mi_cols])
  all_mi <- modindices(fit, na.remove = FALSE)
  fixture$modindices_na <- df_json(all_mi[is.na(all_mi$mi), c("lhs", "op", "rhs", "group")])
  write_json(fixture, name)
  invisible(fit)
}

mcar <- function(d, seed, rate = 0.10) {
  set.seed(seed)
  d[matrix(runif(nrow(d) * ncol(d)) < rate, nrow(d), ncol(d))] <- NA
  d
}

hs <- read.csv(file.path(datasets_dir, "HolzingerSwineford1939.csv"))
hsx <- mcar(hs[, c(paste0("x", 1:6), "ageyr")], 20261203)  # the cells of make_fiml.R's hsx
hsx$school <- hs$school
hsx_note <- paste("HolzingerSwineford1939.csv x1..x6, ageyr; set.seed(20261203); each cell",
                  "NA with probability 0.10 (make_fiml.R's hsx); by school")
hsx_model <- "visual =~ x1 + x2 + x3\ntextual =~ x4 + x5 + x6\nvisual + textual ~ ageyr"
for (est in c("ML", "MLR")) {
  for (miss in c("ml", "ml.x")) {
    name <- paste0("hs_fixed_x_", gsub(".", "", miss, fixed = TRUE),
                   if (est == "MLR") "_mlr" else "")
    fit_case(name, hsx_model, hsx, "HolzingerSwineford1939.csv", "school", c("loadings"),
             paste(hsx_note, "; missing =", miss, "; estimator =", est),
             estimator = est, missing = miss)
  }
}
