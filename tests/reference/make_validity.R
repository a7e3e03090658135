#!/usr/bin/env Rscript
# Reference fixtures for loyaltysem.measurement.validity (tests/test_validity.py).
#
# Run from the repository root (data: the packaged copies in src/loyaltysem/data):
#   Rscript tests/reference/make_validity.R
# For each data set: the CFA of its constructs with lavaan (cfa() defaults, listwise),
# semTools::compRelSEM (omega), semTools::AVE, the composite reliability and AVE computed by
# formula from standardizedSolution() (rho_c = (sum l)^2 / ((sum l)^2 + sum(1 - l^2)),
# ave = mean(l^2)), latent correlations (Fornell-Larcker), semTools::htmt (htmt2 = FALSE and
# TRUE, absolute = TRUE), Harman's single-factor share (first eigenvalue of cor / p, complete
# cases), and on the e-commerce survey a common-latent-factor CFA.
# Requires: lavaan, semTools, jsonlite (Debian: r-cran-lavaan r-cran-semtools r-cran-jsonlite).

suppressPackageStartupMessages({
  library(lavaan)
  library(semTools)
  library(jsonlite)
})
datasets_dir <- file.path("src", "loyaltysem", "data")
out_dir <- file.path("tests", "fixtures", "validity")
dir.create(out_dir, showWarnings = FALSE, recursive = TRUE)

mat_json <- function(m) list(names = rownames(m), values = unname(lapply(seq_len(nrow(m)), function(i) unname(m[i, ]))))

cfa_syntax <- function(constructs) {
  paste(vapply(names(constructs), function(f) paste0(f, " =~ ", paste(constructs[[f]], collapse = " + ")), ""), collapse = "\n")
}

