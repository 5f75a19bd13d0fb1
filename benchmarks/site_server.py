"""Serve the built site on 127.0.0.1 as a static host does: gzip for text, cache headers.

Used by the browser tests (tests/docs) and by the benchmarks that load pages (pages.py, live.py).

GitHub Pages and Read the Docs compress HTML, CSS, JavaScript and SVG, so what a reader
downloads is the compressed size; Python's plain ``http.server`` sends every byte as is. The
page-weight checks and the Lighthouse runs use this server, so that they measure what a
reader's browser receives.
"""

from __future__ import annotations

import contextlib
import functools
import gzip
import io
import threading
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

COMPRESSED = {".html", ".css", ".js", ".svg", ".json", ".txt", ".xml", ".map", ".ipynb", ".md"}


class _Handler(SimpleHTTPRequestHandler):
    def log_message(self, *args):  # keep pytest's output clean
        pass

    def send_head(self):
        path = Path(self.translate_path(self.path))
        wants_gzip = "gzip" in self.headers.get("Accept-Encoding", "")
        if not (wants_gzip and path.is_file() and path.suffix in COMPRESSED):
            return super().send_head()
        body = gzip.compress(path.read_bytes(), compresslevel=6, mtime=0)
        self.send_response(200)
        self.send_header("Content-Type", self.guess_type(str(path)))
        self.send_header("Content-Encoding", "gzip")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "max-age=600")
        self.end_headers()
        return io.BytesIO(body)

    def end_headers(self):
        if not any(h.startswith(b"Cache-Control") for h in self._headers_buffer):
            self.send_header("Cache-Control", "max-age=600")
        super().end_headers()


@contextlib.contextmanager
def serve(root: Path):
    """Serve ``root`` on a free port; yields the base URL (no trailing slash)."""
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Handler, directory=str(root)))
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()
        thread.join()
