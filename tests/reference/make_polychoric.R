#!/usr/bin/env Rscript
# Reference fixtures for loyaltysem.sem.polychoric (tests/test_polychoric.py).
#
# Run from the repository root (data: the packaged copies in src/loyaltysem/data):
#   Rscript tests/reference/make_polychoric.R [DATASETS_DIR] [FIXTURES_DIR]
# Defaults: DATASETS_DIR = src/loyaltysem/data, FIXTURES_DIR = tests/fixtures.
#
# Writes tests/fixtures/polychoric_{holzinger,ecommerce,corp_rep}.json with, for item data x:
#   - lavaan::lavCor(x, ordered = names(x), missing = m, output = "th")     thresholds
#   - lavaan::lavCor(x, ordered = names(x), missing = m)                    polychorics
#     for m in "listwise" (lavCor's default) and "pairwise" (data with NA only)
#   - fit <- lavaan::lavCor(x, ordered = names(x), estimator = "WLSMV", output = "fit");
#     lavInspect(fit, "gamma") (NACOV; full matrix for 9 items, diagonal only for the
#     29-item survey) and diag(lavInspect(fit, "WLS.V"))
#   - psych::polychoric(x) ($rho, $tau; psych 2.2.9 defaults: global = TRUE,
#     correct = 0.5, smooth = TRUE)
#   - per construct: psych::alpha(psych::polychoric(x[, items])$rho)$total$std.alpha
#     and psych::alpha(lavCor(x[, items], ordered = items))$total$std.alpha
# Numbers are written at full precision (jsonlite digits = NA), NA as null.
# Requires: lavaan, psych, jsonlite.
#
# HolzingerSwineford1939 x1-x9 are cut into 5 ordered categories by the rule
#   cut(v, breaks = quantile(v, probs = seq(0, 1, 0.2)), include.lowest = TRUE, labels = FALSE)
# (quantile type 7; with n = 301 every break is an order statistic, so the rule is exact
# and the Python test repeats it with numpy.quantile).

suppressPackageStartupMessages({
  library(lavaan)
  library(psych)
  library(jsonlite)
})

args <- commandArgs(trailingOnly = TRUE)
datasets_dir <- if (length(args) >= 1) args[[1]] else file.path("src", "loyaltysem", "data")
fixtures_dir <- if (length(args) >= 2) args[[2]] else file.path("tests", "fixtures")
package_data <- file.path("src", "loyaltysem", "data")
stopifnot(dir.exists(datasets_dir), dir.exists(fixtures_dir), dir.exists(package_data))

matrix_list <- function(m) {
  m <- unclass(m)
  list(rows = rownames(m), columns = colnames(m), values = unname(as.matrix(m)))
}

named <- function(v) list(names = names(v), values = unname(as.numeric(v)))

lavaan_block <- function(x, missing, full_gamma) {
  items <- names(x)
  th <- lavCor(x, ordered = items, missing = missing, output = "th")
  r <- lavCor(x, ordered = items, missing = missing)
  out <- list(missing = missing, thresholds = named(th), correlation = matrix_list(r))
  fit <- lavCor(x, ordered = items, missing = missing, estimator = "WLSMV", output = "fit")
  g <- lavInspect(fit, "gamma")
  out$n <- lavInspect(fit, "nobs")
  out$gamma_names <- rownames(g)
  out$gamma_diag <- unname(diag(g))
  if (full_gamma) out$gamma <- unname(as.matrix(g))
  out$wls_v_diag <- unname(diag(lavInspect(fit, "WLS.V")))
  out
}

