#!/usr/bin/env Rscript
# Reference fixture for the polychoric robustness cases (tests/test_polychoric_robust.py).
#
# Run from the repository root:
#   Rscript tests/reference/make_polychoric_robust.R [FIXTURES_DIR]
# Default FIXTURES_DIR = tests/fixtures. Writes polychoric_robust.json.
#
# Every case is a two-item contingency table, expanded to raw data (one row per answer)
# and given to
#   - lavaan::lavCor(x, ordered = c("a", "b"))              the estimate we reproduce
#   - lavaan::lavCor(x, ordered = c("a", "b"), output = "th")   its thresholds
#   - psych::polychoric(x)$rho (and psych::tetrachoric(x)$rho for 2 x 2 tables), for the
#     record: psych maximises the unfloored likelihood with optimize() and differs from
#     lavaan on sparse tables (see docs/polychoric.md).
# Data:
#   - "tetrachoric_187_3_14_18": the 2 x 2 table [[187, 3], [14, 18]] (issue 14).
#   - "tetrachoric_56_1_49_256": [[56, 1], [49, 256]], found by the property test: lavaan's
#     own stop at the bound (the unfloored maximum is 0.953).
#   - "sparse_<seed>" / "flat_<seed>": simulated tables (generators below, seeds chosen
#     from a search over seeds 1-2500 / 1-3000 for tables where lavaan and psych differ
#     by more than 1e-3; the search loop is the same generator over all seeds):
#       sparse: N in {40, 60, 100, 200, 300}, 5 or 7 categories, rho ~ U(0.5, 0.95),
#               1-3 answers moved to the opposite corners (careless answers), so the
#               floored likelihood has two local maxima;
#       flat:   N in {15, ..., 150}, 3-7 categories, |rho| ~ U(0.6, 0.99), tables whose
#               likelihood rises towards +-1 and flattens (estimate at or near the bound).
#   - "random": every table from gen_random() over seeds 5001-5600 in which both items
#     use all their categories (2-7 each, N 10-300, |rho| < 0.98, 0-3 answers replaced by
#     random ones), with lavCor's estimate only: a broad check of the optimizer path.
#   - "wlsmv": gen_items(138), four 7-point items of one factor (N 300) with two careless
#     respondents answering 1 on y1 and 7 on y2, so the y1-y2 table has two maxima;
#     cfa("f =~ y1 + y2 + y3 + y4", x, ordered = TRUE, estimator = "WLSMV"):
#     parameterEstimates(fit), fitMeasures(fit), lavCor(x, ordered = TRUE) and
#     psych::polychoric(x)$rho; the data are stored (seed chosen among 1-150 where
#     lavCor and psych differ by more than 0.03).
# The tables themselves are written to the fixture, so the Python test needs no RNG.
# Numbers at full precision (jsonlite digits = NA). Requires: lavaan, psych, jsonlite.

suppressPackageStartupMessages({
  library(lavaan)
  library(psych)
  library(jsonlite)
})

args <- commandArgs(trailingOnly = TRUE)
fixtures_dir <- if (length(args) >= 1) args[[1]] else file.path("tests", "fixtures")
stopifnot(dir.exists(fixtures_dir))

expand <- function(tab) {
  r <- row(tab)
  c <- col(tab)
  data.frame(a = rep(as.vector(r), as.vector(tab)), b = rep(as.vector(c), as.vector(tab)))
}

gen_sparse <- function(seed) {
  set.seed(seed)
  n <- sample(c(40, 60, 100, 200, 300), 1)
  k <- sample(c(5, 7), 1)
  rho <- runif(1, 0.5, 0.95)
  z1 <- rnorm(n)
  z2 <- rho * z1 + sqrt(1 - rho^2) * rnorm(n)
  th1 <- sort(rnorm(k - 1, -0.5, 1))
  th2 <- sort(rnorm(k - 1, -0.5, 1))
  a <- findInterval(z1, th1) + 1
  b <- findInterval(z2, th2) + 1
  m <- sample(1:3, 1)
  idx <- sample(n, m)
  a[idx] <- sample(c(1, k), m, replace = TRUE)
  b[idx] <- ifelse(a[idx] == 1, k, 1)
  unclass(table(factor(a, 1:k), factor(b, 1:k)))
}

gen_flat <- function(seed) {
  set.seed(seed)
  n <- sample(c(15, 20, 30, 50, 80, 150), 1)
  k <- sample(c(3, 4, 5, 7), 1)
  rho <- sample(c(-1, 1), 1) * runif(1, 0.6, 0.99)
  z1 <- rnorm(n)
  z2 <- rho * z1 + sqrt(1 - rho^2) * rnorm(n)
  th1 <- sort(rnorm(k - 1, rnorm(1, 0, 0.7), 1))
  th2 <- sort(rnorm(k - 1, rnorm(1, 0, 0.7), 1))
  a <- findInterval(z1, th1) + 1
  b <- findInterval(z2, th2) + 1
  unclass(table(factor(a, 1:k), factor(b, 1:k)))
}

gen_random <- function(seed) {
  set.seed(seed)
  n <- sample(c(10, 20, 40, 80, 150, 300), 1)
  k1 <- sample(2:7, 1)
  k2 <- sample(2:7, 1)
  rho <- runif(1, -0.98, 0.98)
  z1 <- rnorm(n)
  z2 <- rho * z1 + sqrt(1 - rho^2) * rnorm(n)
  th1 <- sort(rnorm(k1 - 1, rnorm(1, 0, 0.7), 1))
  th2 <- sort(rnorm(k2 - 1, rnorm(1, 0, 0.7), 1))
  a <- findInterval(z1, th1) + 1
  b <- findInterval(z2, th2) + 1
  m <- sample(0:3, 1)
  if (m > 0) {
    idx <- sample(n, m)
    a[idx] <- sample(1:k1, m, TRUE)
    b[idx] <- sample(1:k2, m, TRUE)
  }
  if (length(unique(a)) < k1 || length(unique(b)) < k2) return(NULL)
  unclass(table(factor(a, 1:k1), factor(b, 1:k2)))
}

