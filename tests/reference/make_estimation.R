#!/usr/bin/env Rscript
# Reference fixtures for loyaltysem.sem.specification and loyaltysem.sem.single_group
# (tests/test_estimation_fixtures.py, tests/test_specification.py).
#
# Run from the repository root (data: the packaged copies in src/loyaltysem/data):
#   Rscript tests/reference/make_estimation.R [DATASETS_DIR] [FIXTURES_DIR]
# Defaults: DATASETS_DIR = src/loyaltysem/data, FIXTURES_DIR = tests/fixtures/estimation.
#
# Writes one JSON file per fitted model (<name>.json) with
#   - provenance: R.version.string, lavaan and jsonlite versions, date, data file,
#     the exact lavaan call and the model syntax;
#   - nobs, converged, iterations, lavNames() (ov, ov.x, ov.nox, lv, lv.x, lv.y, ov.y);
#   - parTable(fit) (all columns, incl. start, est, se);
#   - parameterEstimates(fit) (all columns incl. ci.lower/ci.upper, plus std.lv,
#     std.all, std.nox via standardized = TRUE);
#   - standardizedSolution(fit) (type = "std.all": est.std, se, z, pvalue, ci) and
#     standardizedSolution(fit, type = "std.lv");
#   - fitMeasures(fit) (every measure, named);
#   - lavInspect(fit, "rsquare"), fitted(fit)$cov, lavInspect(fit, "sampstat")$cov
#     (lavaan's sample covariance, divisor N), resid(fit, type = "raw" | "cor" |
#     "standardized")$cov;
#   - modindices(fit, sort. = TRUE), top 30 rows;
#   - lavInspect(fit, "free") and lavInspect(fit, "est"): lavaan's LISREL matrices
#     (with dummy latent variables for observed variables in structural relations).
# and partable_cases.json: parTable(sem(model, data, do.fit = FALSE)) for a set of
# small syntax cases that exercise lavaanify's defaults (no estimation).
#
# Numbers are written at full precision (jsonlite digits = NA), NA/NaN as null.
# Matrices are written as {"names": [...], "values": [[row], ...]} (row-major),
# or {"rownames", "colnames", "values"} where rows and columns differ.
# Requires: lavaan, jsonlite (Debian: r-cran-lavaan r-cran-jsonlite).

suppressPackageStartupMessages({
  library(lavaan)
  library(jsonlite)
})

args <- commandArgs(trailingOnly = TRUE)
datasets_dir <- if (length(args) >= 1) args[[1]] else file.path("src", "loyaltysem", "data")
fixtures_dir <- if (length(args) >= 2) args[[2]] else file.path("tests", "fixtures", "estimation")
stopifnot(dir.exists(datasets_dir))
dir.create(fixtures_dir, showWarnings = FALSE, recursive = TRUE)

# ---------------------------------------------------------------- helpers
provenance <- function(data_file, call, syntax, note) {
  list(
    generator = "tests/reference/make_estimation.R",
    r_version = R.version.string,
    lavaan_version = as.character(packageVersion("lavaan")),
    jsonlite_version = as.character(packageVersion("jsonlite")),
    date = format(Sys.time(), "%Y-%m-%d %H:%M:%S %Z"),
    data_file = data_file,
    call = call,
    model_syntax = syntax,
    note = note
  )
}

mat_json <- function(m) {
  m <- as.matrix(m)
  rn <- rownames(m)
  cn <- colnames(m)
  values <- lapply(seq_len(nrow(m)), function(i) unname(as.numeric(m[i, ])))
  if (!is.null(rn) && !is.null(cn) && identical(rn, cn)) {
    list(names = rn, values = values)
  } else {
    list(rownames = rn, colnames = cn, values = values)
  }
}

# A data.frame as a list of records (one object per row), keeping every column.
df_json <- function(d) {
  d <- as.data.frame(d, stringsAsFactors = FALSE)
  rownames(d) <- NULL
  for (col in names(d)) {
    if (is.factor(d[[col]])) d[[col]] <- as.character(d[[col]])
    attributes(d[[col]]) <- NULL
  }
  d
}

