"""Fixtures for the demo page's browser tests (Playwright's Python package + Debian's
chromium, pages served on 127.0.0.1 from web/dist).

web/dist must be built first (``./run web``; ``./run test`` does it). Extra files a test
generates (avatars) are served under /test-files/ from a temporary directory. Screenshots go
to test-artifacts/demo/ (gitignored). WebGL works in headless chromium without a GPU:
chromium falls back to SwiftShader (software Vulkan behind ANGLE) on its own, so no extra
flag is needed.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from demo_browser import CHROMIUM, FLAGS, DemoPage

from build_scripts.common import serve

ROOT = Path(__file__).resolve().parents[2]
DIST = ROOT / "web" / "dist"
ARTIFACTS = ROOT / "test-artifacts" / "demo"


@pytest.fixture(scope="session")
def dist() -> Path:
    needed = [
        "blazepose-holistic.js",
        "demo/index.html",
        "demo/demo.js",
        "demo/sample.mp4",
        "demo/sample.json",
        "demo/body_model.json",
    ]
    missing = [f for f in needed if not (DIST / f).is_file()]
    if missing:
        pytest.fail(f"web/dist is not built ({', '.join(missing)} missing): run ./run web")
    return DIST


@pytest.fixture(scope="session")
def test_files(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("demo-test-files")


@pytest.fixture(scope="session")
def server(dist, test_files):
    """web/dist at /, plus the tests' generated files at /test-files/."""
    httpd, url = serve.start(dist, mounts={"/test-files/": test_files})
    yield url
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture(scope="session")
def browser(playwright_session):
    b = playwright_session.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
    yield b
    b.close()


@pytest.fixture(scope="session")
def artifacts() -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS


@pytest.fixture(scope="module")
def open_demo(browser, server):
    pages = []

    def _open(query: str = "", **context_args) -> DemoPage:
        context = browser.new_context(
            viewport={"width": 1500, "height": 860}, accept_downloads=True, **context_args
        )
        page = DemoPage(context, server + "demo/" + query)
        pages.append(page)
        return page

    yield _open
    for p in pages:
        p.close()