gen_items <- function(seed) {
  set.seed(seed)
  n <- 300
  k <- 7
  f <- rnorm(n)
  lam <- c(0.85, 0.9, 0.8, 0.88)
  th <- c(-2.2, -1.5, -0.9, -0.3, 0.4, 1.2)
  y <- sapply(lam, function(l) findInterval(l * f + sqrt(1 - l^2) * rnorm(n), th) + 1)
  idx <- sample(n, 2)
  y[idx, 1] <- 1
  y[idx, 2] <- k
  d <- as.data.frame(y)
  names(d) <- paste0("y", 1:4)
  d
}

one_case <- function(name, tab, note) {
  tab <- matrix(as.integer(tab), nrow(tab))
  x <- expand(tab)
  lav <- suppressWarnings(lavCor(x, ordered = c("a", "b")))
  th <- suppressWarnings(lavCor(x, ordered = c("a", "b"), output = "th"))
  ps <- suppressWarnings(suppressMessages(psych::polychoric(x)))
  out <- list(
    name = name,
    note = note,
    table = lapply(seq_len(nrow(tab)), function(i) tab[i, ]),
    n = sum(tab),
    pearson_start = cor(x$a, x$b),
    lavaan_rho = unclass(lav)[1, 2],
    lavaan_thresholds = list(names = names(th), values = unname(as.numeric(th))),
    psych_polychoric_rho = ps$rho[1, 2]
  )
  if (nrow(tab) == 2 && ncol(tab) == 2) {
    out$psych_tetrachoric_rho <- suppressWarnings(suppressMessages(psych::tetrachoric(x)))$rho[1, 2]
  }
  out
}

cases <- list(one_case(
  "tetrachoric_187_3_14_18", matrix(c(187, 14, 3, 18), 2),
  "no empty cell; lavaan's nlminb iterates from the Pearson start to 0.9145"
), one_case(
  "tetrachoric_56_1_49_256", matrix(c(56, 49, 1, 256), 2),
  "lavaan stops at the bound 0.999, where the one-answer cell's probability is floored"
))
sparse_seeds <- c(116, 722, 1533, 2114, 1071, 929, 489, 1307, 281, 529, 91)
for (s in sparse_seeds) {
  cases[[length(cases) + 1]] <- one_case(
    paste0("sparse_", s), gen_sparse(s),
    "careless answers in opposite corners: two local maxima of the floored likelihood"
  )
}
flat_seeds <- c(141, 149, 301, 2099, 2280, 472)
for (s in flat_seeds) {
  cases[[length(cases) + 1]] <- one_case(
    paste0("flat_", s), gen_flat(s),
    "likelihood flattens towards +-1: nlminb stops where its relative convergence test holds"
  )
}

random <- list()
for (s in 5001:5600) {
  tab <- gen_random(s)
  if (is.null(tab)) next
  tab <- matrix(as.integer(tab), nrow(tab))
  rho <- suppressWarnings(lavCor(expand(tab), ordered = c("a", "b")))[1, 2]
  random[[length(random) + 1]] <- list(
    seed = s, table = lapply(seq_len(nrow(tab)), function(i) tab[i, ]), lavaan_rho = rho
  )
}

items <- gen_items(138)
stopifnot(all(sapply(items, function(v) length(unique(v))) == 7))
wl_syntax <- "f =~ y1 + y2 + y3 + y4"
wl_fit <- suppressWarnings(cfa(wl_syntax, data = items, ordered = TRUE, estimator = "WLSMV"))
wl_pe <- parameterEstimates(wl_fit)
wl_fm <- fitMeasures(wl_fit)
wlsmv <- list(
  call = "cfa('f =~ y1 + y2 + y3 + y4', data = items, ordered = TRUE, estimator = 'WLSMV')",
  model_syntax = wl_syntax,
  items = names(items),
  data = unname(as.matrix(items)),
  lavcor = unname(unclass(suppressWarnings(lavCor(items, ordered = names(items))))),
  psych_rho = unname(suppressWarnings(suppressMessages(psych::polychoric(items)))$rho),
  parameter_estimates = list(lhs = wl_pe$lhs, op = wl_pe$op, rhs = wl_pe$rhs,
                             est = wl_pe$est, se = wl_pe$se),
  fit_measures = as.list(unclass(wl_fm))
)

fixture <- list(
  provenance = list(
    generator = "tests/reference/make_polychoric_robust.R",
    r_version = R.version.string,
    lavaan_version = as.character(packageVersion("lavaan")),
    psych_version = as.character(packageVersion("psych")),
    jsonlite_version = as.character(packageVersion("jsonlite")),
    date = format(Sys.time(), "%Y-%m-%d %H:%M:%S %Z"),
    calls = c("lavaan::lavCor(x, ordered = c('a', 'b'))",
              "lavaan::lavCor(x, ordered = c('a', 'b'), output = 'th')",
              "psych::polychoric(x)$rho", "psych::tetrachoric(x)$rho (2 x 2 only)")
  ),
  cases = cases,
  random = random,
  wlsmv = wlsmv
)
path <- file.path(fixtures_dir, "polychoric_robust.json")
writeLines(jsonlite::toJSON(fixture, digits = NA, auto_unbox = TRUE, na = "null",
                            null = "null", pretty = FALSE), path)
message("wrote ", path)
