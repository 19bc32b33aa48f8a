"""Helpers shared by the browser tests (imported by conftest.py and the test modules)."""
from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np

from build_scripts.common.chromium import CHROMIUM  # noqa: F401 (for the tests)
from build_scripts.common.chromium import FLAGS as CHROMIUM_ARGS  # noqa: F401
from build_scripts.common.paths import ROOT, SHARED_DATA
from build_scripts.measure.common import CLIP, to_rgba  # noqa: F401 (CLIP: for the tests)
from build_scripts.measure.common import PAGES as MEASURE_PAGES
from build_scripts.measure.soak import clip_frames

DIST = ROOT / "web" / "dist"
EVAL = SHARED_DATA / "eval"

# The browser pages the tests serve, at /test-pages/; the measurement tools' pages (some of
# which the tests load too) at /measure-pages/.
PAGES = Path(__file__).resolve().parent / "pages"
MOUNTS = {"/test-pages/": PAGES, "/measure-pages/": MEASURE_PAGES}
# Evaluated in a page that has the bundle: window.bph (fetch raw RGBA as ImageData, run
# frames through a tracker).
PAGE_HELPERS = (PAGES / "bph_helpers.js").read_text()


class PageSession:
    """A page plus a record of every request it (and its workers) made."""

    def __init__(self, browser, base_url: str):
        self.base_url = base_url
        self.context = browser.new_context()
        self.requests: list[str] = []
        self.errors: list[str] = []
        self.context.on("request", lambda r: self.requests.append(r.url))
        self.page = self.context.new_page()
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.set_default_timeout(120_000)

    def external_requests(self) -> list[str]:
        host = self.base_url.rstrip("/")
        return [u for u in self.requests
                if not (u.startswith(host + "/") or u.startswith(("data:", "blob:")))]

    def close(self) -> None:
        self.context.close()


def write_raw(raw_dir: Path, name: str, rgba: np.ndarray) -> dict:
    """Store an (H, W, 4) uint8 frame for the page; returns the frame record."""
    assert rgba.dtype == np.uint8 and rgba.ndim == 3 and rgba.shape[2] == 4
    path = raw_dir / f"{name}.rgba"
    path.write_bytes(np.ascontiguousarray(rgba).tobytes())
    return {"url": f"/raw/{name}.rgba", "width": int(rgba.shape[1]), "height": int(rgba.shape[0])}


def write_clip(raw_dir: Path, prefix: str) -> list:
    """The PoseTrack clip as the soak test plays it (5 frames at 640x360: small copies keep
    long runs fast), stored for the page; returns their frame records."""
    return [write_raw(raw_dir, f"{prefix}{i}", to_rgba(rgb)) for i, rgb in enumerate(clip_frames())]


def load_rgba(path: Path) -> np.ndarray:
    from PIL import Image

    with Image.open(path) as im:
        return np.asarray(im.convert("RGBA"))


def copy_tree_links(src: Path, dst: Path) -> None:
    """dst mirrors src with symlinks (cheap variants of the bundle)."""
    if dst.exists():
        shutil.rmtree(dst)
    for path in src.rglob("*"):
        target = dst / path.relative_to(src)
        if path.is_dir():
            target.mkdir(parents=True, exist_ok=True)
        else:
            target.parent.mkdir(parents=True, exist_ok=True)
            target.symlink_to(path)


