#!/usr/bin/env Rscript
# Reference fixtures for loyaltysem.comparison.compare (tests/test_comparison.py).
#
# Run from the repository root:  Rscript tests/reference/make_compare.R
# Writes tests/fixtures/compare.json: for each case, the models (syntax, options), each
# model's fitMeasures(chisq, df, npar, aic, bic, cfi, tli, rmsea, srmr and, when robust,
# chisq.scaling.factor) and lavTestLRT(...) as lavaan 0.6.14 prints it (every column). Cases: HS
# three factors vs one (ML, MLR, MLM), oblique vs orthogonal; the default vs the rival model on
# the bundled survey (ML listwise; full-information ML with ML and MLR).
# Requires: lavaan, jsonlite.

suppressPackageStartupMessages({
  library(lavaan)
  library(jsonlite)
})

shared <- file.path("..", "shared", "datasets")
package_data <- file.path("src", "loyaltysem", "data")
out_file <- file.path("tests", "fixtures", "compare.json")

hs <- read.csv(file.path(shared, "HolzingerSwineford1939.csv"))
three <- "visual =~ x1 + x2 + x3\ntextual =~ x4 + x5 + x6\nspeed =~ x7 + x8 + x9"
one <- "g =~ x1 + x2 + x3 + x4 + x5 + x6 + x7 + x8 + x9"

ecom <- read.csv(file.path(package_data, "ecommerce.csv"))
items <- setdiff(names(ecom), c("respondent_id", "wave", "gender", "platform", "age"))
for (v in items) ecom[[v]][ecom[[v]] == -99] <- NA
ecom$LOY4 <- 8 - ecom$LOY4
measurement <- paste0(
  "# Measurement model\n",
  "REP =~ REP1 + REP2 + REP3\n", "SEC =~ SEC1 + SEC2 + SEC3\n",
  "SQ =~ SQ1 + SQ2 + SQ3 + SQ4\n", "PQ =~ PQ1 + PQ2 + PQ3\n",
  "PRI =~ PRI1 + PRI2 + PRI3\n", "ASS =~ ASS1 + ASS2 + ASS3\n",
  "TRU =~ TRU1 + TRU2 + TRU3\n", "SAT =~ SAT1 + SAT2 + SAT3\n",
  "LOY =~ LOY1 + LOY2 + LOY3 + LOY4\n"
)
defined <- paste0(
  "# Indirect effects on loyalty\n",
  "ind_REP_TRU := a1*d1\n", "ind_REP_TRU_SAT := a1*b1*d2\n", "ind_REP := a1*d1 + a1*b1*d2\n",
  "ind_SEC_TRU := a2*d1\n", "ind_SEC_TRU_SAT := a2*b1*d2\n", "ind_SEC := a2*d1 + a2*b1*d2\n",
  "ind_SQ_TRU := a3*d1\n", "ind_SQ_TRU_SAT := a3*b1*d2\n", "ind_SQ := a3*d1 + a3*b1*d2\n",
  "ind_PQ_SAT := c1*d2\n", "ind_PRI_SAT := c2*d2\n", "ind_ASS_SAT := c3*d2\n",
  "ind_TRU_SAT := b1*d2\n", "total_TRU := d1 + b1*d2\n"
)
default_model <- paste0(measurement, "# Structural model\n",
  "TRU ~ a1*REP + a2*SEC + a3*SQ\n", "SAT ~ b1*TRU + c1*PQ + c2*PRI + c3*ASS\n",
  "LOY ~ d1*TRU + d2*SAT\n", defined)
rival_model <- paste0(measurement, "# Structural model\n",
  "TRU ~ a1*REP + a2*SEC + a3*SQ\n", "SAT ~ b1*TRU + c1*PQ + c2*PRI + c3*ASS\n",
  "LOY ~ d1*TRU + d2*SAT + e1*PQ + e2*PRI + e3*ASS\n", defined)

