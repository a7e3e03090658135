#!/usr/bin/env Rscript
# Reference fixtures for loyaltysem.validate(..., ordinal = TRUE)
# (tests/test_validity_ordinal.py).
#
# Run from the repository root (data: the packaged copies in src/loyaltysem/data):
#   Rscript tests/reference/make_validity_ordinal.R [DATASETS_DIR] [FIXTURES_DIR]
# Defaults: DATASETS_DIR = src/loyaltysem/data, FIXTURES_DIR = tests/fixtures/validity.
#
# For each data set, all items declared ordered, listwise deletion over all the items:
#   - the WLSMV CFA of its constructs: cfa(model, data, ordered = items, estimator = "WLSMV")
#     (lavaan defaults: delta parameterization), its standardizedSolution() loadings
#     (est.std, se) and latent correlations lavInspect(fit, "cor.lv");
#   - semTools::compRelSEM(fit) with its defaults (obs.var = TRUE, ord.scale = TRUE): the
#     categorical omega of Green & Yang (2009), semTools:::omegaCat; and
#     compRelSEM(fit, ord.scale = FALSE): omega of the latent responses y*;
#   - semTools::AVE(fit), and rho_c and AVE by formula from standardizedSolution():
#     rho_c = (sum l)^2 / ((sum l)^2 + sum(1 - l^2)), ave = mean(l^2) (design.md section 4);
#   - semTools::htmt(model, data, ordered = items, htmt2 = FALSE | TRUE) (polychoric
#     correlations of lavCor(missing = "listwise"), absolute values);
#   - ordinal alpha (Zumbo, Gadermann & Zeisser 2007) per construct as
#     psych::alpha(psych::polychoric(x)$rho) on the complete rows, and psych::alpha() on the
#     construct's block of lavCor(x, ordered = items): raw/std alpha, alpha.drop (raw_alpha)
#     and item.stats (r.drop);
#   - Harman's single-factor share on the polychoric matrix: eigen(R)$values[1] / p;
#   - e-commerce: the WLSMV CFA without LOY4 (rho_c and AVE of LOY, for the removal table).
# Data:
#   - the bundled e-commerce survey as tests/reference/make_robust.R loads it
#     (-99 -> NA, LOY4 reversed as 8 - x);
#   - HolzingerSwineford1939 x1-x9 cut into 5 ordered categories by the rule of
#     tests/reference/make_polychoric.R (quantile type 7 breaks, include.lowest = TRUE);
#   - the same with x1-x3 split at the median and x4-x6 at the tertiles (as make_wlsmv.R);
#   - x1-x7 in quintiles with a single-item construct (speed = x7), whose factor variance is
#     fixed at 1 (speed ~~ 1*speed: unidentified otherwise, as lavaan reports).
# Numbers at full precision (digits = NA), NA as null.
# Requires: lavaan, semTools, psych, jsonlite (Debian: r-cran-lavaan r-cran-semtools
# r-cran-psych r-cran-jsonlite).

suppressPackageStartupMessages({
  library(lavaan)
  library(semTools)
  library(psych)
  library(jsonlite)
})

args <- commandArgs(trailingOnly = TRUE)
datasets_dir <- if (length(args) >= 1) args[[1]] else file.path("src", "loyaltysem", "data")
out_dir <- if (length(args) >= 2) args[[2]] else file.path("tests", "fixtures", "validity")
stopifnot(dir.exists(datasets_dir))
dir.create(out_dir, showWarnings = FALSE, recursive = TRUE)

mat_json <- function(m) {
  m <- as.matrix(m)
  list(names = rownames(m),
       values = unname(lapply(seq_len(nrow(m)), function(i) unname(as.numeric(m[i, ])))))
}

cfa_syntax <- function(constructs) {
  paste(vapply(names(constructs), function(f) {
    paste0(f, " =~ ", paste(constructs[[f]], collapse = " + "))
  }, ""), collapse = "\n")
}

