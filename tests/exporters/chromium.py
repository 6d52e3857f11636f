"""Open a page in headless Chromium and read what it rendered.

`render` injects a probe script into a copy of the page; after the page has loaded, the
probe writes what the browser actually laid out (table rows, every image's decoded size and
place, what overflows the window sideways) into the DOM as JSON, which --dump-dom hands back.
"""

from __future__ import annotations

import html
import json
import shutil
import subprocess
from pathlib import Path

import pytest

PROBE = """<script>
// Everything the browser laid out that a test checks: table cells, every image, and overflow: the
// page's own scroll width, elements whose right edge passes the viewport (unless a scrolling
// container clips them) and containers that scroll sideways.
function clipped(element) {
  for (let e = element.parentElement; e && e !== document.body; e = e.parentElement) {
    if (getComputedStyle(e).overflowX !== "visible") return true;
  }
  return false;
}
function label(e) {
  return e.tagName.toLowerCase() + (e.id ? "#" + e.id : "") + (e.className ? "." + e.className : "");
}
window.addEventListener("load", () => {
  const rows = {};
  for (const table of document.querySelectorAll("table[id]")) {
    rows[table.id] = [...table.tBodies[0].rows].map((r) => [...r.cells].map((c) => c.innerText.trim()));
  }
  const images = [...document.images].map((i) => {
    const box = i.getBoundingClientRect();
    return {alt: i.alt, width: i.naturalWidth, height: i.naturalHeight, complete: i.complete,
            shown: box.width, shownHeight: box.height, left: box.left, right: box.right,
            top: box.top + window.scrollY,
            visible: getComputedStyle(i).visibility === "visible" && i.checkVisibility()};
  });
  const viewport = window.innerWidth;
  const wide = [...document.body.querySelectorAll("*")]
    .filter((e) => e.getBoundingClientRect().right > viewport + 0.5 && !clipped(e))
    .map((e) => label(e) + " ends at " + Math.round(e.getBoundingClientRect().right));
  const scrolling = [...document.body.querySelectorAll("*")]
    .filter((e) => getComputedStyle(e).overflowX !== "visible" && e.scrollWidth > e.clientWidth + 1
                   && e.checkVisibility())
    .map(label);
  const columns = {};
  for (const table of document.querySelectorAll("table[id]")) {
    const head = [...table.tHead.rows[0].cells];
    columns[table.id] = head.map((c) => Math.round(c.getBoundingClientRect().width));
  }
  const layout = {viewport, scrollWidth: document.documentElement.scrollWidth,
                  height: document.documentElement.scrollHeight, wide, scrolling, columns};
  const probe = document.createElement("pre");
  probe.id = "probe";
  probe.textContent = JSON.stringify({title: document.title, rows, images, layout});
  document.body.appendChild(probe);
});
</script>
"""


NOT_INSTALLED = "chromium is not installed (.ci/run installs it)"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
# On a test that renders: skipped before it builds its pages (60 of them took half a minute).
needs_chromium = pytest.mark.skipif(CHROMIUM is None, reason=NOT_INSTALLED)


def chromium() -> str:
    if CHROMIUM is None:
        pytest.skip(NOT_INSTALLED)
    return CHROMIUM


def _run(page: Path, tmp: Path, *args: str) -> str:
    command = [
        chromium(),
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        f"--user-data-dir={tmp / 'chromium-profile'}",
        "--virtual-time-budget=5000",
        *args,
        page.as_uri(),
    ]
    return subprocess.run(command, capture_output=True, text=True, timeout=120, check=True).stdout


# Unfolds every <details> (the passed checks, captured output) before the probe measures.
OPEN_DETAILS = """<script>
window.addEventListener("load", () => {
  for (const details of document.querySelectorAll("details")) details.open = true;
});
</script>
"""


def render(page: Path, tmp: Path, width: int = 1280, *, unfold: bool = False) -> dict:
    """The probe's findings for `page` as rendered by Chromium in a window `width` pixels wide;
    with `unfold`, as the reader sees it after opening every folded part."""
    probed = page.with_name(f"probed-{page.name}")
    page_text = page.read_text(encoding="utf-8")
    scripts = (OPEN_DETAILS if unfold else "") + PROBE
    probed.write_text(page_text.replace("</body>", scripts + "</body>"), encoding="utf-8")
    dom = _run(probed, tmp, "--dump-dom", f"--window-size={width},1000", "--hide-scrollbars")
    start = dom.index('<pre id="probe">') + len('<pre id="probe">')
    return json.loads(html.unescape(dom[start : dom.index("</pre>", start)]))


def screenshot(page: Path, tmp: Path, target: Path, size: str = "1280,2400") -> Path:
    _run(page, tmp, f"--screenshot={target}", f"--window-size={size}", "--hide-scrollbars")
    return target