write_case <- function(name, data, constructs, data_file, note, extra = list()) {
  model <- cfa_syntax(constructs)
  fit <- cfa(model, data = data)
  ss <- standardizedSolution(fit)
  lam <- ss[ss$op == "=~", ]
  formula <- lapply(names(constructs), function(f) {
    l <- lam$est.std[lam$lhs == f]
    list(rho_c = sum(l)^2 / (sum(l)^2 + sum(1 - l^2)), ave = mean(l^2))
  })
  names(formula) <- names(constructs)
  omega <- compRelSEM(fit)
  ave_semtools <- AVE(fit)
  items <- unlist(constructs)
  complete <- data[complete.cases(data[, items]), items]
  ev <- eigen(cor(complete), symmetric = TRUE, only.values = TRUE)$values
  fixture <- c(list(
    provenance = list(
      generator = "tests/reference/make_validity.R",
      r_version = R.version.string,
      lavaan_version = as.character(packageVersion("lavaan")),
      semtools_version = as.character(packageVersion("semTools")),
      jsonlite_version = as.character(packageVersion("jsonlite")),
      date = format(Sys.time(), "%Y-%m-%d %H:%M:%S %Z"),
      data_file = data_file,
      note = note
    ),
    constructs = constructs,
    model = model,
    nobs = lavInspect(fit, "nobs"),
    standardized_loadings = lam[, c("lhs", "rhs", "est.std", "se")],
    omega = as.list(omega),
    ave_semtools = as.list(ave_semtools),
    formula = formula,
    cor_lv = mat_json(lavInspect(fit, "cor.lv")),
    htmt = mat_json(unclass(htmt(model, data, htmt2 = FALSE))),
    htmt2 = mat_json(unclass(htmt(model, data, htmt2 = TRUE))),
    harman = list(first_eigenvalue = ev[1], share = ev[1] / length(items), n = nrow(complete))
  ), extra)
  path <- file.path(out_dir, paste0(name, ".json"))
  writeLines(toJSON(fixture, digits = NA, auto_unbox = TRUE, na = "null", pretty = TRUE), path)
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
items <- unlist(ecom_constructs)
for (v in items) ecom[[v]][ecom[[v]] == -99] <- NA
ecom$LOY4 <- 8 - ecom$LOY4
# common latent factor: one method factor on every item, loadings equal, variance 1,
# uncorrelated with the constructs (Podsakoff et al. 2003); compared with the CFA
# without it. Variance fixed at 1 (not the first loading) so that "no method variance"
# is the boundary m = 0 rather than a negative variance.
clf_model <- paste0(
  cfa_syntax(ecom_constructs), "\n",
  "CMF =~ NA*", items[1], " + ", paste0("m*", items, collapse = " + "), "\n",
  "CMF ~~ 1*CMF\n",
  paste0("CMF ~~ 0*", names(ecom_constructs), collapse = "\n")
)
# the CFA without LOY4 (the weakest item), for the item-removal table
without <- ecom_constructs
without$LOY <- c("LOY1", "LOY2", "LOY3")
fit_without <- cfa(cfa_syntax(without), data = ecom)
ss_without <- standardizedSolution(fit_without)
l_without <- ss_without$est.std[ss_without$op == "=~" & ss_without$lhs == "LOY"]
clf <- cfa(clf_model, data = ecom)
base <- cfa(cfa_syntax(ecom_constructs), data = ecom)
clf_ss <- standardizedSolution(clf)
write_case("ecommerce", ecom, ecom_constructs, "src/loyaltysem/data/ecommerce.csv",
           "bundled example, -99 -> NA, LOY4 reversed (8 - x), listwise",
           extra = list(without_loy4 = list(
             nobs = lavInspect(fit_without, "nobs"),
             rho_c = sum(l_without)^2 / (sum(l_without)^2 + sum(1 - l_without^2)),
             ave = mean(l_without^2)
           ), clf = list(
             model = clf_model,
             chisq = fitMeasures(clf, "chisq"), df = fitMeasures(clf, "df"),
             base_chisq = fitMeasures(base, "chisq"), base_df = fitMeasures(base, "df"),
             lrt_pvalue = lavTestLRT(base, clf)[2, "Pr(>Chisq)"],
             standardized_loadings = clf_ss[clf_ss$op == "=~", c("lhs", "rhs", "est.std")]
           )))

# ---------------------------------------------------------------- Holzinger-Swineford
hs <- read.csv(file.path(datasets_dir, "HolzingerSwineford1939.csv"))
hs_constructs <- list(visual = c("x1", "x2", "x3"), textual = c("x4", "x5", "x6"),
                      speed = c("x7", "x8", "x9"))
hs_items <- unlist(hs_constructs)
hs_clf_model <- paste0(
  cfa_syntax(hs_constructs), "\n",
  "CMF =~ NA*", hs_items[1], " + ", paste0("m*", hs_items, collapse = " + "), "\n",
  "CMF ~~ 1*CMF\n",
  paste0("CMF ~~ 0*", names(hs_constructs), collapse = "\n")
)
hs_clf <- cfa(hs_clf_model, data = hs)
hs_base <- cfa(cfa_syntax(hs_constructs), data = hs)
hs_clf_ss <- standardizedSolution(hs_clf)
write_case("holzinger_swineford", hs, hs_constructs,
           "HolzingerSwineford1939.csv", "lavaan tutorial CFA",
           extra = list(clf = list(
             model = hs_clf_model,
             chisq = fitMeasures(hs_clf, "chisq"), df = fitMeasures(hs_clf, "df"),
             base_chisq = fitMeasures(hs_base, "chisq"), base_df = fitMeasures(hs_base, "df"),
             lrt_pvalue = lavTestLRT(hs_base, hs_clf)[2, "Pr(>Chisq)"],
             standardized_loadings = hs_clf_ss[hs_clf_ss$op == "=~", c("lhs", "rhs", "est.std")]
           )))

# ---------------------------------------------------------------- corp_rep
cr <- read.csv(file.path(datasets_dir, "corp_rep_data.csv"))
cr[cr == -99] <- NA
write_case("corp_rep", cr,
           list(COMP = c("comp_1", "comp_2", "comp_3"), LIKE = c("like_1", "like_2", "like_3"),
                CUSL = c("cusl_1", "cusl_2", "cusl_3")),
           "corp_rep_data.csv", "Hair et al. (2017) reflective constructs; -99 -> NA, listwise")