lisrel_json <- function(x) {
  # lavInspect(fit, "free"/"est") for a single group: a named list of matrices.
  out <- lapply(x, function(m) mat_json(unclass(m)))
  names(out) <- names(x)
  out
}

write_fit_fixture <- function(name, fit, data_file, call, syntax, note,
                              extra = list()) {
  pe <- parameterEstimates(fit, standardized = TRUE, ci = TRUE, level = 0.95)
  ss_all <- standardizedSolution(fit, type = "std.all")
  ss_lv <- standardizedSolution(fit, type = "std.lv")
  fm <- fitMeasures(fit)
  mi <- modindices(fit, sort. = TRUE)
  mi <- mi[seq_len(min(30L, nrow(mi))), , drop = FALSE]
  fixture <- c(
    list(
      provenance = provenance(data_file, call, syntax, note),
      model_name = name,
      options = list(
        `function` = strsplit(call, "(", fixed = TRUE)[[1]][1],
        std.lv = lavInspect(fit, "options")$std.lv,
        fixed.x = lavInspect(fit, "options")$fixed.x,
        meanstructure = lavInspect(fit, "options")$meanstructure,
        estimator = lavInspect(fit, "options")$estimator,
        information = lavInspect(fit, "options")$information[1],
        se = lavInspect(fit, "options")$se,
        likelihood = lavInspect(fit, "options")$likelihood
      ),
      nobs = lavInspect(fit, "nobs"),
      converged = lavInspect(fit, "converged"),
      iterations = lavInspect(fit, "iterations"),
      npar = lavInspect(fit, "npar"),
      names = list(
        ov = I(lavNames(fit, "ov")),
        ov.x = I(lavNames(fit, "ov.x")),
        ov.nox = I(lavNames(fit, "ov.nox")),
        ov.y = I(lavNames(fit, "ov.y")),
        lv = I(lavNames(fit, "lv")),
        lv.x = I(lavNames(fit, "lv.x")),
        lv.y = I(lavNames(fit, "lv.y"))
      ),
      sample_cov = mat_json(lavInspect(fit, "sampstat")$cov),
      partable = df_json(parTable(fit)),
      parameter_estimates = df_json(pe),
      standardized_solution = df_json(ss_all),
      standardized_solution_std_lv = df_json(ss_lv),
      fit_measures = as.list(unclass(fm)),
      rsquare = as.list(unclass(lavInspect(fit, "rsquare"))),
      implied_cov = mat_json(fitted(fit)$cov),
      residuals = list(
        raw = mat_json(resid(fit, type = "raw")$cov),
        cor = mat_json(resid(fit, type = "cor")$cov),
        standardized = mat_json(resid(fit, type = "standardized")$cov)
      ),
      modindices_top30 = df_json(mi),
      lisrel_free = lisrel_json(lavInspect(fit, "free")),
      lisrel_est = lisrel_json(lavInspect(fit, "est"))
    ),
    extra
  )
  path <- file.path(fixtures_dir, paste0(name, ".json"))
  writeLines(
    jsonlite::toJSON(fixture, digits = NA, auto_unbox = TRUE, na = "null",
                     pretty = TRUE, null = "null"),
    path
  )
  message("wrote ", path)
}

hs <- read.csv(file.path(datasets_dir, "HolzingerSwineford1939.csv"))
pd <- read.csv(file.path(datasets_dir, "PoliticalDemocracy.csv"))
mobi <- read.csv(file.path(datasets_dir, "mobi.csv"))

# ------------------------------------------------- 1. Holzinger-Swineford CFA
hs_model <- "
visual  =~ x1 + x2 + x3
textual =~ x4 + x5 + x6
speed   =~ x7 + x8 + x9
"
fit <- cfa(hs_model, data = hs)
write_fit_fixture("hs_cfa", fit, "HolzingerSwineford1939.csv",
                  "cfa(model, data = hs)", hs_model,
                  "lavaan tutorial 3-factor CFA, marker scaling (auto.fix.first)")

