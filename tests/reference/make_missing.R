#!/usr/bin/env Rscript
# Reference fixtures for loyaltysem.survey.missingness and loyaltysem._kernels.fiml
# (tests/test_missingness.py).
#
# Run from the repository root:  Rscript tests/reference/make_missing.R
# Writes tests/fixtures/missing/{hs_mcar10,ecommerce}.json with, for each data set:
#   - the data as used (NA = missing), so that Python reads exactly the same cells;
#   - lavInspect(fit, "patterns") (response patterns and their frequencies) and
#     lavInspect(fit, "coverage") of a CFA fitted with missing = "ml";
#   - the EM estimates of the saturated (h1) means and covariances, at lavaan's default
#     tolerance (em.h1.tol = 1e-5) and tightly converged (em.h1.tol = 1e-12), with
#     fitMeasures(fit, "unrestricted.logl") for both;
#   - the FIML log-likelihood fitMeasures(fit, "logl") of the fitted model and the
#     model-implied moments lavInspect(fit, "implied") at which it is evaluated.
# Numbers are written at full precision (jsonlite digits = NA), NA as null.
# Requires: lavaan, jsonlite.

suppressPackageStartupMessages({
  library(lavaan)
  library(jsonlite)
})

datasets_dir <- file.path("src", "loyaltysem", "data")
package_data <- file.path("src", "loyaltysem", "data")
out_dir <- file.path("tests", "fixtures", "missing")
stopifnot(dir.exists(datasets_dir), dir.exists(package_data), dir.exists(out_dir))

mat <- function(m) list(rows = rownames(m), cols = colnames(m), values = unname(m))

# frequency of each lavaan pattern (lavInspect(fit, "patterns") has no counts)
pattern_freq <- function(data, pat) {
  obs <- !is.na(as.matrix(data))
  key <- apply(obs * 1L, 1, paste, collapse = "")
  vapply(seq_len(nrow(pat)), function(i) sum(key == paste(pat[i, ] * 1L, collapse = "")), 1L)
}

case <- function(name, data, model, note, data_file) {
  items <- colnames(data)
  fit <- cfa(model, data = data, missing = "ml")
  fit_tight <- cfa(model, data = data, missing = "ml", em.h1.tol = 1e-12,
                   em.h1.iter.max = 100000L)
  h1 <- lavInspect(fit, "sampstat.h1")
  h1_tight <- lavInspect(fit_tight, "sampstat.h1")
  pat <- lavInspect(fit, "patterns")
  implied <- lavInspect(fit, "implied")
  out <- list(
    provenance = list(
      generator = "tests/reference/make_missing.R",
      r_version = R.version.string,
      lavaan_version = as.character(packageVersion("lavaan")),
      jsonlite_version = as.character(packageVersion("jsonlite")),
      date = format(Sys.time(), "%Y-%m-%d %H:%M:%S %Z"),
      data_file = data_file,
      note = note,
      call = "cfa(model, data, missing = 'ml')"
    ),
    items = items,
    model = model,
    data = unname(as.matrix(data)),
    nobs = lavInspect(fit, "nobs"),
    ntotal = lavInspect(fit, "ntotal"),
    patterns = list(observed = unname(pat * 1L), freq = pattern_freq(data, pat)),
    coverage = mat(lavInspect(fit, "coverage")),
    h1 = list(mean = as.numeric(h1$mean[items]), cov = mat(h1$cov[items, items]),
              unrestricted_logl = unname(fitMeasures(fit, "unrestricted.logl"))),
    h1_tight = list(mean = as.numeric(h1_tight$mean[items]),
                    cov = mat(h1_tight$cov[items, items]),
                    unrestricted_logl = unname(fitMeasures(fit_tight, "unrestricted.logl"))),
    logl = unname(fitMeasures(fit, "logl")),
    implied = list(mean = as.numeric(implied$mean[items]),
                   cov = mat(implied$cov[items, items]))
  )
  path <- file.path(out_dir, paste0(name, ".json"))
  writeLines(toJSON(out, auto_unbox = TRUE, digits = NA, na = "null", pretty = FALSE), path)
  cat("wrote", path, "\n")
}

# Holzinger-Swineford x1..x9 with 10% of the cells missing completely at random
hs <- read.csv(file.path(datasets_dir, "HolzingerSwineford1939.csv"))[, paste0("x", 1:9)]
set.seed(20261122)
hs[matrix(runif(nrow(hs) * 9) < 0.10, nrow(hs), 9)] <- NA
case("hs_mcar10", hs,
     "visual =~ x1 + x2 + x3\ntextual =~ x4 + x5 + x6\nspeed =~ x7 + x8 + x9",
     "x1..x9; set.seed(20261122); each cell NA with probability 0.10 (runif < 0.10)",
     "HolzingerSwineford1939.csv")

# the bundled survey: its own missing answers (-99), LOY4 reversed (8 - x)
ec <- read.csv(file.path(package_data, "ecommerce.csv"))
constructs <- list(
  REP = paste0("REP", 1:3), SEC = paste0("SEC", 1:3), SQ = paste0("SQ", 1:4),
  PQ = paste0("PQ", 1:3), PRI = paste0("PRI", 1:3), ASS = paste0("ASS", 1:3),
  TRU = paste0("TRU", 1:3), SAT = paste0("SAT", 1:3), LOY = paste0("LOY", 1:4)
)
items <- unlist(constructs, use.names = FALSE)
ec <- ec[, items]
ec[ec == -99] <- NA
ec$LOY4 <- 8 - ec$LOY4
model <- paste(sprintf("%s =~ %s", names(constructs),
                       vapply(constructs, paste, "", collapse = " + ")), collapse = "\n")
case("ecommerce", ec, model,
     "29 items; -99 -> NA; LOY4 reversed as 8 - x; nine-construct CFA",
     "src/loyaltysem/data/ecommerce.csv")
