#!/usr/bin/env Rscript
# Reference fixtures for loyaltysem.measurement.reliability (tests/test_reliability.py).
#
# Run from the repository root (data: the packaged copies in src/loyaltysem/data):
#   Rscript tests/reference/make_reliability.R [DATASETS_DIR] [FIXTURES_DIR]
# Defaults: DATASETS_DIR = src/loyaltysem/data, FIXTURES_DIR = tests/fixtures.
# The example survey is read from the repository: src/loyaltysem/data/ecommerce.csv.
#
# Writes tests/fixtures/reliability_{ecommerce,ecommerce_loy4_unreversed,holzinger,
# corp_rep,mobi}.json. For every construct (items x):
#   a <- psych::alpha(x)        (defaults: use = "pairwise", check.keys = FALSE)
#   a$total, a$alpha.drop, a$item.stats, a$response.freq, a$feldt (= psych::alpha.ci(
#   a$total$raw_alpha, nrow(x), ncol(x)), the "Feldt" row print(a) shows) and the
#   "Duhachek" row print(a) shows (raw_alpha -/+ 1.96 * ase).
# Numbers are written at full precision (jsonlite digits = NA), NA as null.
# Requires: psych, jsonlite (Debian: r-cran-psych r-cran-jsonlite).

suppressPackageStartupMessages({
  library(psych)
  library(jsonlite)
})

args <- commandArgs(trailingOnly = TRUE)
datasets_dir <- if (length(args) >= 1) args[[1]] else file.path("src", "loyaltysem", "data")
fixtures_dir <- if (length(args) >= 2) args[[2]] else file.path("tests", "fixtures")
stopifnot(dir.exists(datasets_dir), dir.exists(fixtures_dir))

provenance <- function(file, constructs, na_codes, note) {
  list(
    generator = "tests/reference/make_reliability.R",
    r_version = R.version.string,
    psych_version = as.character(packageVersion("psych")),
    jsonlite_version = as.character(packageVersion("jsonlite")),
    date = format(Sys.time(), "%Y-%m-%d %H:%M:%S %Z"),
    data_file = file,
    constructs = constructs,
    na_codes = na_codes,
    note = note,
    calls = c(
      "a <- psych::alpha(x)",
      "a$total; a$alpha.drop; a$item.stats; a$response.freq",
      "a$feldt  # psych::alpha.ci(a$total$raw_alpha, nrow(x), ncol(x))",
      "a$total$raw_alpha + c(-1.96, 1.96) * a$total$ase  # 'Duhachek' row of print(a)"
    )
  )
}

frame_rows <- function(df) {
  out <- lapply(seq_len(nrow(df)), function(i) as.list(df[i, , drop = FALSE]))
  names(out) <- rownames(df)
  out
}

alpha_list <- function(x) {
  a <- suppressWarnings(psych::alpha(x))
  pc <- principal(x, scores = FALSE)$loadings
  total <- as.list(a$total)
  freq <- NULL
  if (!is.null(a$response.freq)) {
    rf <- a$response.freq
    freq <- lapply(rownames(rf), function(item) as.list(rf[item, ]))
    names(freq) <- rownames(rf)
  }
  list(
    items = I(colnames(x)),
    nvar = a$nvar,
    nsub = nrow(x),
    total = total,
    alpha_drop = frame_rows(a$alpha.drop),
    item_stats = frame_rows(a$item.stats),
    response_freq = if (is.null(freq)) NA else freq,  # null: psych gives NULL
    feldt = list(lower = a$feldt$lower.ci[[1]], alpha = a$feldt$alpha[[1]],
                 upper = a$feldt$upper.ci[[1]]),
    duhachek = list(lower = a$total$raw_alpha - 1.96 * a$total$ase,
                    upper = a$total$raw_alpha + 1.96 * a$total$ase),
    # items psych's principal() check warns about (negative first-component loading)
    negative_pc_loading = I(rownames(pc)[pc < 0])
  )
}