fit <- cfa(hs_model, data = hs, std.lv = TRUE)
write_fit_fixture("hs_cfa_std_lv", fit, "HolzingerSwineford1939.csv",
                  "cfa(model, data = hs, std.lv = TRUE)", hs_model,
                  "lavaan tutorial 3-factor CFA, latent variances fixed to 1 (std.lv)")

# ------------------------------------------------- 2. Political Democracy SEM
pd_model <- "
# measurement model
ind60 =~ x1 + x2 + x3
dem60 =~ y1 + y2 + y3 + y4
dem65 =~ y5 + y6 + y7 + y8
# regressions
dem60 ~ ind60
dem65 ~ ind60 + dem60
# residual correlations
y1 ~~ y5
y2 ~~ y4 + y6
y3 ~~ y7
y4 ~~ y8
y6 ~~ y8
"
fit <- sem(pd_model, data = pd)
write_fit_fixture("poldem_sem", fit, "PoliticalDemocracy.csv",
                  "sem(model, data = pd)", pd_model,
                  "lavaan tutorial SEM (Bollen 1989) with its residual covariances")

# ------------------------------------- 3. chain with an observed exogenous covariate
hs_x_model <- "
visual  =~ x1 + x2 + x3
textual =~ x4 + x5 + x6
textual ~ visual + ageyr
"
fit <- sem(hs_x_model, data = hs)
write_fit_fixture("hs_chain_fixed_x", fit, "HolzingerSwineford1939.csv",
                  "sem(model, data = hs)", hs_x_model,
                  "observed exogenous covariate ageyr (fixed.x = TRUE: its variance is fixed at the sample value, exo = 1)")

# ------------------------------------------------------------- 4. ECSI on mobi
ecsi_model <- "
Image        =~ IMAG1 + IMAG2 + IMAG3 + IMAG4 + IMAG5
Expectation  =~ CUEX1 + CUEX2 + CUEX3
Quality      =~ PERQ1 + PERQ2 + PERQ3 + PERQ4 + PERQ5 + PERQ6 + PERQ7
Value        =~ PERV1 + PERV2
Satisfaction =~ CUSA1 + CUSA2 + CUSA3
Complaints   =~ CUSCO
Loyalty      =~ CUSL1 + CUSL2 + CUSL3
Expectation  ~ Image
Quality      ~ Expectation
Value        ~ Expectation + Quality
Satisfaction ~ a1*Image + Expectation + Quality + Value
Complaints   ~ b2*Satisfaction
Loyalty      ~ c1*Image + b1*Satisfaction + b3*Complaints
# indirect and total effects of Image on Loyalty
ind_sat := a1*b1
ind_sat_comp := a1*b2*b3
total := c1 + a1*b1 + a1*b2*b3
"
# The likelihood is flat along the Expectation/Quality -> Value paths (SEs of 16-24):
# nlminb with lavaan's defaults stops with a gradient of 7e-5, BFGS with reltol = 1e-14
# stops elsewhere on the ridge with a larger chi-square; tighter nlminb fails. The fixture
# keeps what a lavaan user gets; tests/test_fit.py compares estimates on this model
# relative to their standard errors and checks that our chi-square is not larger.
fit <- sem(ecsi_model, data = mobi)
write_fit_fixture("ecsi_mobi", fit, "mobi.csv", "sem(model, data = mobi)", ecsi_model,
                  paste("ECSI (Tenenhaus et al. 2005) CB-SEM, ML, marker scaling;",
                        "Complaints is a single-indicator latent (auto.fix.single fixes",
                        "the CUSCO residual variance to 0); ill-conditioned (see script)"),
                  extra = list(max_abs_gradient = max(abs(lavInspect(fit, "gradient")))))

