#!/usr/bin/env Rscript
# Reference fixtures for loyaltysem.pls.predict (tests/test_pls_predict.py).
#
# Run from the repository root:
#   Rscript tests/reference/make_pls_predict.R
# Writes tests/fixtures/pls_predict_r.json:
# - "cut": fold numbers of R's cut(seq(1, n), breaks = k, labels = FALSE), the rule
#   seminr's prediction_matrices() uses to assign shuffled rows to folds, for several n, k;
# - "ttest": R's paired t-test, t.test(l2, l1, paired = TRUE) with alternative
#   "two.sided" and "greater", on loss vectors drawn here (set.seed(2021)), the test of
#   CVPAT (Liengaard et al. 2021; cSEM::testCVPAT computes D = L2 - L1,
#   t = mean(D) / sqrt(var(D) / N), df = N - 1).
# Requires: jsonlite.

suppressPackageStartupMessages(library(jsonlite))

cases <- list(c(10, 3), c(21, 10), c(21, 7), c(250, 10), c(344, 10), c(97, 5), c(12, 12))
cut_out <- lapply(cases, function(nk) {
  list(n = nk[1], k = nk[2],
       folds = as.integer(cut(seq(1, nk[1]), breaks = nk[2], labels = FALSE)))
})

set.seed(2021)
ttest_out <- lapply(c(8, 30, 250), function(n) {
  l1 <- rexp(n)
  l2 <- l1 + rnorm(n, mean = 0.1, sd = 0.5)
  two <- t.test(l2, l1, paired = TRUE, alternative = "two.sided")
  one <- t.test(l2, l1, paired = TRUE, alternative = "greater")
  list(l1 = l1, l2 = l2, t = unname(two$statistic), df = unname(two$parameter),
       p_two_sided = two$p.value, p_greater = one$p.value)
})

out <- list(
  provenance = list(
    generator = "tests/reference/make_pls_predict.R",
    r_version = R.version.string,
    date = format(Sys.time(), "%Y-%m-%d")
  ),
  cut = cut_out,
  ttest = ttest_out
)
write_json(out, "tests/fixtures/pls_predict_r.json", digits = NA, auto_unbox = TRUE,
           pretty = TRUE)
cat("wrote tests/fixtures/pls_predict_r.json\n")
