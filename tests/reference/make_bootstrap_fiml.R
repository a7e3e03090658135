#!/usr/bin/env Rscript
# Reference fixtures for the bootstrap of full-information ML fits
# (loyaltysem.bootstrap of a missing = "ml" fit; tests/test_sem_bootstrap.py).
#
# Run from the repository root:  Rscript tests/reference/make_bootstrap_fiml.R
# Writes tests/fixtures/bootstrap/ecommerce_fiml_indirect.json: lavaan's bootstrapLavaan()
# of a trust -> satisfaction -> loyalty model fitted with missing = "ml" to the bundled
# e-commerce survey (its own -99 answers as NA, LOY4 reversed as 8 - x; every respondent
# with an answer is resampled, incomplete rows included), R = 200 draws, its resample
# indices (keep.idx = TRUE, iseed = 20261203), and per draw the free parameters (coef),
# the defined parameter and the standardized solution (std.all of every row), with
# lavaan's default optimizer settings (tightening nlminb's tolerances moves these draws by
# less than 1e-6, and lavaan's Gauss-Newton optimizer does not converge with missing = "ml",
# so the defaults are the reference). Also a multi-group case (by wave, equal loadings).
# R and package versions recorded. Requires: lavaan, jsonlite.

suppressPackageStartupMessages({
  library(lavaan)
  library(jsonlite)
})

out_dir <- file.path("tests", "fixtures", "bootstrap")
ecom <- read.csv(file.path("src", "loyaltysem", "data", "ecommerce.csv"))
items <- setdiff(names(ecom), c("respondent_id", "wave", "gender", "platform", "age"))
for (v in items) ecom[[v]][ecom[[v]] == -99] <- NA
ecom$LOY4 <- 8 - ecom$LOY4

model <- paste(
  "TRU =~ TRU1 + TRU2 + TRU3",
  "SAT =~ SAT1 + SAT2 + SAT3",
  "LOY =~ LOY1 + LOY2 + LOY3 + LOY4",
  "SAT ~ a*TRU",
  "LOY ~ b*SAT + c*TRU",
  "ind := a*b",
  sep = "\n"
)
R <- 200L
grab <- function(f) {
  c(parameterEstimates(f)$est,
    standardizedSolution(f, se = FALSE, zstat = FALSE, pvalue = FALSE, ci = FALSE)$est.std)
}
run <- function(fit, seed) {
  b <- bootstrapLavaan(fit, R = R, FUN = grab, keep.idx = TRUE, iseed = seed)
  idx <- attr(b, "boot.idx")
  if (is.list(idx)) idx <- lapply(idx, unname) else idx <- list(unname(idx))
  list(indices = idx, draws = unname(b[, , drop = FALSE]),
       error_idx = as.integer(attr(b, "error.idx")),
       gradient = max(abs(lavInspect(fit, "optim.gradient"))))
}
provenance <- function(call) {
  list(
    generator = "tests/reference/make_bootstrap_fiml.R",
    r_version = R.version.string,
    lavaan_version = as.character(packageVersion("lavaan")),
    jsonlite_version = as.character(packageVersion("jsonlite")),
    date = format(Sys.time(), "%Y-%m-%d %H:%M:%S %Z"),
    data_file = "src/loyaltysem/data/ecommerce.csv (-99 -> NA, LOY4 -> 8 - LOY4)",
    call = call
  )
}
rows <- function(fit) {
  pe <- parameterEstimates(fit)
  list(lhs = pe$lhs, op = pe$op, rhs = pe$rhs, group = pe$group)
}
fit <- sem(model, data = ecom, missing = "ml")
out <- list(
  provenance = provenance(paste("bootstrapLavaan(sem(model, ecom, missing = \"ml\"), R = 200,",
                                "FUN = grab, keep.idx = TRUE, iseed = 20261203)")),
  model = model, nobs = lavInspect(fit, "nobs"), rows = rows(fit),
  default = run(fit, 20261203)
)
mg_fit <- sem(model, data = ecom, missing = "ml", group = "wave", group.equal = "loadings")
out$groups <- list(
  call = paste("bootstrapLavaan(sem(model, ecom, missing = \"ml\", group = \"wave\",",
               "group.equal = \"loadings\"), R = 200, FUN = grab, keep.idx = TRUE,",
               "iseed = 20261204)"),
  group = "wave", group_equal = I("loadings"),
  group_labels = I(lavInspect(mg_fit, "group.label")),
  nobs = I(unlist(lavInspect(mg_fit, "nobs"))), rows = rows(mg_fit),
  default = run(mg_fit, 20261204)
)
path <- file.path(out_dir, "ecommerce_fiml_indirect.json")
writeLines(toJSON(out, auto_unbox = TRUE, digits = NA, na = "null", pretty = FALSE), path)
cat("wrote", path, "\n")