write_fixture <- function(name, file, x, constructs, note, full_gamma = TRUE) {
  items <- names(x)
  has_na <- anyNA(x)
  lav <- list(listwise = lavaan_block(x, "listwise", full_gamma))
  if (has_na) lav$pairwise <- lavaan_block(x, "pairwise", full_gamma)
  pc <- suppressWarnings(suppressMessages(psych::polychoric(x)))
  alpha <- list()
  for (cn in names(constructs)) {
    it <- constructs[[cn]]
    pr <- suppressWarnings(suppressMessages(psych::polychoric(x[, it])))$rho
    lr <- lavCor(x[, it], ordered = it)
    lp <- if (has_na) lavCor(x[, it], ordered = it, missing = "pairwise") else lr
    alpha[[cn]] <- list(
      items = it,
      psych_rho = matrix_list(pr),
      psych_std_alpha = suppressWarnings(suppressMessages(psych::alpha(pr)))$total$std.alpha,
      lavaan_std_alpha = suppressWarnings(suppressMessages(psych::alpha(unclass(lr))))$total$std.alpha,
      lavaan_pairwise_std_alpha =
        suppressWarnings(suppressMessages(psych::alpha(unclass(lp))))$total$std.alpha
    )
  }
  counts <- lapply(x, function(v) as.list(table(v)))
  fixture <- list(
    provenance = list(
      generator = "tests/reference/make_polychoric.R",
      r_version = R.version.string,
      lavaan_version = as.character(packageVersion("lavaan")),
      psych_version = as.character(packageVersion("psych")),
      jsonlite_version = as.character(packageVersion("jsonlite")),
      date = format(Sys.time(), "%Y-%m-%d %H:%M:%S %Z"),
      data_file = file,
      items = items,
      note = note
    ),
    n_rows = nrow(x),
    n_complete = sum(complete.cases(x)),
    counts = counts,
    lavaan = lav,
    psych = list(rho = matrix_list(pc$rho), tau = matrix_list(pc$tau)),
    ordinal_alpha = alpha
  )
  path <- file.path(fixtures_dir, paste0("polychoric_", name, ".json"))
  writeLines(
    jsonlite::toJSON(fixture, digits = NA, auto_unbox = TRUE, na = "null", null = "null",
                     pretty = FALSE),
    path
  )
  message("wrote ", path)
}

# HolzingerSwineford1939 x1-x9 cut into 5 categories (rule above).
hs <- read.csv(file.path(datasets_dir, "HolzingerSwineford1939.csv"))[, paste0("x", 1:9)]
cut5 <- function(v) cut(v, breaks = quantile(v, probs = seq(0, 1, 0.2)),
                        include.lowest = TRUE, labels = FALSE)
hs5 <- as.data.frame(lapply(hs, cut5))
# psych's global = FALSE branch (items with different highest categories): x1-x3 in
# quintiles, x4-x6 in quartiles (same rule with probs = seq(0, 1, 0.25)).
cut4 <- function(v) cut(v, breaks = quantile(v, probs = seq(0, 1, 0.25)),
                        include.lowest = TRUE, labels = FALSE)
mixed <- cbind(hs5[, paste0("x", 1:3)], as.data.frame(lapply(hs[, paste0("x", 4:6)], cut4)))
mixed_pc <- suppressWarnings(suppressMessages(psych::polychoric(mixed)))
writeLines(
  jsonlite::toJSON(list(
    provenance = list(generator = "tests/reference/make_polychoric.R",
                      r_version = R.version.string,
                      psych_version = as.character(packageVersion("psych")),
                      date = format(Sys.time(), "%Y-%m-%d %H:%M:%S %Z"),
                      note = "x1-x3 quintiles, x4-x6 quartiles: psych sets global = FALSE"),
    items = names(mixed),
    rho = matrix_list(mixed_pc$rho)
  ), digits = NA, auto_unbox = TRUE, na = "null", null = "null"),
  file.path(fixtures_dir, "polychoric_psych_local.json")
)

write_fixture("holzinger", "HolzingerSwineford1939.csv", hs5,
              list(visual = paste0("x", 1:3), textual = paste0("x", 4:6),
                   speed = paste0("x", 7:9)),
              "x1-x9 cut into 5 categories at their quintiles (type 7)")

# Bundled simulated e-commerce survey: 29 items, -99 = missing, LOY4 reverse-keyed on 1-7.
ec <- read.csv(file.path(package_data, "ecommerce.csv"))
ec_constructs <- list(REP = paste0("REP", 1:3), SEC = paste0("SEC", 1:3),
                      SQ = paste0("SQ", 1:4), PQ = paste0("PQ", 1:3),
                      PRI = paste0("PRI", 1:3), ASS = paste0("ASS", 1:3),
                      TRU = paste0("TRU", 1:3), SAT = paste0("SAT", 1:3),
                      LOY = paste0("LOY", 1:4))
ec <- ec[, unlist(ec_constructs, use.names = FALSE)]
ec[ec == -99] <- NA
ec$LOY4 <- 8 - ec$LOY4
write_fixture("ecommerce", "src/loyaltysem/data/ecommerce.csv", ec, ec_constructs,
              "29 items; -99 set to NA; LOY4 reversed as 8 - x", full_gamma = FALSE)

# corp_rep_data: comp, like, cusl items; -99 = missing.
corp <- read.csv(file.path(datasets_dir, "corp_rep_data.csv"))
corp_constructs <- list(comp = paste0("comp_", 1:3), like = paste0("like_", 1:3),
                        cusl = paste0("cusl_", 1:3))
corp <- corp[, unlist(corp_constructs, use.names = FALSE)]
corp[corp == -99] <- NA
write_fixture("corp_rep", "corp_rep_data.csv", corp, corp_constructs,
              "comp_1-3, like_1-3, cusl_1-3; -99 set to NA")
