#!/usr/bin/env Rscript
# The lavaan side of the differential test (benchmarks/differential.py; issue 14, item 3).
#
# Run from the repository root (benchmarks/differential.py calls it):
#   Rscript tests/reference/differential.R CASES.json RESULTS.json
# CASES.json is a list of cases written by benchmarks/differential.py, each with
#   id, data (a CSV inside the repository), na (codes read as missing), columns (the model's
#   variables), syntax, std_lv, group (a column or null), group_equal, ordered (bool),
#   missing ("listwise" or "ml").
# Each case is fitted by
#   sem(syntax, data, std.lv = std_lv, group = group, group.equal = group_equal,
#       ordered = <columns if ordered>, missing = <"ml" if missing is "ml">)
# on the rows complete on the model's variables (and the group), so lavaan's defaults
# decide: ML with a mean structure for several groups, WLSMV (delta) with ordered items;
# with missing = "ml" on every row with an answer (and its group).
# RESULTS.json: per case the versions, lavInspect(fit, "converged"), "iterations", the
# largest absolute gradient entry, chisq (and chisq.scaled with WLSMV), and parTable()
# rows of the free parameters (lhs, op, rhs, group, est, se); or the error message.
# Numbers at full precision (digits = NA), NA as null.
# Requires: lavaan, jsonlite (Debian: r-cran-lavaan r-cran-jsonlite).

suppressPackageStartupMessages({
  library(lavaan)
  library(jsonlite)
})

args <- commandArgs(trailingOnly = TRUE)
stopifnot(length(args) == 2)
cases <- fromJSON(args[[1]], simplifyVector = FALSE)

versions <- list(
  generator = "tests/reference/differential.R",
  r_version = R.version.string,
  lavaan_version = as.character(packageVersion("lavaan")),
  jsonlite_version = as.character(packageVersion("jsonlite")),
  date = format(Sys.time(), "%Y-%m-%d %H:%M:%S %Z")
)

frames <- list()
read_data <- function(path, na) {
  key <- paste(path, paste(na, collapse = ","))
  if (is.null(frames[[key]])) {
    frames[[key]] <<- read.csv(path, na.strings = c("NA", "", as.character(na)))
  }
  frames[[key]]
}

fit_case <- function(case) {
  d <- read_data(case$data, unlist(case$na))
  cols <- unlist(case$columns)
  keep <- c(cols, if (!is.null(case$group)) case$group)
  fiml <- identical(case$missing, "ml")
  if (fiml) {
    rows <- rowSums(!is.na(d[, cols, drop = FALSE])) > 0
    if (!is.null(case$group)) rows <- rows & !is.na(d[[case$group]])
    d <- d[rows, keep, drop = FALSE]
  } else {
    d <- d[stats::complete.cases(d[, keep]), keep, drop = FALSE]
  }
  args <- list(model = case$syntax, data = d, std.lv = isTRUE(case$std_lv))
  if (fiml) args$missing <- "ml"
  if (!is.null(case$group)) {
    args$group <- case$group
    ge <- unlist(case$group_equal)
    if (length(ge)) args$group.equal <- ge
  }
  if (isTRUE(case$ordered)) args$ordered <- cols
  t0 <- proc.time()[["elapsed"]]
  warn <- character(0)
  fit <- withCallingHandlers(
    tryCatch(do.call("sem", args), error = function(e) e),
    warning = function(w) {
      warn <<- c(warn, conditionMessage(w))
      invokeRestart("muffleWarning")
    }
  )
  seconds <- proc.time()[["elapsed"]] - t0
  if (inherits(fit, "error")) {
    return(list(id = case$id, ok = FALSE, error = conditionMessage(fit), warnings = warn))
  }
  pt <- parTable(fit)
  free <- pt$free > 0
  grp <- if (is.null(pt$group)) rep(1L, length(pt$lhs)) else pt$group
  fm <- tryCatch(fitMeasures(fit, c("chisq", "chisq.scaled")), error = function(e) NULL)
  gradient <- tryCatch(max(abs(lavInspect(fit, "gradient"))), error = function(e) NA)
  list(
    id = case$id, ok = TRUE, warnings = warn, seconds = seconds,
    nobs = sum(lavInspect(fit, "nobs")),
    converged = lavInspect(fit, "converged"),
    iterations = lavInspect(fit, "iterations"),
    gradient_max = gradient,
    chisq = if (is.null(fm)) NA else unname(fm[["chisq"]]),
    chisq_scaled = if (is.null(fm) || !("chisq.scaled" %in% names(fm))) NA else
      unname(fm[["chisq.scaled"]]),
    estimates = list(lhs = pt$lhs[free], op = pt$op[free], rhs = pt$rhs[free],
                     group = grp[free], est = pt$est[free], se = pt$se[free])
  )
}

results <- lapply(cases, fit_case)
write_json(list(provenance = versions, results = results), args[[2]], digits = NA,
           auto_unbox = TRUE, na = "null", null = "null", pretty = FALSE)
