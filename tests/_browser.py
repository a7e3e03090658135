"""Open a local HTML file in headless Chromium and record what a reader's browser would do.

Test helper of ``tests/test_report_browser.py``: the driver is Playwright (the ``test``
extra, docs/dependencies.md) with Debian's ``chromium`` (``apt-get install chromium``), never a
browser download. Every request that is not the page's own file is aborted and recorded, so
a report that needs the network fails the test instead of loading something.

Where Chromium is absent, :func:`chromium_path` skips the test with the install command; on CI
(the ``CI`` variable set, as ``.ci/run`` runs) it fails instead, since CI installs Chromium.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, sync_playwright

#: Where Chromium is looked for when ``LOYALTYSEM_CHROMIUM`` does not name it.
CANDIDATES = ("chromium", "chromium-browser", "/usr/bin/chromium")
INSTALL = "install chromium: apt-get install -y --no-install-recommends chromium"

#: Launch flags: no sandbox (root in a container), no GPU, and no background traffic.
#: Playwright adds --headless and a fresh --user-data-dir of its own for every launch.
FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def chromium_path() -> str:
    """The Chromium executable; skip (fail on CI) with the install command if there is none."""
    given = os.environ.get("LOYALTYSEM_CHROMIUM")
    found = given if given and Path(given).is_file() else None
    for name in () if found else CANDIDATES:
        found = shutil.which(name)
        if found:
            break
    if found is None:
        reason = f"headless Chromium not found ({', '.join(CANDIDATES)}): {INSTALL}"
        if os.environ.get("CI"):
            pytest.fail(f"on CI Chromium must be installed by .ci/run; {reason}")
        pytest.skip(reason)
    return found


@contextmanager
def browser() -> Iterator[Browser]:
    """A headless Chromium, closed on exit."""
    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=chromium_path(), headless=True, args=FLAGS)
        try:
            yield b
        finally:
            b.close()


@dataclass
class Visit:
    """What happened while a page loaded: messages, errors and requests."""

    url: str
    console: list[tuple[str, str]] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)
    blocked: list[str] = field(default_factory=list)

    @property
    def extra_requests(self) -> list[str]:
        """Requests other than the page itself (inline data: URLs are not requests)."""
        return [u for u in self.requests if u != self.url and not u.startswith("data:")]

    @property
    def console_errors(self) -> list[str]:
        """Console messages of type error or warning (a clean page has none)."""
        return [text for kind, text in self.console if kind in ("error", "warning")]

    @property
    def problems(self) -> list[str]:
        """Everything that should not happen on a self-contained page, one line each."""
        return (
            [f"console: {m}" for m in self.console_errors]
            + [f"page error: {m}" for m in self.page_errors]
            + [f"failed request: {u}" for u in self.failed]
            + [f"request blocked: {u}" for u in self.blocked]
            + [f"request: {u}" for u in self.extra_requests if u not in self.blocked]
        )


@contextmanager
def visit(b: Browser, path: Path) -> Iterator[tuple[Page, Visit]]:
    """Open ``path`` from a file:// URL, wait for the load event, and record the visit."""
    context = b.new_context(viewport={"width": 1200, "height": 900}, java_script_enabled=True)
    url = path.resolve().as_uri()
    record = Visit(url)

    def block(route: Any) -> None:  # the page's own file loads; anything else is recorded
        if route.request.url == url:
            route.continue_()
            return
        record.blocked.append(route.request.url)
        route.abort()

    context.route("**/*", block)
    page = context.new_page()
    page.on("console", lambda m: record.console.append((m.type, m.text)))
    page.on("pageerror", lambda e: record.page_errors.append(str(e)))
    page.on("requestfailed", lambda r: record.failed.append(f"{r.url} ({r.failure})"))
    page.on("request", lambda r: record.requests.append(r.url))
    try:
        page.goto(url, wait_until="load")
        page.wait_for_load_state("networkidle")
        yield page, record
    finally:
        context.close()


#: Read after load: sections, headings, contents links, inline SVG sizes, tables.
DOM_SCRIPT = """() => {
  const box = (e) => { const r = e.getBoundingClientRect(); return [r.width, r.height]; };
  return {
    lang: document.documentElement.lang,
    title: document.title,
    sections: [...document.querySelectorAll('body > section')].map((s) => ({
      id: s.id,
      heading: s.querySelector('h2') ? s.querySelector('h2').textContent : null,
      size: box(s),
      paragraphs: s.querySelectorAll('p').length,
      tables: s.querySelectorAll('table').length,
    })),
    toc: [...document.querySelectorAll('nav a')].map((a) => {
      const id = decodeURIComponent(a.hash.slice(1));
      const target = document.getElementById(id);
      return {href: a.getAttribute('href'), text: a.textContent,
              target: target ? target.tagName.toLowerCase() : null,
              heading: target && target.querySelector('h2') ?
                       target.querySelector('h2').textContent : null};
    }),
    svgs: [...document.querySelectorAll('svg')].map((s) => {
      let drawn = 0;
      for (const e of s.querySelectorAll('path, text, use, rect, circle, ellipse, line')) {
        const b = e.getBBox ? e.getBBox() : {width: 0, height: 0};
        if (b.width > 0 || b.height > 0) drawn += 1;
      }
      return {size: box(s), drawn: drawn, inSection: s.closest('section') ?
              s.closest('section').id : null};
    }),
    tables: [...document.querySelectorAll('table')].map((t) => ({
      label: t.parentElement.querySelector('p b') ?
             t.parentElement.querySelector('p b').textContent : null,
      head: [...t.querySelectorAll('thead th')].map((c) => c.textContent),
      rows: [...t.querySelectorAll('tbody tr')].map(
        (r) => [...r.querySelectorAll('td')].map((c) => c.textContent)),
      size: box(t),
    })),
  };
}"""


def read_dom(page: Page) -> dict[str, Any]:
    """The report's structure as the browser laid it out (see :data:`DOM_SCRIPT`)."""
    return page.evaluate(DOM_SCRIPT)