formula_rel <- function(fit, constructs) {
  ss <- standardizedSolution(fit)
  lam <- ss[ss$op == "=~", ]
  out <- lapply(names(constructs), function(f) {
    l <- lam$est.std[lam$lhs == f]
    list(rho_c = sum(l)^2 / (sum(l)^2 + sum(1 - l^2)), ave = mean(l^2))
  })
  names(out) <- names(constructs)
  out
}

alpha_parts <- function(r) {
  a <- suppressWarnings(suppressMessages(psych::alpha(r)))
  list(raw_alpha = a$total$raw_alpha, std_alpha = a$total$std.alpha,
       alpha_drop = as.list(setNames(a$alpha.drop$raw_alpha, rownames(a$alpha.drop))),
       r_drop = as.list(setNames(a$item.stats$r.drop, rownames(a$item.stats))))
}

write_case <- function(name, data, constructs, data_file, note, extra = list()) {
  items <- unlist(constructs, use.names = FALSE)
  model <- cfa_syntax(constructs)
  # a single ordinal indicator leaves its factor variance unidentified: fix it at 1
  singles <- names(constructs)[lengths(constructs) == 1]
  if (length(singles)) model <- paste0(model, "\n", paste0(singles, " ~~ 1*", singles,
                                                           collapse = "\n"))
  complete <- data[complete.cases(data[, items]), items]
  fit <- cfa(model, data = data, ordered = items, estimator = "WLSMV")
  ss <- standardizedSolution(fit)
  lam <- ss[ss$op == "=~", c("lhs", "rhs", "est.std", "se")]
  rownames(lam) <- NULL
  pc <- lavCor(data[, items], ordered = items, missing = "listwise")
  ev <- eigen(pc, symmetric = TRUE, only.values = TRUE)$values
  ord_alpha <- lapply(constructs[lengths(constructs) > 1], function(v) {
    rho <- suppressWarnings(suppressMessages(psych::polychoric(complete[, v])))
    list(psych_polychoric = c(alpha_parts(rho$rho), list(global = isTRUE(all(
      apply(complete[, v], 2, max) == max(complete[, v]))))),
      lavcor = alpha_parts(unclass(pc)[v, v]))
  })
  fixture <- c(list(
    provenance = list(
      generator = "tests/reference/make_validity_ordinal.R",
      r_version = R.version.string,
      lavaan_version = as.character(packageVersion("lavaan")),
      semtools_version = as.character(packageVersion("semTools")),
      psych_version = as.character(packageVersion("psych")),
      mnormt_version = as.character(packageVersion("mnormt")),
      jsonlite_version = as.character(packageVersion("jsonlite")),
      date = format(Sys.time(), "%Y-%m-%d %H:%M:%S %Z"),
      data_file = data_file,
      call = "cfa(model, data, ordered = items, estimator = \"WLSMV\")",
      note = note
    ),
    constructs = constructs,
    model = model,
    nobs = lavInspect(fit, "nobs"),
    standardized_loadings = lam,
    omega = as.list(compRelSEM(fit)),
    omega_latent = as.list(compRelSEM(fit, ord.scale = FALSE)),
    ave_semtools = as.list(AVE(fit)),
    formula = formula_rel(fit, constructs),
    cor_lv = mat_json(lavInspect(fit, "cor.lv")),
    fit_measures = as.list(fitMeasures(fit, c("chisq.scaled", "df", "cfi.scaled",
                                              "tli.scaled", "rmsea.scaled", "srmr"))),
    polychoric = mat_json(unclass(pc)),
    htmt = if (length(singles)) NULL else
      mat_json(unclass(htmt(model, data, ordered = items, htmt2 = FALSE))),
    htmt2 = if (length(singles)) NULL else
      mat_json(unclass(htmt(model, data, ordered = items, htmt2 = TRUE))),
    ordinal_alpha = ord_alpha,
    harman = list(first_eigenvalue = ev[1], share = ev[1] / length(items), n = nrow(complete))
  ), extra)
  path <- file.path(out_dir, paste0("ordinal_", name, ".json"))
  writeLines(toJSON(fixture, digits = NA, auto_unbox = TRUE, na = "null", null = "null",
                    pretty = TRUE), path)
  message("wrote ", path)
}

