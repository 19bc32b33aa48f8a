from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared" / "data"


@pytest.fixture(scope="session")
def shared_data() -> Path:
    if not SHARED.is_dir():
        pytest.fail(f"shared fixtures missing: {SHARED} (clone with ../shared beside the repo)")
    return SHARED


@pytest.fixture(scope="session")
def manifest() -> dict:
    return json.loads((ROOT / "models" / "manifest.json").read_text())


@pytest.fixture(scope="session")
def model_dir() -> Path:
    from build_scripts.common import paths

    return paths.model_dir()


@pytest.fixture(scope="session")
def build_python() -> str:
    """The build-only interpreter (tensorflow), exported by ./run; tests needing it fail
    loudly rather than skip when run outside ./run."""
    exe = os.environ.get("BPH_BUILD_PYTHON")
    if not exe:
        pytest.fail("BPH_BUILD_PYTHON is not set: run the suite through ./run test")
    return exe


@pytest.fixture(scope="session")
def playwright_session():
    """The one Playwright driver of the test session: browser, demo and benchmark tests all
    share it, because a second sync_playwright() cannot start while one is running."""
    from playwright.sync_api import sync_playwright

    if not Path("/usr/bin/chromium").exists():
        pytest.fail("/usr/bin/chromium not found: install Debian's chromium (apt-get install chromium)")
    with sync_playwright() as p:
        yield p
