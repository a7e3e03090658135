#!/usr/bin/env Rscript
# Reference fixtures for options one group takes and several groups now take too (issue 14:
# a single group is the case G = 1): meanstructure = FALSE with groups, summary statistics per
# group (sample.cov / sample.mean / sample.nobs as lists), missing = "pairwise" with groups.
# Compared in tests/test_groups_options.py.
#
# Run from the repository root (data: the packaged copy in src/loyaltysem/data):
#   Rscript tests/reference/make_groups_options.R [DATASETS_DIR] [FIXTURES_DIR]
# Defaults: DATASETS_DIR = src/loyaltysem/data, FIXTURES_DIR = tests/fixtures/groups_options.
#
# Writes one JSON per fit: provenance (R, lavaan, jsonlite versions, date, call, syntax), the
# group labels and options lavaan resolved, parameterEstimates(fit, standardized = TRUE)
# (est, se, std.all per group) and fitMeasures(fit) (every measure, named). The summary
# statistics are each school's cov() and colMeans() of x1..x9 (groups in order of first
# appearance, lavaan's order for group = "school"); the pairwise case sets x1 missing in rows
# 1, 8, 15, ... and x5 in rows 3, 14, 25, ... (1-based; the rows are in the fixture).
# Numbers at full precision, NA as null. Requires: lavaan, jsonlite.

suppressPackageStartupMessages({
  library(lavaan)
  library(jsonlite)
})

args <- commandArgs(trailingOnly = TRUE)
datasets_dir <- if (length(args) >= 1) args[[1]] else file.path("src", "loyaltysem", "data")
fixtures_dir <- if (length(args) >= 2) args[[2]] else file.path("tests", "fixtures", "groups_options")
dir.create(fixtures_dir, showWarnings = FALSE, recursive = TRUE)

data_file <- "HolzingerSwineford1939.csv"
hs <- read.csv(file.path(datasets_dir, data_file))
syntax <- "visual =~ x1 + x2 + x3\ntextual =~ x4 + x5 + x6\nspeed =~ x7 + x8 + x9"
ov <- paste0("x", 1:9)
schools <- unique(hs$school)
S <- lapply(schools, function(s) cov(hs[hs$school == s, ov]))
M <- lapply(schools, function(s) colMeans(hs[hs$school == s, ov]))
N <- sapply(schools, function(s) sum(hs$school == s))
names(S) <- schools
names(M) <- schools
names(N) <- schools
na_x1 <- seq(1, nrow(hs), by = 7)
na_x5 <- seq(3, nrow(hs), by = 11)
hs_na <- hs
hs_na$x1[na_x1] <- NA
hs_na$x5[na_x5] <- NA

df_json <- function(d) {
  d <- as.data.frame(d, stringsAsFactors = FALSE)
  rownames(d) <- NULL
  for (col in names(d)) {
    if (is.factor(d[[col]])) d[[col]] <- as.character(d[[col]])
    attributes(d[[col]]) <- NULL
  }
  d
}

write_fit <- function(name, fit, call, extra = list()) {
  opt <- lavInspect(fit, "options")
  pe <- parameterEstimates(fit, standardized = TRUE)
  if (is.null(pe$label)) pe$label <- ""  # lavaan adds the column only with labels
  fixture <- c(list(
    provenance = list(
      generator = "tests/reference/make_groups_options.R",
      r_version = R.version.string,
      lavaan_version = as.character(packageVersion("lavaan")),
      jsonlite_version = as.character(packageVersion("jsonlite")),
      date = format(Sys.time(), "%Y-%m-%d %H:%M:%S %Z"),
      data_file = data_file,
      call = call,
      model_syntax = syntax
    ),
    converged = lavInspect(fit, "converged"),
    group_labels = as.list(lavInspect(fit, "group.label")),
    nobs = as.list(lavInspect(fit, "nobs")),
    options = list(estimator = opt$estimator, se = opt$se, missing = opt$missing,
                   meanstructure = opt$meanstructure,
                   group_equal = as.list(setdiff(opt$group.equal, ""))),
    parameter_estimates = df_json(pe[pe$op != "==", c("lhs", "op", "rhs", "group", "label",
                                                     "est", "se", "std.all")]),
    fit_measures = as.list(unclass(fitMeasures(fit)))
  ), extra)
  path <- file.path(fixtures_dir, paste0(name, ".json"))
  writeLines(toJSON(fixture, auto_unbox = TRUE, digits = NA, na = "null", pretty = TRUE), path)
  cat("wrote", path, "\n")
}

fit <- cfa(syntax, data = hs, group = "school", meanstructure = FALSE)
write_fit("hs_no_meanstructure", fit,
          "cfa(syntax, data = hs, group = 'school', meanstructure = FALSE)")
fit <- cfa(syntax, data = hs, group = "school", meanstructure = FALSE, group.equal = "loadings")
write_fit("hs_no_meanstructure_loadings", fit,
          "cfa(syntax, data = hs, group = 'school', meanstructure = FALSE, group.equal = 'loadings')")
fit <- cfa(syntax, data = hs, group = "school", meanstructure = FALSE, estimator = "MLM")
write_fit("hs_no_meanstructure_mlm", fit,
          "cfa(syntax, data = hs, group = 'school', meanstructure = FALSE, estimator = 'MLM')")

fit <- cfa(syntax, sample.cov = S, sample.mean = M, sample.nobs = N)
write_fit("hs_summary_means", fit,
          "cfa(syntax, sample.cov = S, sample.mean = M, sample.nobs = N)")
fit <- cfa(syntax, sample.cov = S, sample.mean = M, sample.nobs = N, group.equal = "loadings")
write_fit("hs_summary_means_loadings", fit,
          "cfa(syntax, sample.cov = S, sample.mean = M, sample.nobs = N, group.equal = 'loadings')")
fit <- cfa(syntax, sample.cov = S, sample.nobs = N)
write_fit("hs_summary_cov", fit, "cfa(syntax, sample.cov = S, sample.nobs = N)")
fit <- cfa(syntax, sample.cov = unname(S), sample.nobs = unname(N))
write_fit("hs_summary_cov_unnamed", fit,
          "cfa(syntax, sample.cov = unname(S), sample.nobs = unname(N))")

fit <- cfa(syntax, data = hs_na, group = "school", missing = "pairwise")
write_fit("hs_pairwise", fit, "cfa(syntax, data = hs_na, group = 'school', missing = 'pairwise')",
          list(na_rows = list(x1 = na_x1, x5 = na_x5)))
fit <- cfa(syntax, data = hs_na, group = "school", missing = "pairwise",
           group.equal = c("loadings", "intercepts"))
write_fit("hs_pairwise_scalar", fit,
          paste0("cfa(syntax, data = hs_na, group = 'school', missing = 'pairwise', ",
                 "group.equal = c('loadings', 'intercepts'))"),
          list(na_rows = list(x1 = na_x1, x5 = na_x5)))
