#!/usr/bin/env Rscript
# Reference fixtures for convergence in the multi-group ML, WLSMV and multi-group WLSMV
# fits (tests/test_convergence_groups.py; issue 14, item 3), found by the differential
# test benchmarks/differential.py (lavaan side: tests/reference/differential.R).
#
# Run from the repository root:
#   Rscript tests/reference/make_convergence_groups.R
# Writes tests/fixtures/convergence_groups/<name>.json, each with
#   - provenance (R, lavaan, jsonlite versions, date, call, syntax, data file, note);
#   - lavInspect(fit, "nobs") (per group), lavInspect(fit, "converged"), "iterations", the largest absolute gradient entry, the
#     smallest and largest eigenvalue of lavInspect(fit, "information");
#   - parameterEstimates(fit) rows of the free parameters (lhs, op, rhs, group, est, se);
#   - the standard test's chi-square (lavInspect(fit, "test")[[1]]$stat) and
#     fitMeasures(fit) (every measure, named) where lavaan reports them.
# Cases (data in tests/data/, see tests/data/README.md):
#   Our optimizer used to stop short where lavaan converges:
#   - mg_ml_marker_sem_equal_loadings: a COMP/PERF/CUSL structural model with marker
#     scaling, two-indicator factors, loadings equal across the two service types
#     (corp_rep_data); from principal-component starts damped Fisher scoring ran out of
#     its 1,000 iterations (chi-square 47.774 against lavaan's 47.576);
#   - mg_wlsmv_marker_sem_equal_loadings: the same model with the items ordered (WLSMV):
#     Gauss-Newton ran out of its 500 iterations (42.357 against 41.853);
#   - wlsmv_two_factor_marker: a two-factor CFA of five corp_rep_data2 items (WLSMV):
#     Gauss-Newton converges only linearly where the model does not fit (chi-square
#     317) and ran out of its 500 iterations from every start;
#   - wlsmv_equal_loadings_sem: a REP/SAT/LOY structural model with two REP loadings
#     labelled equal (ecommerce, WLSMV): from principal-component starts Gauss-Newton
#     wandered off (chi-square 342 against lavaan's 18.21); from lavaan's starts it
#     converges in 13 steps.
#   lavaan's own choice, documented (docs/estimation.md, "Convergence"):
#   - wlsmv_ridge_std_lv: three two-indicator factors, std.lv = TRUE, PERF ~ COMP
#     (corp_rep_data2, WLSMV): lavaan says converged after about 2,200 iterations on a
#     ridge (PERF's loadings near 0, PERF ~ COMP near 144, the information singular: no
#     standard errors); we report not converged;
#   - mg_ml_flat_direction: a four-factor structural model, std.lv = TRUE, loadings,
#     intercepts and residuals equal across service types (corp_rep_data): lavaan stops
#     (nlminb rel.tol 1e-10) about 1e-3 short of the minimum along a flat direction
#     (ATTR ~ COMP, SE 1.34); our chi-square is lower.
# Numbers at full precision (digits = NA), NA as null.
# Requires: lavaan, jsonlite (Debian: r-cran-lavaan r-cran-jsonlite).

suppressPackageStartupMessages({
  library(lavaan)
  library(jsonlite)
})

data_dir <- file.path("tests", "data")
out_dir <- file.path("tests", "fixtures", "convergence_groups")
stopifnot(dir.exists(data_dir))
dir.create(out_dir, showWarnings = FALSE)

write_fixture <- function(name, fit, data_file, call, syntax, options, note) {
  pe <- parameterEstimates(fit, remove.nonfree = TRUE)
  group <- if (is.null(pe$group)) rep(1L, nrow(pe)) else pe$group
  converged <- lavInspect(fit, "converged")
  info <- tryCatch(eigen(lavInspect(fit, "information"), only.values = TRUE)$values,
                   error = function(e) NA)
  fm <- tryCatch(fitMeasures(fit), error = function(e) NULL)
  fixture <- list(
    provenance = list(
      generator = "tests/reference/make_convergence_groups.R",
      r_version = R.version.string,
      lavaan_version = as.character(packageVersion("lavaan")),
      jsonlite_version = as.character(packageVersion("jsonlite")),
      date = format(Sys.time(), "%Y-%m-%d %H:%M:%S %Z"),
      data_file = data_file,
      call = call,
      model_syntax = syntax,
      options = options,
      note = note
    ),
    nobs = as.list(lavInspect(fit, "nobs")),
    converged = converged,
    iterations = lavInspect(fit, "iterations"),
    gradient_max = max(abs(lavInspect(fit, "gradient"))),
    information_eigen_min = min(info),
    information_eigen_max = max(info),
    chisq_standard = lavInspect(fit, "test")[[1]]$stat,
    estimates = data.frame(lhs = pe$lhs, op = pe$op, rhs = pe$rhs, group = group,
                           est = pe$est, se = pe$se),
    fit_measures = if (is.null(fm)) NULL else as.list(setNames(as.numeric(fm), names(fm)))
  )
  path <- file.path(out_dir, paste0(name, ".json"))
  writeLines(toJSON(fixture, digits = NA, auto_unbox = TRUE, null = "null", na = "null",
                    pretty = TRUE), path)
  cat("wrote", path, "\n")
}

