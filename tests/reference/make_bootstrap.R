#!/usr/bin/env Rscript
# Reference fixtures for loyaltysem.bootstrap.bootstrap (tests/test_sem_bootstrap.py).
#
# Run from the repository root:  Rscript tests/reference/make_bootstrap.R
# Writes tests/fixtures/bootstrap/poldem_indirect.json: lavaan's bootstrapLavaan() of the
# Political Democracy model with a labelled indirect effect, R = 200 draws, with the resample
# indices it used (keep.idx = TRUE, iseed = 20261122), and for every draw the free parameters
# (coef), the defined parameter and the standardized solution (std.all of every row), so
# that the same indices must give the same numbers. lavaan's defaults throughout (nlminb
# rel.tol = 1e-10; tighter settings make nlminb report false convergence on some draws).
# Also the ordinary and Bollen-Stine
# bootstrap of the chi-square (FUN = fitMeasures "chisq"), for the Bollen-Stine p-value.
# Requires: lavaan, jsonlite.

suppressPackageStartupMessages({
  library(lavaan)
  library(jsonlite)
})

shared <- file.path("..", "shared", "datasets")
out_dir <- file.path("tests", "fixtures", "bootstrap")
pd <- read.csv(file.path(shared, "PoliticalDemocracy.csv"))

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
  bollen_stine = list(indices = unname(attr(bs, "boot.idx")), chisq = as.numeric(bs[, 1]),
                      error_idx = as.integer(attr(bs, "error.idx")),
                      chisq_observed = unname(fitMeasures(fit, "chisq")))
)
path <- file.path(out_dir, "poldem_indirect.json")
writeLines(toJSON(out, auto_unbox = TRUE, digits = NA, na = "null", pretty = FALSE), path)
cat("wrote", path, "\n")