MEASURES <- c("chisq", "df", "npar", "aic", "bic", "cfi", "tli", "rmsea", "srmr")

one_model <- function(fit, syntax, options) {
  fm <- fitMeasures(fit)
  keep <- intersect(c(MEASURES, "chisq.scaling.factor"), names(fm))
  list(syntax = syntax, options = options, ntotal = lavInspect(fit, "ntotal"),
       fit_measures = as.list(unclass(fm[keep])))
}

lrt_case <- function(name, fits, syntaxes, options, data_file, note) {
  tab <- do.call(lavTestLRT, c(unname(fits), list(model.names = names(fits))))
  list(
    name = name, data_file = data_file, note = note,
    models = setNames(lapply(names(fits), function(m)
      one_model(fits[[m]], syntaxes[[m]], options)), names(fits)),
    lrt = list(rows = rownames(tab), columns = names(tab),
               values = lapply(names(tab), function(col) unname(tab[[col]])),
               heading = attr(tab, "heading"))
  )
}

cases <- list()
f3 <- cfa(three, hs); f1 <- cfa(one, hs)
cases[[1]] <- lrt_case("hs_three_vs_one_ml", list(three = f3, one = f1),
                       list(three = three, one = one), list(), "HolzingerSwineford1939.csv",
                       "cfa(model, hs)")
f3o <- cfa(three, hs, orthogonal = TRUE)
cases[[2]] <- lrt_case("hs_oblique_vs_orthogonal_ml", list(oblique = f3, orthogonal = f3o),
                       list(oblique = three, orthogonal = three),
                       list(orthogonal_second = TRUE), "HolzingerSwineford1939.csv",
                       "cfa(model, hs) vs cfa(model, hs, orthogonal = TRUE)")
for (est in c("MLR", "MLM")) {
  a <- cfa(three, hs, estimator = est); b <- cfa(one, hs, estimator = est)
  cases[[length(cases) + 1]] <- lrt_case(
    paste0("hs_three_vs_one_", tolower(est)), list(three = a, one = b),
    list(three = three, one = one), list(estimator = est), "HolzingerSwineford1939.csv",
    paste0("cfa(model, hs, estimator = '", est, "')"))
}
fd <- sem(default_model, ecom); fr <- sem(rival_model, ecom)
cases[[length(cases) + 1]] <- lrt_case(
  "ecommerce_default_vs_rival_ml", list(default = fd, rival = fr),
  list(default = default_model, rival = rival_model), list(),
  "src/loyaltysem/data/ecommerce.csv",
  "sem(model, ecom); -99 -> NA, LOY4 reversed (8 - x); listwise")

# full-information ML on the survey's own missing answers: ML and MLR (scaled difference)
for (est in c("ML", "MLR")) {
  a <- sem(default_model, ecom, missing = "ml", estimator = est)
  b <- sem(rival_model, ecom, missing = "ml", estimator = est)
  cases[[length(cases) + 1]] <- lrt_case(
    paste0("ecommerce_default_vs_rival_fiml_", tolower(est)), list(default = a, rival = b),
    list(default = default_model, rival = rival_model),
    list(estimator = est, missing = "ml"), "src/loyaltysem/data/ecommerce.csv",
    paste0("sem(model, ecom, missing = 'ml', estimator = '", est, "'); -99 -> NA, LOY4 reversed"))
}

out <- list(
  provenance = list(
    generator = "tests/reference/make_compare.R",
    r_version = R.version.string,
    lavaan_version = as.character(packageVersion("lavaan")),
    jsonlite_version = as.character(packageVersion("jsonlite")),
    date = format(Sys.time(), "%Y-%m-%d %H:%M:%S %Z")
  ),
  cases = setNames(cases, vapply(cases, `[[`, "", "name"))
)
writeLines(toJSON(out, auto_unbox = TRUE, digits = NA, na = "null", pretty = FALSE), out_file)
cat("wrote", out_file, "\n")
