"""The repository is self-contained: third-party references are byte copies with provenance.

Every file under ``tests/thirdparty/`` is listed in its README with the SHA-256 of the
published file it copies; no test reads anything outside the repository.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
THIRDPARTY = HERE / "thirdparty"
LISTED = dict(
    re.findall(
        r"^\| `([^`]+)` \| `([0-9a-f]{64})` \|$",
        (THIRDPARTY / "README.md").read_text(encoding="utf-8"),
        flags=re.MULTILINE,
    )
)


def test_every_file_is_listed_and_every_listed_file_exists():
    present = {
        p.relative_to(THIRDPARTY).as_posix()
        for p in THIRDPARTY.rglob("*")
        if p.is_file() and p.name != "README.md"
    }
    assert len(present) >= 31  # grows as PLS fixtures are added; equality with LISTED below
    assert present == set(LISTED)


@pytest.mark.parametrize("name", sorted(LISTED))
def test_file_has_the_recorded_sha256(name):
    assert hashlib.sha256((THIRDPARTY / name).read_bytes()).hexdigest() == LISTED[name]


@pytest.mark.parametrize("folder", sorted({n.split("/")[0] for n in LISTED}))
def test_every_folder_has_provenance_and_licence(folder):
    text = (THIRDPARTY / "README.md").read_text(encoding="utf-8")
    section = text.split(f"## {folder}/")[1].split("\n## ")[0]
    assert re.search(r"@ `[0-9a-f]{8,40}`", section), "no commit named"
    assert "GPL" in section


def test_no_test_reads_outside_the_repository():
    # a clone has nothing beside it: no ../shared, no absolute paths into a workplace
    pattern = re.compile(r"""["'](/work|/home|/tmp|/root)/|["']shared["']\s*/|\.\./shared""")
    offenders = [
        f"{p.name}:{i}"
        for p in sorted(HERE.glob("test_*.py"))
        if p.name != Path(__file__).name
        for i, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1)
        if pattern.search(line)
    ]
    assert offenders == []
