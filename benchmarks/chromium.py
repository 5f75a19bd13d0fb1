"""How the site's tests and benchmarks start headless Chromium (Debian's build, on PATH).

Used by the browser tests (tests/docs) and by the benchmarks that drive a browser.
"""

from __future__ import annotations

# No background traffic of the browser's own: every request a run sees comes from the page.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
# Every host but this machine resolves to nothing, so an outside request cannot slip past.
ONLY_THIS_MACHINE = "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1"
