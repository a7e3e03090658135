#!/usr/bin/env Rscript
# Reference fixtures for loyaltysem.measurement.efa (tests/test_efa.py).
#
# Run from the repository root (data: the packaged copies in src/loyaltysem/data):
#   Rscript tests/reference/make_efa.R [DATASETS_DIR] [FIXTURES_DIR]
# Defaults: DATASETS_DIR = src/loyaltysem/data, FIXTURES_DIR = tests/fixtures.
#
# Writes tests/fixtures/efa_{holzinger,ecommerce,corp_rep}.json with, on raw data x
# (every call gets the data frame, so psych's own defaults decide the correlations:
# Pearson, use = "pairwise", n.obs = nrow(x)):
#   - psych::KMO(x)
#   - psych::cortest.bartlett(x)           (= cortest.bartlett(cor(x, use = "pairwise"),
#                                              n = nrow(x)); identical to cor(x) when complete)
#   - psych::fa.parallel(x, n.iter = 500, plot = FALSE)   (fm = "minres", fa = "both",
#       SMC = FALSE, quant = .95, sim = TRUE; set.seed(20261122) first), and
#     psych::fa.parallel(x, n.iter = 500, SMC = TRUE, plot = FALSE) for the SMC variant
#   - psych::fa(x, nfactors, rotate = r, fm = m) for r in oblimin, varimax, promax and
#     m in minres, ml (oblimin needs GPArotation: Debian r-cran-gparotation)
#   - psych::fa.sort(f) item order (print(f, sort = TRUE))
# Numbers are written at full precision (jsonlite digits = NA), NA as null.
# Requires: psych, GPArotation, jsonlite (Debian: r-cran-psych r-cran-gparotation
# r-cran-jsonlite). GPArotation is NOT pulled in by r-cran-psych (it is only suggested), and
# without it psych::fa(rotate = "oblimin") stops ("to do this rotation requires the
# GPArotation package to be installed"); install it with
#   apt-get install -y --no-install-recommends r-cran-gparotation
# (or install.packages("GPArotation")). The script stops with that advice if it is missing.
# Reproducibility: psych::fa.parallel runs its simulations through parallel::mclapply, whose
# forked workers reseed themselves (mc.set.seed = TRUE), so set.seed() does not make the
# simulated/resampled eigenvalues identical between runs (a rerun on 2026-12-01 differed by up
# to about 0.01); everything else is identical. tests/test_efa.py compares those Monte-Carlo
# quantities within their simulation error.

if (!requireNamespace("GPArotation", quietly = TRUE)) {
  stop("make_efa.R needs the R package GPArotation (oblimin rotation in psych::fa): ",
       "apt-get install -y --no-install-recommends r-cran-gparotation ",
       "(Debian/Ubuntu) or install.packages(\"GPArotation\")", call. = FALSE)
}
suppressPackageStartupMessages({
  library(psych)
  library(GPArotation)
  library(jsonlite)
})

args <- commandArgs(trailingOnly = TRUE)
datasets_dir <- if (length(args) >= 1) args[[1]] else file.path("src", "loyaltysem", "data")
fixtures_dir <- if (length(args) >= 2) args[[2]] else file.path("tests", "fixtures")
package_data <- file.path("src", "loyaltysem", "data")
stopifnot(dir.exists(datasets_dir), dir.exists(fixtures_dir), dir.exists(package_data))

SEED <- 20261122
N_ITER <- 500

provenance <- function(file, items, na_codes, note, nfactors) {
  list(
    generator = "tests/reference/make_efa.R",
    r_version = R.version.string,
    psych_version = as.character(packageVersion("psych")),
    gparotation_version = as.character(packageVersion("GPArotation")),
    jsonlite_version = as.character(packageVersion("jsonlite")),
    date = format(Sys.time(), "%Y-%m-%d %H:%M:%S %Z"),
    data_file = file,
    items = items,
    na_codes = na_codes,
    note = note,
    nfactors = nfactors,
    seed = SEED,
    n_iter = N_ITER,
    calls = c(
      "psych::KMO(x)",
      "psych::cortest.bartlett(x)",
      "set.seed(seed); psych::fa.parallel(x, n.iter = 500, plot = FALSE)",
      "set.seed(seed); psych::fa.parallel(x, n.iter = 500, SMC = TRUE, plot = FALSE)",
      "psych::fa(x, nfactors, rotate = rotate, fm = fm)",
      "psych::fa.sort(f)$order"
    )
  )
}

matrix_list <- function(m) {
  m <- unclass(m)
  list(rows = rownames(m), columns = colnames(m), values = unname(as.matrix(m)))
}

