"""Property tests: arbitrary (often malformed) CSV input either loads exactly right or raises a
SurveyDataError/CodebookError — never another exception, never a silently altered value."""

from __future__ import annotations

import csv
import io
import math
import tempfile
from pathlib import Path

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from loyaltysem.errors import CodebookError, SurveyDataError
from loyaltysem.survey import Codebook, read_survey
from loyaltysem.survey.io import NA_TOKENS

ITEMS = ["A1", "A2", "B1", "B2"]
REVERSED = {"B2"}
LABELS = {"strongly disagree": 1.0, "neutral": 4.0, "strongly agree": 7.0, "非常同意": 7.0}
CODEBOOK = Codebook.from_dict(
    {
        "missing_codes": [-99],
        "value_labels": {
            "en": {1: "Strongly disagree", 4: "Neutral", 7: "Strongly agree"},
            "zh": {7: "非常同意"},
        },
        "items": [
            {"item": i, "construct": i[0], "min": 1, "max": 7, "reverse": i in REVERSED}
            for i in ITEMS
        ],
    }
)

text = st.text(
    alphabet=st.characters(exclude_categories=("Cs",), exclude_characters="\x00"), max_size=8
)
valid_cell = st.one_of(
    st.integers(1, 7).map(str),
    st.sampled_from(["", " ", "NA", "-99", "Strongly agree", " neutral ", "非常同意", "7.0", "3 "]),
)
wild_cell = st.one_of(
    st.integers(-120, 120).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    text,
)
# Mostly valid answers, so that both outcomes (loaded and refused) are exercised often.
cell = st.integers(0, 99).flatmap(lambda k: valid_cell if k < 97 else wild_cell)


def oracle(value: str) -> float | None:
    """What the cell must become (NaN for missing), or None if it must be refused."""
    stripped = value.strip()
    if stripped in NA_TOKENS:
        return math.nan
    try:
        number = float(stripped)
    except ValueError:
        key = " ".join(stripped.split()).casefold()
        return LABELS.get(key)
    if number == -99:
        return math.nan
    if not math.isfinite(number) or number != round(number) or not 1 <= number <= 7:
        return None
    return number


@st.composite
def csv_files(draw):
    header = draw(st.permutations(ITEMS))
    if draw(st.integers(0, 9)) == 0:
        header = header[: draw(st.integers(1, len(ITEMS)))]  # maybe lose item columns
    if draw(st.integers(0, 9)) == 0:
        header = [*header, "extra"]
    n = draw(st.integers(0, 6)) if draw(st.integers(0, 9)) == 0 else draw(st.integers(1, 6))
    rows = [[draw(cell) for _ in header] for _ in range(n)]
    ragged = draw(st.integers(0, 9)) == 0 and n > 0
    if ragged:
        rows[-1] = rows[-1][:-1]
    delimiter = draw(st.sampled_from([",", ";", "\t"]))
    encoding = draw(st.sampled_from(["utf-8", "utf-8-sig", "gb18030"]))
    return header, rows, delimiter, encoding


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(csv_files())
def test_csv_loads_exactly_or_raises_typed_error(spec):
    header, rows, delimiter, encoding = spec
    buf = io.StringIO()
    writer = csv.writer(buf, delimiter=delimiter, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "s.csv"
        path.write_bytes(buf.getvalue().encode(encoding))
        try:
            survey = read_survey(path, CODEBOOK)
        except (SurveyDataError, CodebookError) as err:
            loaded = False
            if "encoding is ambiguous" in str(err):
                # a few non-ASCII characters do not make GB18030 clear: the refusal lists
                # candidates, and the file reads when the encoding is stated
                assert encoding == "gb18030" and "candidates: " in str(err)
                try:
                    survey = read_survey(path, CODEBOOK, encoding=encoding)
                except (SurveyDataError, CodebookError):
                    pass
                else:
                    loaded = True
        else:
            loaded = True

    kept = [r for r in rows if not all(c.strip() == "" for c in r)]
    valid = (
        sorted(header) == sorted(ITEMS)
        and len(kept) > 0
        # a line with nothing but delimiters is blank whatever its length: skipped and logged
        and all(len(r) == len(header) for r in kept)
        and all(oracle(c) is not None for r in kept for c in r)
    )
    if not loaded:
        assert not valid, "a valid file was refused"
        return
    assert valid, "a malformed file loaded without an error"
    expected = np.array([[oracle(r[header.index(i)]) for i in ITEMS] for r in kept], dtype=float)
    for j, name in enumerate(ITEMS):
        if name in REVERSED:
            expected[:, j] = 8 - expected[:, j]
    np.testing.assert_array_equal(survey.data[ITEMS].to_numpy(), expected)
