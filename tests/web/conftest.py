"""Browser test fixtures: web/dist served on 127.0.0.1, Debian's chromium via Playwright.

The served worker is the shipped one behind a memory probe (measure/memory_probe.py).

The bundle must be built first (``./run test`` runs ``./run web`` before pytest). Fixture
images are decoded once in Python and served as raw RGBA under ``/raw/`` so that the page
(as ImageData) and the CPython tracker see identical pixels. The tests' own pages (tests/web/pages)
are under ``/test-pages/``, the measurement tools' (build_scripts/measure/pages) under
``/measure-pages/``.
"""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from bph_browser import (
    CHROMIUM,
    CHROMIUM_ARGS,
    DIST,
    EVAL,
    MOUNTS,
    PAGE_HELPERS,
    PageSession,
)

from build_scripts.common import serve
from build_scripts.measure.memory_probe import instrument_worker


@pytest.fixture(scope="session")
def dist() -> Path:
    if not (DIST / "blazepose-holistic.js").is_file() or not (DIST / "assets.json").is_file():
        pytest.fail(f"{DIST} is not built: run `./run web` (./run test does it)")
    return DIST


@pytest.fixture(scope="session")
def dist_manifest(dist) -> dict:
    return json.loads((dist / "models" / "manifest.json").read_text())


@pytest.fixture(scope="session")
def raw_dir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("raw")


@pytest.fixture(scope="session")
def alt_dir(tmp_path_factory) -> Path:
    """Served at /alt/: tests build variants of the bundle here (e.g. a broken model)."""
    return tmp_path_factory.mktemp("alt")


@pytest.fixture(scope="session")
def server(dist, raw_dir, alt_dir, tmp_path_factory):
    """The bundle at the root, its worker measuring every WebAssembly memory for stats()
    (build_scripts.measure.memory_probe); the tests' frames and bundle variants under /raw/ and
    /alt/, the evaluation fixtures under /fx/, the pages under /test-pages/, /measure-pages/."""
    root = tmp_path_factory.mktemp("served")
    with serve.serving(root, mounts={"/raw/": raw_dir, "/alt/": alt_dir, "/fx/": EVAL,
                                     **MOUNTS}) as url:
        instrument_worker(dist, root, url)
        yield url


@pytest.fixture(scope="session")
def browser(playwright_session):
    b = playwright_session.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS,
                                           headless=True)
    yield b
    b.close()


@pytest.fixture(scope="session")
def app(browser, server):
    """The script-tag example page, which has tracked a photo, plus the test helpers."""
    s = PageSession(browser, server)
    s.page.goto(server + "examples/script-tag.html?image=/fx/mpii/004645041.jpg")
    s.page.wait_for_function("window.demo && ['done', 'error'].includes(demo.status)")
    assert s.page.evaluate("demo.status") == "done", s.page.evaluate("demo.error")
    s.page.evaluate(PAGE_HELPERS)
    yield s
    s.close()


@pytest.fixture
def new_page(browser, server):
    sessions = []

    def make():
        s = PageSession(browser, server)
        sessions.append(s)
        return s

    yield make
    for s in sessions:
        s.close()
