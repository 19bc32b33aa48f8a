"""Browser helpers for the demo tests: how chromium is launched, and a page wrapper."""

from __future__ import annotations

from pathlib import Path

from build_scripts.common.chromium import CHROMIUM, FLAGS  # noqa: F401 (re-exported for the tests)

# Starting the tracker (Pyodide, numpy, models) takes ~10-30 s on 2 shared cores.
LOAD_TIMEOUT_MS = 240_000


class DemoPage:
    """A demo page with a record of its requests, console errors and page errors."""

    def __init__(self, context, url: str):
        self.context = context
        self.page = context.new_page()
        self.requests: list[str] = []
        self.errors: list[str] = []
        self.page.on("request", lambda r: self.requests.append(r.url))
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.goto(url)

    def js(self, expression: str, arg=None):
        return self.page.evaluate(expression, arg)

    def wait(self, expression: str, timeout_ms: int = LOAD_TIMEOUT_MS):
        self.page.wait_for_function(expression, timeout=timeout_ms)

    def wait_frames(self, count: int, timeout_ms: int = LOAD_TIMEOUT_MS) -> int:
        """Wait until `count` more frames were tracked; fails fast when the page errs."""
        start = self.js("window.demo.frameCount")
        self.wait(f"window.demo.frameCount >= {start + count} || window.demo.status === 'error'", timeout_ms)
        assert self.js("window.demo.status") != "error", self.js("window.demo.error")
        return self.js("window.demo.frameCount")

    def external_requests(self) -> list[str]:
        ok = ("http://127.0.0.1:", "blob:", "data:")
        return [u for u in self.requests if not u.startswith(ok)]

    def screenshot(self, path: Path) -> None:
        self.page.screenshot(path=str(path))

    def close(self):
        self.context.close()
