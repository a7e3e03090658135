#!/usr/bin/env Rscript
# Reference fixtures for loyaltysem.bootstrap.bootstrap (tests/test_sem_bootstrap.py).
#
# Run from the repository root:  Rscript tests/reference/make_bootstrap.R
# Writes tests/fixtures/bootstrap/poldem_indirect.json (and hs_groups_indirect.json, a
# multi-group bootstrap, described at its section below): lavaan's bootstrapLavaan() of the
# Political Democracy model with a labelled indirect effect, R = 200 draws, with the resample
# indices it used (keep.idx = TRUE, iseed = 20261122), and for every draw the free parameters
# (coef), the defined parameter and the standardized solution (std.all of every row), so
# that the same indices must give the same numbers. lavaan's defaults throughout (nlminb
# rel.tol = 1e-10; tighter settings make nlminb report false convergence on some draws).
# Each file also holds, under "tight", the same bootstrap (same seed and indices) with
# every refit converged by lavaan's Gauss-Newton optimizer to optim.gn.tol.x = 1e-12.
# Also the ordinary and Bollen-Stine
# bootstrap of the chi-square (FUN = fitMeasures "chisq"), for the Bollen-Stine p-value.
# Requires: lavaan, jsonlite.

suppressPackageStartupMessages({
  library(lavaan)
  library(jsonlite)
})

datasets_dir <- file.path("src", "loyaltysem", "data")
out_dir <- file.path("tests", "fixtures", "bootstrap")
pd <- read.csv(file.path(datasets_dir, "PoliticalDemocracy.csv"))

model <- paste(
  "ind60 =~ x1 + x2 + x3",
  "dem60 =~ y1 + y2 + y3 + y4",
  "dem65 =~ y5 + y6 + y7 + y8",
  "dem60 ~ a*ind60",
  "dem65 ~ c*ind60 + b*dem60",
  "y1 ~~ y5",
  "y2 ~~ y4 + y6",
  "y3 ~~ y7",
  "y4 ~~ y8",
  "y6 ~~ y8",
  "ind := a*b",
  "total := c + a*b",
  sep = "\n"
)
fit <- sem(model, data = pd)
grab <- function(f) {
  c(coef(f), ind = unname(coef(f)["a"] * coef(f)["b"]),
    std = standardizedSolution(f, se = FALSE, zstat = FALSE, pvalue = FALSE,
                               ci = FALSE)$est.std)
}
R <- 200L
boot <- bootstrapLavaan(fit, R = R, FUN = grab, keep.idx = TRUE, iseed = 20261122)
# The same bootstrap (same seed, hence the same indices) with every refit converged
# tightly: lavaan's Gauss-Newton optimizer with optim.gn.tol.x = 1e-12 (its default
# nlminb stops each draw up to ~1e-4 from the optimum, which bounds any agreement).
tight_options <- list(optim.method = "GN", optim.gn.tol.x = 1e-12, optim.gn.iter.max = 1000L)
tight <- function(f, ...) {
  fit_t <- do.call("update", c(list(f), tight_options))
  b <- bootstrapLavaan(fit_t, R = R, keep.idx = TRUE, ...)
  list(options = tight_options, gradient = max(abs(lavInspect(fit_t, "optim.gradient"))),
       indices = unname(attr(b, "boot.idx")), draws = unname(b[, , drop = FALSE]),
       error_idx = as.integer(attr(b, "error.idx")))
}
boot_tight <- tight(fit, FUN = grab, iseed = 20261122)
idx <- attr(boot, "boot.idx")
bs <- bootstrapLavaan(fit, R = R, type = "bollen.stine", FUN = fitMeasures,
                      fit.measures = "chisq", keep.idx = TRUE, iseed = 20261122)
