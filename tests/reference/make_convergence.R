#!/usr/bin/env Rscript
# Reference fixtures for convergence where our optimizer used to stop short
# (tests/test_convergence.py; issue 14, item 3).
#
# Run from the repository root:
#   Rscript tests/reference/make_convergence.R
# Writes tests/fixtures/convergence/<name>.json, each with
#   - provenance (R, lavaan, jsonlite versions, date, call, syntax, data file);
#   - lavInspect(fit, "converged"), lavInspect(fit, "iterations");
#   - parTable(fit) start values of the free parameters (lavaan's start = "default");
#   - parameterEstimates(fit) (est, se) and fitMeasures(fit) (every measure, named).
# Cases (data in tests/data/, see tests/data/README.md):
#   - ml_marker_two_indicator: a COMP/PERF/CUSL structural model on seven corp_rep_data2
#     items with marker scaling; two factors have two indicators and PERF's three
#     covariances multiply to a negative number. lavaan converges (to a Heywood case,
#     perf_3 ~~ perf_3 < 0); our principal-component starts slid along a ridge (PERF's
#     variance to 0, its loadings without bound) for 1,000 iterations.
#   - fiml_three_factor_mcar: the three-factor CFA of the same items with about 10 % of
#     the cells missing completely at random (missing = "ml"); our optimizer stopped on
#     such a ridge with a gradient below 1e-8 and reported converged = TRUE at a worse
#     likelihood (chi-square 129.54 against lavaan's 128.76).
# Numbers at full precision (digits = NA), NA as null.
# Requires: lavaan, jsonlite (Debian: r-cran-lavaan r-cran-jsonlite).

suppressPackageStartupMessages({
  library(lavaan)
  library(jsonlite)
})

data_dir <- file.path("tests", "data")
out_dir <- file.path("tests", "fixtures", "convergence")
stopifnot(dir.exists(data_dir))
dir.create(out_dir, showWarnings = FALSE)

write_fixture <- function(name, fit, data_file, call, syntax, note, tight = NULL) {
  pt <- parTable(fit)
  pe <- parameterEstimates(fit)
  fm <- fitMeasures(fit)
  fixture <- list(
    provenance = list(
      generator = "tests/reference/make_convergence.R",
      r_version = R.version.string,
      lavaan_version = as.character(packageVersion("lavaan")),
      jsonlite_version = as.character(packageVersion("jsonlite")),
      date = format(Sys.time(), "%Y-%m-%d %H:%M:%S %Z"),
      data_file = data_file,
      call = call,
      model_syntax = syntax,
      note = note
    ),
    converged = lavInspect(fit, "converged"),
    iterations = lavInspect(fit, "iterations"),
    gradient_max = max(abs(lavInspect(fit, "gradient"))),
    start = data.frame(lhs = pt$lhs[pt$free > 0], op = pt$op[pt$free > 0],
                       rhs = pt$rhs[pt$free > 0], start = pt$start[pt$free > 0]),
    estimates = data.frame(lhs = pe$lhs, op = pe$op, rhs = pe$rhs, est = pe$est,
                           se = pe$se),
    fit_measures = as.list(setNames(as.numeric(fm), names(fm)))
  )
  if (!is.null(tight)) {
    pt_tight <- parameterEstimates(tight)
    fixture$estimates_tight <- data.frame(lhs = pt_tight$lhs, op = pt_tight$op,
                                          rhs = pt_tight$rhs, est = pt_tight$est)
    fixture$gradient_max_tight <- max(abs(lavInspect(tight, "gradient")))
  }
  path <- file.path(out_dir, paste0(name, ".json"))
  writeLines(toJSON(fixture, digits = NA, auto_unbox = TRUE, null = "null", na = "null",
                    pretty = TRUE), path)
  cat("wrote", path, "\n")
}

model_sem <- "
COMP =~ comp_1 + comp_3
PERF =~ perf_1 + perf_3 + perf_4
CUSL =~ cusl_1 + cusl_3
COMP ~ PERF
CUSL ~ COMP + PERF
"
items <- read.csv(file.path(data_dir, "corp_rep_data2_items.csv"))
fit <- suppressWarnings(sem(model_sem, data = items))
# lavaan's default stopping rule (nlminb rel.tol = 1e-10, on F) stops about 2e-4 short of
# the minimum along PERF's flat direction (perf_3's loading has SE 13.8, the largest
# gradient element is 2.8e-5). The same call with rel.tol = 1e-11 runs on to a gradient of
# 1.9e-6 (nlminb then reports false convergence, so lavaan says converged = FALSE): its
# estimates are recorded too, as "estimates_tight"
tight <- suppressWarnings(sem(model_sem, data = items, control = list(rel.tol = 1e-11)))
write_fixture("ml_marker_two_indicator", fit, "tests/data/corp_rep_data2_items.csv",
              "sem(model, data = items)", model_sem,
              "marker scaling; lavaan warns: some estimated ov variances are negative",
              tight = tight)

model_cfa <- "
COMP =~ comp_1 + comp_3
PERF =~ perf_1 + perf_3 + perf_4
CUSL =~ cusl_1 + cusl_3
"
mcar <- read.csv(file.path(data_dir, "corp_rep_data2_mcar.csv"))
fit <- cfa(model_cfa, data = mcar, missing = "ml")
write_fixture("fiml_three_factor_mcar", fit, "tests/data/corp_rep_data2_mcar.csv",
              "cfa(model, data = mcar, missing = \"ml\")", model_cfa,
              "about 10 % of the cells missing completely at random (tests/data/README.md)")
