"""Open a page in headless Chromium and read what it rendered.

`render` injects a probe script into a copy of the page; after the page has loaded, the
probe writes what the browser actually laid out (table rows, every image's decoded size)
into the DOM as JSON, which --dump-dom hands back.
"""

from __future__ import annotations

import html
import json
import shutil
import subprocess
from pathlib import Path

import pytest

PROBE = """<script>
window.addEventListener("load", () => {
  const rows = {};
  for (const table of document.querySelectorAll("table[id]")) {
    rows[table.id] = [...table.tBodies[0].rows].map((r) => [...r.cells].map((c) => c.innerText.trim()));
  }
  const images = [...document.images].map((i) => ({alt: i.alt, width: i.naturalWidth, height: i.naturalHeight,
                                                     shown: i.getBoundingClientRect().width}));
  const probe = document.createElement("pre");
  probe.id = "probe";
  probe.textContent = JSON.stringify({title: document.title, rows, images});
  document.body.appendChild(probe);
});
</script>
"""


def chromium() -> str:
    path = shutil.which("chromium") or shutil.which("chromium-browser")
    if path is None:
        pytest.skip("chromium is not installed (.ci/run installs it)")
    return path


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


def render(page: Path, tmp: Path) -> dict:
    """The probe's findings for `page` as rendered by Chromium."""
    probed = page.with_name(f"probed-{page.name}")
    page_text = page.read_text(encoding="utf-8")
    probed.write_text(page_text.replace("</body>", PROBE + "</body>"), encoding="utf-8")
    dom = _run(probed, tmp, "--dump-dom")
    start = dom.index('<pre id="probe">') + len('<pre id="probe">')
    return json.loads(html.unescape(dom[start : dom.index("</pre>", start)]))


def screenshot(page: Path, tmp: Path, target: Path, size: str = "1280,2400") -> Path:
    _run(page, tmp, f"--screenshot={target}", f"--window-size={size}", "--hide-scrollbars")
    return target
