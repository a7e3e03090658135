"""The HTML report printed to PDF by a headless Chromium found on the machine.

A PDF of the report is the HTML page as Chromium prints it (``--print-to-pdf``): the same
tables, figures and banners, page breaks by the browser. No Python PDF library lays out
Chinese text, SVG figures and APA tables as faithfully, and Chromium is one well-kept
program many machines have. Where none is found, :func:`find_chromium` raises a
:class:`~loyaltysem.errors.ReportError` that says how to install one.

Examples
--------
``report.write(out, ..., formats=("pdf",))`` calls :func:`html_to_pdf`; the browsers it
looks for, in order:

>>> CHROMIUM_NAMES[:3]
('chromium', 'chromium-browser', 'google-chrome')
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from loyaltysem.errors import OutputError, ReportError

__all__ = ["CHROMIUM_NAMES", "find_chromium", "html_to_pdf"]

#: Program names searched on PATH, in order (Debian/Ubuntu, snaps, Google Chrome, Edge).
CHROMIUM_NAMES = (
    "chromium",
    "chromium-browser",
    "google-chrome",
    "google-chrome-stable",
    "chrome",
    "msedge",
    "microsoft-edge",
)

#: Flags for a quiet, offline, single-use browser (no network, no profile left behind).
_FLAGS = (
    "--headless",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-pdf-header-footer",
)

_INSTALL = (
    "install Chromium (Debian/Ubuntu: sudo apt-get install chromium; macOS: brew install "
    "--cask chromium; Windows: Google Chrome or Edge), or set LOYALTYSEM_CHROMIUM to the "
    "browser's path; or write html and print it from a browser"
)


def find_chromium() -> Path:
    """The Chromium (or Chrome, Edge) executable that prints the PDF.

    ``LOYALTYSEM_CHROMIUM`` names it when set; otherwise the first of
    :data:`CHROMIUM_NAMES` on ``PATH``.

    Raises
    ------
    ReportError
        When none is found (or ``LOYALTYSEM_CHROMIUM`` names no file), saying how to
        install one.
    """
    given = os.environ.get("LOYALTYSEM_CHROMIUM")
    if given:
        if Path(given).is_file():
            return Path(given)
        raise ReportError(
            "LOYALTYSEM_CHROMIUM names no file",
            found=given,
            expected="the path of a Chromium, Chrome or Edge executable",
            fix="correct LOYALTYSEM_CHROMIUM, or unset it to search PATH",
        )
    for name in CHROMIUM_NAMES:
        found = shutil.which(name)
        if found:
            return Path(found)
    raise ReportError(
        "a PDF report needs Chromium, and none was found",
        found="no " + ", ".join(CHROMIUM_NAMES[:3]) + " on PATH",
        expected="a Chromium, Chrome or Edge executable",
        fix=_INSTALL,
    )


def html_to_pdf(html: Path, pdf: Path, *, timeout: float = 180.0) -> Path:
    """Print the page ``html`` to ``pdf`` with headless Chromium (no network access).

    Parameters
    ----------
    html : Path
        A self-contained HTML file (``report.html``).
    pdf : Path
        The PDF to write.
    timeout : float, default 180
        Seconds before the browser is stopped.

    Returns
    -------
    Path
        ``pdf``.

    Raises
    ------
    ReportError
        No Chromium found (:func:`find_chromium`).
    OutputError
        The browser failed, timed out or wrote no PDF (its last message is quoted).
    """
    browser = find_chromium()
    flags = list(_FLAGS)
    if sys.platform != "win32" and os.geteuid() == 0:  # Chromium refuses root without it
        flags.append("--no-sandbox")
    with tempfile.TemporaryDirectory(prefix="loyaltysem-chromium-") as profile:
        command = [
            str(browser),
            *flags,
            f"--user-data-dir={profile}",
            f"--print-to-pdf={pdf.resolve()}",
            html.resolve().as_uri(),
        ]
        try:
            done = subprocess.run(command, capture_output=True, text=True, timeout=timeout)
        except subprocess.TimeoutExpired as err:
            raise OutputError(
                f"Chromium did not print the report within {timeout:.0f} s",
                path=pdf,
                fix="try again, or write html and print it from a browser",
            ) from err
    if done.returncode != 0 or not pdf.is_file() or pdf.stat().st_size == 0:
        last = (done.stderr.strip().splitlines() or ["no message"])[-1]
        raise OutputError(
            f"Chromium could not print the report ({browser}): {last}",
            path=pdf,
            fix="check that the browser starts (run it with --headless), or write html "
            "and print it from a browser",
        )
    return pdf