parallel_list <- function(x, smc) {
  set.seed(SEED)
  p <- suppressMessages(suppressWarnings(
    psych::fa.parallel(x, n.iter = N_ITER, SMC = smc, plot = FALSE)
  ))
  nv <- ncol(x)
  v <- p$values
  q95 <- function(cols) unname(apply(v[, cols, drop = FALSE], 2, quantile, 0.95))
  list(
    smc = smc,
    pc_values = unname(p$pc.values),
    fa_values = unname(p$fa.values),
    pc_sim = unname(p$pc.sim),        # mean over simulated normal data
    fa_sim = unname(p$fa.sim),
    pc_simr = unname(p$pc.simr),      # mean over resampled data
    fa_simr = unname(p$fa.simr),
    pc_sim_q95 = q95((2 * nv + 1):(3 * nv)),
    fa_sim_q95 = q95((3 * nv + 1):(4 * nv)),
    pc_simr_q95 = q95(1:nv),
    fa_simr_q95 = q95((nv + 1):(2 * nv)),
    nfact = p$nfact,
    ncomp = p$ncomp
  )
}

fa_list <- function(x, nfactors, rotate, fm) {
  f <- suppressMessages(suppressWarnings(
    psych::fa(x, nfactors = nfactors, rotate = rotate, fm = fm)
  ))
  s <- psych::fa.sort(f)
  list(
    rotate = rotate,
    fm = fm,
    loadings = matrix_list(f$loadings),
    phi = if (is.null(f$Phi)) NULL else matrix_list(f$Phi),
    structure = matrix_list(f$Structure),
    communality = unname(f$communality),
    communalities = unname(f$communalities),
    uniquenesses = unname(f$uniquenesses),
    values = unname(f$values),
    e_values = unname(f$e.values),
    vaccounted = matrix_list(f$Vaccounted),
    sort_order = s$order,
    dof = f$dof,
    objective = f$objective,
    statistic = f$STATISTIC,
    pval = f$PVAL,
    n_obs = f$n.obs
  )
}

write_fixture <- function(name, file, x, na_codes, note, nfactors) {
  k <- psych::KMO(x)
  b <- suppressMessages(psych::cortest.bartlett(x))
  fits <- list()
  for (fm in c("minres", "ml")) {
    for (rotate in c("oblimin", "varimax", "promax")) {
      fits[[paste(fm, rotate, sep = "_")]] <- fa_list(x, nfactors, rotate, fm)
    }
  }
  fixture <- list(
    provenance = provenance(file, colnames(x), na_codes, note, nfactors),
    n_rows = nrow(x),
    n_complete = sum(complete.cases(x)),
    kmo = list(msa = k$MSA, msai = unname(k$MSAi)),
    bartlett = list(chisq = b$chisq, df = b$df, p_value = b$p.value, n = nrow(x)),
    parallel = parallel_list(x, FALSE),
    parallel_smc = parallel_list(x, TRUE),
    fa = fits
  )
  path <- file.path(fixtures_dir, paste0("efa_", name, ".json"))
  writeLines(
    jsonlite::toJSON(fixture, digits = NA, auto_unbox = TRUE, na = "null", null = "null",
                     pretty = TRUE),
    path
  )
  message("wrote ", path)
}

# HolzingerSwineford1939: x1-x9, no missing values; 3 factors.
hs <- read.csv(file.path(datasets_dir, "HolzingerSwineford1939.csv"))
write_fixture("holzinger", "HolzingerSwineford1939.csv", hs[, paste0("x", 1:9)], list(),
              "x1-x9", 3)

# Bundled simulated e-commerce survey: 29 items, -99 = missing, LOY4 reverse-keyed on 1-7.
ec <- read.csv(file.path(package_data, "ecommerce.csv"))
ec_items <- c(paste0("REP", 1:3), paste0("SEC", 1:3), paste0("SQ", 1:4), paste0("PQ", 1:3),
              paste0("PRI", 1:3), paste0("ASS", 1:3), paste0("TRU", 1:3), paste0("SAT", 1:3),
              paste0("LOY", 1:4))
ec <- ec[, ec_items]
ec[ec == -99] <- NA
ec$LOY4 <- 8 - ec$LOY4
write_fixture("ecommerce", "src/loyaltysem/data/ecommerce.csv", ec, list(-99),
              "29 items; -99 set to NA; LOY4 reversed as 8 - x; pairwise correlations", 9)

# corp_rep_data: comp, like, cusl items; -99 = missing; 3 factors.
corp <- read.csv(file.path(datasets_dir, "corp_rep_data.csv"))
corp_items <- c("comp_1", "comp_2", "comp_3", "like_1", "like_2", "like_3",
                "cusl_1", "cusl_2", "cusl_3")
corp <- corp[, corp_items]
corp[corp == -99] <- NA
write_fixture("corp_rep", "corp_rep_data.csv", corp, list(-99),
              "comp_1-3, like_1-3, cusl_1-3; -99 set to NA; pairwise correlations", 3)