# ---------------------------------------------------------------- e-commerce (bundled)
ecom <- read.csv(file.path("src", "loyaltysem", "data", "ecommerce.csv"))
ecom_constructs <- list(
  REP = c("REP1", "REP2", "REP3"), SEC = c("SEC1", "SEC2", "SEC3"),
  SQ = c("SQ1", "SQ2", "SQ3", "SQ4"), PQ = c("PQ1", "PQ2", "PQ3"),
  PRI = c("PRI1", "PRI2", "PRI3"), ASS = c("ASS1", "ASS2", "ASS3"),
  TRU = c("TRU1", "TRU2", "TRU3"), SAT = c("SAT1", "SAT2", "SAT3"),
  LOY = c("LOY1", "LOY2", "LOY3", "LOY4")
)
ecom_items <- unlist(ecom_constructs, use.names = FALSE)
for (v in ecom_items) ecom[[v]][ecom[[v]] == -99] <- NA
ecom$LOY4 <- 8 - ecom$LOY4
without <- ecom_constructs
without$LOY <- c("LOY1", "LOY2", "LOY3")
without_items <- unlist(without, use.names = FALSE)
fit_without <- cfa(cfa_syntax(without), data = ecom, ordered = without_items,
                   estimator = "WLSMV")
write_case("ecommerce", ecom, ecom_constructs, "src/loyaltysem/data/ecommerce.csv",
           "bundled example, -99 -> NA, LOY4 reversed (8 - x), all 29 items ordered, listwise",
           extra = list(without_loy4 = c(list(nobs = lavInspect(fit_without, "nobs")),
                                         formula_rel(fit_without, without)$LOY)))

# ---------------------------------------------------------------- Holzinger-Swineford cut
hs <- read.csv(file.path(datasets_dir, "HolzingerSwineford1939.csv"))[, paste0("x", 1:9)]
cut5 <- function(v) cut(v, breaks = quantile(v, probs = seq(0, 1, 0.2)),
                        include.lowest = TRUE, labels = FALSE)
cut3 <- function(v) cut(v, breaks = quantile(v, probs = seq(0, 1, 1 / 3)),
                        include.lowest = TRUE, labels = FALSE)
hs5 <- as.data.frame(lapply(hs, cut5))
hs_constructs <- list(visual = c("x1", "x2", "x3"), textual = c("x4", "x5", "x6"),
                      speed = c("x7", "x8", "x9"))
write_case("holzinger_swineford_cut5", hs5, hs_constructs, "HolzingerSwineford1939.csv",
           "x1-x9 cut into 5 categories at their quintiles (type 7), as make_polychoric.R")
hs_mixed <- hs5
for (v in paste0("x", 1:3)) hs_mixed[[v]] <- as.integer(hs[[v]] > median(hs[[v]])) + 1L
for (v in paste0("x", 4:6)) hs_mixed[[v]] <- cut3(hs[[v]])
write_case("holzinger_swineford_mixed", hs_mixed, hs_constructs, "HolzingerSwineford1939.csv",
           "x1-x3 binary (v > median), x4-x6 tertiles, x7-x9 quintiles, as make_wlsmv.R")
# a single-item construct (speed = x7): its variance fixed at 1 (speed ~~ 1*speed); semTools
# drops it from compRelSEM and AVE (dropSingle = TRUE) and htmt gives NaN for it (not written)
write_case("holzinger_swineford_single_item", hs5,
           list(visual = c("x1", "x2", "x3"), textual = c("x4", "x5", "x6"), speed = "x7"),
           "HolzingerSwineford1939.csv",
           "x1-x7 cut into 5 categories; speed measured by x7 alone, speed ~~ 1*speed")