write_fixture <- function(name, file, data, constructs, na_codes, note) {
  results <- lapply(constructs, function(items) alpha_list(data[, items, drop = FALSE]))
  names(results) <- names(constructs)
  fixture <- list(
    provenance = provenance(file, constructs, na_codes, note),
    n_rows = nrow(data),
    alpha = results
  )
  path <- file.path(fixtures_dir, paste0("reliability_", name, ".json"))
  writeLines(
    jsonlite::toJSON(fixture, digits = NA, auto_unbox = TRUE, na = "null", pretty = TRUE),
    path
  )
  message("wrote ", path)
}

# --- the bundled example survey: -99 is missing, LOY4 is reverse-keyed (1-7 scale) ---
ecom_constructs <- list(
  REP = paste0("REP", 1:3), SEC = paste0("SEC", 1:3), SQ = paste0("SQ", 1:4),
  PQ = paste0("PQ", 1:3), PRI = paste0("PRI", 1:3), ASS = paste0("ASS", 1:3),
  TRU = paste0("TRU", 1:3), SAT = paste0("SAT", 1:3), LOY = paste0("LOY", 1:4)
)
ecom_raw <- read.csv(file.path("src", "loyaltysem", "data", "ecommerce.csv"))
ecom_raw <- ecom_raw[, unlist(ecom_constructs)]
ecom_raw[ecom_raw == -99] <- NA
ecom <- ecom_raw
ecom$LOY4 <- 8 - ecom$LOY4
write_fixture("ecommerce", "src/loyaltysem/data/ecommerce.csv", ecom, ecom_constructs,
              list(-99), "-99 set to NA; LOY4 reversed as 8 - LOY4")
# LOY4 left as it is in the file: a forgotten reverse key (negative r.drop)
write_fixture("ecommerce_loy4_unreversed", "src/loyaltysem/data/ecommerce.csv", ecom_raw,
              list(LOY = paste0("LOY", 1:4)), list(-99),
              "-99 set to NA; LOY4 NOT reversed (pins the negative r.drop note)")

# --- HolzingerSwineford1939: x1-x9, no missing values ---
hs <- read.csv(file.path(datasets_dir, "HolzingerSwineford1939.csv"))
write_fixture("holzinger", "HolzingerSwineford1939.csv", hs,
              list(visual = c("x1", "x2", "x3"), textual = c("x4", "x5", "x6"),
                   speed = c("x7", "x8", "x9")),
              list(), "lavaan's three-factor grouping")

# the same with missing answers placed by hand, including a row without any answer
# (psych still counts it in n for ase and the Feldt interval)
hs_na <- hs[, c("x1", "x2", "x3", "x4")]
hs_na[1, ] <- NA
hs_na[2:5, "x1"] <- NA
hs_na[6:9, "x3"] <- NA
hs_na[10, c("x2", "x3")] <- NA
write_fixture("holzinger_missing", "HolzingerSwineford1939.csv", hs_na,
              list(x1_x4 = c("x1", "x2", "x3", "x4")), list(),
              paste("x1-x4; NA set in rows 1 (all items), 2-5 (x1), 6-9 (x3),",
                    "10 (x2, x3); rows counted from 1 after the header"))

# --- corp_rep_data: -99 is missing (cusl_1-3 have a few) ---
corp <- read.csv(file.path(datasets_dir, "corp_rep_data.csv"))
corp[corp == -99] <- NA
write_fixture("corp_rep", "corp_rep_data.csv", corp,
              list(COMP = paste0("comp_", 1:3), LIKE = paste0("like_", 1:3),
                   CUSL = paste0("cusl_", 1:3)),
              list(-99), "-99 set to NA before every call")

# --- mobi (ECSI): every multi-item construct; Value has two items ---
mobi <- read.csv(file.path(datasets_dir, "mobi.csv"))
write_fixture("mobi", "mobi.csv", mobi,
              list(Image = paste0("IMAG", 1:5), Expectation = paste0("CUEX", 1:3),
                   Quality = paste0("PERQ", 1:7), Value = paste0("PERV", 1:2),
                   Satisfaction = paste0("CUSA", 1:3), Loyalty = paste0("CUSL", 1:3)),
              list(), "complaints (CUSCO) has a single item and is left out")