# ---------------------------------- 4b. defined parameters with functions (HS)
hs_def_model <- "
visual  =~ x1 + x2 + x3
textual =~ x4 + x5 + x6
speed   =~ x7 + x8 + x9
textual ~ a*visual
speed ~ b*textual + c*visual
ind := a*b
total := c + a*b
ratio := sqrt(a^2) / (b^2 + exp(0) + log(1))
"
# abs() is left out on purpose: lavaan differentiates := functions by complex step, which
# treats abs(b) as a constant (its SE drops b's term); loyaltysem differentiates it.
fit <- sem(hs_def_model, data = hs)
write_fit_fixture("hs_defined", fit, "HolzingerSwineford1939.csv",
                  "sem(model, data = hs)", hs_def_model,
                  "defined parameters (:=) with arithmetic and functions; delta-method SEs")

# --------------------------- 5. Political Democracy from a rounded correlation matrix
pd_r <- round(cor(pd), 2)
pd_sd <- round(apply(pd, 2, sd), 2)
pd_cov <- diag(pd_sd) %*% pd_r %*% diag(pd_sd)
dimnames(pd_cov) <- dimnames(pd_r)
fit <- sem(pd_model, sample.cov = pd_cov, sample.nobs = 75)
write_fit_fixture("poldem_sem_from_cor", fit, "PoliticalDemocracy.csv",
                  "sem(model, sample.cov = pd_cov, sample.nobs = 75)", pd_model,
                  paste("pd_cov = D R D with R = round(cor(pd), 2), D = diag(round(sd, 2));",
                        "lavaan treats sample.cov as unbiased (divisor N - 1) and rescales",
                        "it by (N - 1) / N (sample.cov.rescale = TRUE)"),
                  extra = list(
                    sample_cov_input = mat_json(pd_cov),
                    sample_cor_input = mat_json(pd_r),
                    sample_sd_input = as.list(pd_sd),
                    sample_nobs_input = 75L
                  ))

# --------------------------------- 6. the default e-commerce model (design.md section 3)
# On the bundled example survey (src/loyaltysem/data/ecommerce.csv), loaded as its codebook
# says: -99 is missing, LOY4 is reverse-keyed (1 + 7 - x). lavaan's default missing =
# "listwise" drops incomplete rows, as loyaltysem.fit() does. The syntax is a copy of
# loyaltysem.instruments.DEFAULT_MODEL; tests/test_fit.py checks that they are identical.
package_data <- file.path("src", "loyaltysem", "data")
ecom <- read.csv(file.path(package_data, "ecommerce.csv"))
items <- setdiff(names(ecom), c("respondent_id", "wave", "gender", "platform", "age"))
for (v in items) ecom[[v]][ecom[[v]] == -99] <- NA
ecom$LOY4 <- 8 - ecom$LOY4
ecom_model <- paste0(
  "# Measurement model\n",
  "REP =~ REP1 + REP2 + REP3\n",
  "SEC =~ SEC1 + SEC2 + SEC3\n",
  "SQ =~ SQ1 + SQ2 + SQ3 + SQ4\n",
  "PQ =~ PQ1 + PQ2 + PQ3\n",
  "PRI =~ PRI1 + PRI2 + PRI3\n",
  "ASS =~ ASS1 + ASS2 + ASS3\n",
  "TRU =~ TRU1 + TRU2 + TRU3\n",
  "SAT =~ SAT1 + SAT2 + SAT3\n",
  "LOY =~ LOY1 + LOY2 + LOY3 + LOY4\n",
  "# Structural model\n",
  "TRU ~ a1*REP + a2*SEC + a3*SQ\n",
  "SAT ~ b1*TRU + c1*PQ + c2*PRI + c3*ASS\n",
  "LOY ~ d1*TRU + d2*SAT\n",
  "# Indirect effects on loyalty\n",
  "ind_REP_TRU := a1*d1\n",
  "ind_REP_TRU_SAT := a1*b1*d2\n",
  "ind_REP := a1*d1 + a1*b1*d2\n",
  "ind_SEC_TRU := a2*d1\n",
  "ind_SEC_TRU_SAT := a2*b1*d2\n",
  "ind_SEC := a2*d1 + a2*b1*d2\n",
  "ind_SQ_TRU := a3*d1\n",
  "ind_SQ_TRU_SAT := a3*b1*d2\n",
  "ind_SQ := a3*d1 + a3*b1*d2\n",
  "ind_PQ_SAT := c1*d2\n",
  "ind_PRI_SAT := c2*d2\n",
  "ind_ASS_SAT := c3*d2\n",
  "ind_TRU_SAT := b1*d2\n",
  "total_TRU := d1 + b1*d2\n"
)
fit <- sem(ecom_model, data = ecom)
write_fit_fixture("ecommerce_default", fit, "src/loyaltysem/data/ecommerce.csv",
                  "sem(model, data = ecom)", ecom_model,
                  paste("bundled example, all three waves; -99 -> NA, LOY4 reversed;",
                        "listwise deletion (lavaan default)"),
                  extra = list(n_rows_read = nrow(ecom)))