ss <- standardizedSolution(fit)
out <- list(
  provenance = list(
    generator = "tests/reference/make_bootstrap.R",
    r_version = R.version.string,
    lavaan_version = as.character(packageVersion("lavaan")),
    jsonlite_version = as.character(packageVersion("jsonlite")),
    date = format(Sys.time(), "%Y-%m-%d %H:%M:%S %Z"),
    data_file = "PoliticalDemocracy.csv",
    call = paste("bootstrapLavaan(sem(model, pd), R = 200, FUN = grab, keep.idx = TRUE,",
                 "iseed = 20261122); grab = coef, a*b and standardizedSolution()$est.std")
  ),
  model = model,
  nobs = lavInspect(fit, "nobs"),
  coef_names = names(coef(fit)),
  std_rows = list(lhs = ss$lhs, op = ss$op, rhs = ss$rhs),
  indices = unname(idx),
  draws = unname(boot[, , drop = FALSE]),
  error_idx = as.integer(attr(boot, "error.idx")),
  tight = boot_tight,
  bollen_stine = list(indices = unname(attr(bs, "boot.idx")), chisq = as.numeric(bs[, 1]),
                      error_idx = as.integer(attr(bs, "error.idx")),
                      chisq_observed = unname(fitMeasures(fit, "chisq")))
)
path <- file.path(out_dir, "poldem_indirect.json")
writeLines(toJSON(out, auto_unbox = TRUE, digits = NA, na = "null", pretty = FALSE), path)
cat("wrote", path, "\n")

# ------------------------------------------------------ a multi-group bootstrap
# Holzinger-Swineford by school, equal loadings, group-specific regressions c(a1, a2) and
# c(b1, b2), one equal across groups (c), and := indirect effects compared between the
# schools: bootstrapLavaan() resamples within each group; its indices (one R x n_g matrix
# per group), and for every draw the estimates and std.all of every row of
# parameterEstimates() (groups 1, 2, then the := rows) -> hs_groups_indirect.json.
hs <- read.csv(file.path(datasets_dir, "HolzingerSwineford1939.csv"))
hs_model <- paste(
  "visual =~ x1 + x2 + x3",
  "textual =~ x4 + x5 + x6",
  "speed =~ x7 + x8 + x9",
  "textual ~ c(a1, a2)*visual",
  "speed ~ c(b1, b2)*textual + c*visual",
  "ind1 := a1*b1",
  "ind2 := a2*b2",
  "diff := ind1 - ind2",
  sep = "\n"
)
hs_fit <- sem(hs_model, data = hs, group = "school", group.equal = "loadings")
grab_rows <- function(f) {
  c(parameterEstimates(f)$est,
    standardizedSolution(f, se = FALSE, zstat = FALSE, pvalue = FALSE, ci = FALSE)$est.std)
}
hs_boot <- bootstrapLavaan(hs_fit, R = R, FUN = grab_rows, keep.idx = TRUE, iseed = 20261201)
hs_tight <- tight(hs_fit, FUN = grab_rows, iseed = 20261201)
hs_bs <- bootstrapLavaan(hs_fit, R = R, type = "bollen.stine", FUN = fitMeasures,
                         fit.measures = "chisq", keep.idx = TRUE, iseed = 20261201)
hs_tight$indices <- lapply(hs_tight$indices, unname)
pe <- parameterEstimates(hs_fit)
out <- list(
  provenance = list(
    generator = "tests/reference/make_bootstrap.R",
    r_version = R.version.string,
    lavaan_version = as.character(packageVersion("lavaan")),
    jsonlite_version = as.character(packageVersion("jsonlite")),
    date = format(Sys.time(), "%Y-%m-%d %H:%M:%S %Z"),
    data_file = "HolzingerSwineford1939.csv",
    call = paste("bootstrapLavaan(sem(model, hs, group = \"school\", group.equal =",
                 "\"loadings\"), R = 200, FUN = grab_rows, keep.idx = TRUE, iseed = 20261201);",
                 "grab_rows = parameterEstimates()$est and standardizedSolution()$est.std")
  ),
  model = hs_model,
  group = "school",
  group_equal = I("loadings"),
  group_labels = I(lavInspect(hs_fit, "group.label")),
  nobs = I(unlist(lavInspect(hs_fit, "nobs"))),
  rows = list(lhs = pe$lhs, op = pe$op, rhs = pe$rhs, group = pe$group),
  indices = lapply(attr(hs_boot, "boot.idx"), unname),
  draws = unname(hs_boot[, , drop = FALSE]),
  error_idx = as.integer(attr(hs_boot, "error.idx")),
  tight = hs_tight,
  bollen_stine = list(indices = lapply(attr(hs_bs, "boot.idx"), unname),
                      chisq = as.numeric(hs_bs[, 1]),
                      error_idx = as.integer(attr(hs_bs, "error.idx")),
                      chisq_observed = unname(fitMeasures(hs_fit, "chisq")))
)
path <- file.path(out_dir, "hs_groups_indirect.json")
writeLines(toJSON(out, auto_unbox = TRUE, digits = NA, na = "null", pretty = FALSE), path)
cat("wrote", path, "\n")
