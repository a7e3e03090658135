# The random group split of seminr's PLS-MGA test (sem-in-r/seminr @ 937f3065,
# tests/testthat/test-pls-mga.R): set.seed(798234); sample(c(TRUE, FALSE), nrow(mobi),
# replace = TRUE), nrow(mobi) = 250. seminr's fixture pls-mga-mobi-100 (copied into
# tests/thirdparty/seminr_fixtures_V_3_6_0/) was estimated on this split; the split itself
# is not stored there, so this script writes it (R >= 3.6 sampling, "Rejection").
# Run from the repository root: Rscript tests/reference/make_mga_condition.R
set.seed(798234)
rand_cond <- sample(c(TRUE, FALSE), 250, replace = TRUE)
out <- data.frame(row = seq_along(rand_cond), group1 = as.integer(rand_cond))
con <- file("tests/data/mga_mobi_condition.csv", "w")
writeLines(sprintf("# %s; %s; RNGkind: %s", R.version.string, "set.seed(798234); sample(c(TRUE, FALSE), 250, replace = TRUE)", paste(RNGkind(), collapse = "/")), con)
write.csv(out, con, row.names = FALSE)
close(con)