# the same model from a rounded correlation matrix + SDs + N (how a published table is
# reproduced): the complete cases, correlations and SDs rounded to 2 decimals
complete <- ecom[complete.cases(ecom[, items]), items]
ecom_r <- round(cor(complete), 2)
ecom_sd <- round(apply(complete, 2, sd), 2)
ecom_cov <- diag(ecom_sd) %*% ecom_r %*% diag(ecom_sd)
dimnames(ecom_cov) <- dimnames(ecom_r)
fit <- sem(ecom_model, sample.cov = ecom_cov, sample.nobs = nrow(complete))
write_fit_fixture("ecommerce_from_cor", fit, "src/loyaltysem/data/ecommerce.csv",
                  "sem(model, sample.cov = ecom_cov, sample.nobs = N)", ecom_model,
                  paste("ecom_cov = D R D, R = round(cor(complete cases), 2),",
                        "D = diag(round(sd, 2)); rescaled by (N - 1) / N as sample.cov"),
                  extra = list(
                    sample_cor_input = mat_json(ecom_r),
                    sample_sd_input = as.list(ecom_sd),
                    sample_nobs_input = nrow(complete)
                  ))

# ----------------------------------------------- parameter-table-only cases
# sem(..., do.fit = FALSE) runs lavaanify with sem()'s defaults and the data's
# variable names, without estimating. Each case: syntax, options, parTable.
cases <- list(
  list(name = "labels_equality_constraints", options = list(), syntax = "
visual  =~ x1 + a*x2 + a*x3
textual =~ x4 + b*x5 + c*x6
speed   =~ x7 + x8 + x9
b == c
visual ~~ start(0.5)*textual
"),
  list(name = "fixed_free_values", options = list(), syntax = "
visual  =~ NA*x1 + x2 + 0.8*x3
textual =~ x4 + x5 + x6
speed   =~ x7 + x8 + x9
visual ~~ 1*visual
x1 ~~ 0.2*x1
visual ~~ 0*speed
"),
  list(name = "merged_modifiers", options = list(), syntax = "
visual  =~ x1 + x2 + x3
textual =~ x4 + x5 + x6
method  =~ NA*x1 + m*x1 + m*x4 + start(0.3)*x5 + m*x5
method ~~ 1*method
method ~~ 0*visual + 0*textual
"),
  list(name = "std_lv_with_user_var", options = list(std.lv = TRUE), syntax = "
visual  =~ x1 + x2 + x3
textual =~ x4 + x5 + x6
textual ~ visual
"),
  list(name = "path_analysis_observed", options = list(), syntax = "
x4 ~ x1 + x2
x5 ~ x4 + x3
x6 ~ x4
"),
  list(name = "mixed_ov_lv_structural", options = list(), syntax = "
visual  =~ x1 + x2 + x3
textual =~ x4 + x5 + x6
x7 ~ visual + ageyr
textual ~ visual + sex
x7 ~~ x8
"),
  list(name = "intercepts_meanstructure", options = list(), syntax = "
visual  =~ x1 + x2 + x3
textual =~ x4 + x5 + x6
textual ~ visual + ageyr
x1 ~ 0*1
visual ~ 1
"),
  list(name = "meanstructure_fixed_x", options = list(meanstructure = TRUE), syntax = "
visual  =~ x1 + x2 + x3
textual =~ x4 + x5 + x6
textual ~ visual + ageyr + sex
"),
  list(name = "labelled_intercepts_latent_means", options = list(), syntax = "
visual  =~ x1 + x2 + x3
textual =~ x4 + x5 + x6
x1 + x4 ~ 0*1
x2 ~ a*1
x3 ~ a*1
visual + textual ~ 1
x5 ~ start(2)*1
"),
  list(name = "orthogonal_multiple_lhs", options = list(orthogonal = TRUE), syntax = "
visual  =~ x1 + x2 + x3; textual =~ x4 + x5 + x6
speed   =~ x7 +
           x8 + x9
x7 + x8 ~ ageyr
"),
  list(name = "indicator_regressed", options = list(), syntax = "
visual  =~ x1 + x2 + x3
textual =~ x4 + x5 + x6
x1 ~ ageyr
x4 ~~ visual
"),
  list(name = "defined_parameters", options = list(), syntax = "
visual  =~ x1 + x2 + x3
textual =~ x4 + x5 + x6
speed   =~ x7 + x8 + x9
textual ~ a*visual
speed ~ b*textual + c*visual
ind := a*b
total := c + a*b
ratio := sqrt(a^2) / (abs(b) + exp(0) + log(1))
"),
  list(name = "fixed_x_false", options = list(fixed.x = FALSE), syntax = "
visual  =~ x1 + x2 + x3
visual ~ ageyr + grade
"),
  list(name = "lower_ov_cov_order", options = list(), syntax = "
visual  =~ x1 + x2 + x3
textual =~ x4 + x5 + x6
x6 ~~ x2
textual ~~ visual
x5 ~~ x5
")
)

hs_vars <- hs[, c("x1", "x2", "x3", "x4", "x5", "x6", "x7", "x8", "x9", "ageyr", "sex", "grade")]
hs_vars <- hs_vars[complete.cases(hs_vars), ]
case_out <- lapply(cases, function(cs) {
  call_args <- c(list(model = cs$syntax, data = hs_vars, do.fit = FALSE), cs$options)
  fit <- suppressWarnings(do.call("sem", call_args))
  pt <- parTable(fit)
  pt$start <- NULL
  pt$est <- NULL
  pt$se <- NULL
  list(
    name = cs$name,
    syntax = cs$syntax,
    options = if (length(cs$options)) cs$options else structure(list(), names = character(0)),
    call = paste0("sem(model, data = hs, do.fit = FALSE",
                  paste0(vapply(names(cs$options), function(o) {
                    paste0(", ", o, " = ", deparse(cs$options[[o]]))
                  }, ""), collapse = ""), ")"),
    npar = lavInspect(fit, "npar"),
    names = list(
      ov = I(lavNames(fit, "ov")), ov.x = I(lavNames(fit, "ov.x")), lv = I(lavNames(fit, "lv")),
      lv.x = I(lavNames(fit, "lv.x")), lv.y = I(lavNames(fit, "lv.y")), ov.y = I(lavNames(fit, "ov.y"))
    ),
    partable = df_json(pt),
    lisrel_free = lisrel_json(lavInspect(fit, "free"))
  )
})
cases_fixture <- list(
  provenance = provenance("HolzingerSwineford1939.csv",
                          "sem(model, data = hs, do.fit = FALSE, ...)", NULL,
                          "parameter tables only (lavaanify with sem() defaults)"),
  cases = case_out
)
path <- file.path(fixtures_dir, "partable_cases.json")
writeLines(
  jsonlite::toJSON(cases_fixture, digits = NA, auto_unbox = TRUE, na = "null",
                   pretty = TRUE, null = "null"),
  path
)
message("wrote ", path)