items <- c("comp_1", "comp_3", "perf_1", "perf_3", "perf_4", "cusl_1", "cusl_3")
by_type <- read.csv(file.path(data_dir, "corp_rep_data_servicetype.csv"))
model_sem <- "COMP =~ comp_1 + comp_3
PERF =~ perf_1 + perf_3 + perf_4
CUSL =~ cusl_1 + cusl_3
PERF ~ COMP
CUSL ~ COMP + PERF"

fit <- sem(model_sem, data = by_type, group = "servicetype", group.equal = "loadings")
write_fixture("mg_ml_marker_sem_equal_loadings", fit,
              "tests/data/corp_rep_data_servicetype.csv",
              "sem(model, data, group = \"servicetype\", group.equal = \"loadings\")",
              model_sem, list(group = "servicetype", group_equal = list("loadings")),
              "marker scaling, two-indicator factors")

fit <- sem(model_sem, data = by_type, group = "servicetype", group.equal = "loadings",
           ordered = items)
write_fixture("mg_wlsmv_marker_sem_equal_loadings", fit,
              "tests/data/corp_rep_data_servicetype.csv",
              paste0("sem(model, data, group = \"servicetype\", group.equal = \"loadings\", ",
                     "ordered = items)"),
              model_sem, list(group = "servicetype", group_equal = list("loadings"),
                              ordered = TRUE),
              "WLSMV (delta parameterization), every item ordered")

items2 <- read.csv(file.path(data_dir, "corp_rep_data2_items.csv"))
model_cfa <- "COMP =~ comp_1 + comp_3
PERF =~ perf_1 + perf_3 + perf_4"
fit <- sem(model_cfa, data = items2, ordered = c("comp_1", "comp_3", "perf_1", "perf_3",
                                                 "perf_4"))
write_fixture("wlsmv_two_factor_marker", fit, "tests/data/corp_rep_data2_items.csv",
              "sem(model, data, ordered = items)", model_cfa, list(ordered = TRUE),
              "WLSMV; chi-square 317: the model does not fit")

rsl <- read.csv(file.path(data_dir, "ecommerce_rep_sat_loy.csv"))
model_rsl <- "REP =~ REP1 + a*REP2 + a*REP3
SAT =~ SAT1 + SAT2
LOY =~ LOY2 + LOY4
SAT ~ REP
LOY ~ SAT"
fit <- sem(model_rsl, data = rsl, ordered = names(rsl))
write_fixture("wlsmv_equal_loadings_sem", fit, "tests/data/ecommerce_rep_sat_loy.csv",
              "sem(model, data, ordered = items)", model_rsl, list(ordered = TRUE),
              "WLSMV; two REP loadings labelled equal")

model_ridge <- "COMP =~ comp_1 + comp_3
PERF =~ perf_1 + perf_4
CUSL =~ cusl_1 + cusl_3
PERF ~ COMP"
ordered_ridge <- c("comp_1", "comp_3", "perf_1", "perf_4", "cusl_1", "cusl_3")
fit <- suppressWarnings(sem(model_ridge, data = items2[, ordered_ridge], std.lv = TRUE,
                            ordered = ordered_ridge))
write_fixture("wlsmv_ridge_std_lv", fit, "tests/data/corp_rep_data2_items.csv",
              "sem(model, data, std.lv = TRUE, ordered = items)", model_ridge,
              list(std_lv = TRUE, ordered = TRUE),
              paste("lavaan warns: the information matrix could not be inverted (no",
                    "standard errors, no robust test)"))

corp <- read.csv(file.path("src", "loyaltysem", "data", "corp_rep_data.csv"),
                 na.strings = c("NA", "-99"))
flat_items <- c("comp_1", "comp_2", "comp_3", "like_1", "like_2", "like_3", "cusl_1",
                "cusl_2", "attr_1", "attr_2", "attr_3")
corp <- corp[complete.cases(corp[, c(flat_items, "servicetype")]),
             c(flat_items, "servicetype")]
model_flat <- "COMP =~ comp_1 + comp_2 + comp_3
LIKE =~ like_1 + like_2 + like_3
CUSL =~ cusl_1 + cusl_2
ATTR =~ attr_1 + attr_2 + attr_3
CUSL ~ COMP
ATTR ~ COMP + LIKE + CUSL"
fit <- sem(model_flat, data = corp, std.lv = TRUE, group = "servicetype",
           group.equal = c("loadings", "intercepts", "residuals"))
write_fixture("mg_ml_flat_direction", fit, "src/loyaltysem/data/corp_rep_data.csv",
              paste0("sem(model, data, std.lv = TRUE, group = \"servicetype\", ",
                     "group.equal = c(\"loadings\", \"intercepts\", \"residuals\"))"),
              model_flat,
              list(std_lv = TRUE, group = "servicetype",
                   group_equal = list("loadings", "intercepts", "residuals"), na = -99L),
              "rows complete on the model's items (-99 = missing)")
