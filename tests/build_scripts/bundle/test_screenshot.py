"""The README's screenshot tool photographs the built demo once the lifter drives the avatar
(real browser, web/dist needed: ./run test builds it first)."""

from __future__ import annotations

import pytest
from PIL import Image

from build_scripts.bundle import screenshot

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def test_screenshot_shows_the_body_model_and_no_error(tmp_path, playwright_session):
    out = tmp_path / "demo.png"
    # Fewer frames and one hand: the test checks the tool, not how long the sample takes to
    # show both hands.
    info = screenshot.capture(out, min_frames=3, min_hands=1, timeout_s=240, playwright=playwright_session)
    with Image.open(out) as img:
        img.load()  # decodes every row: a truncated file fails here
        assert img.format == "PNG" and img.size == screenshot.VIEWPORT
    assert info["bytes"] == out.stat().st_size
    assert info["status"] == "running" and info["error"] is None, info
    assert info["bodyModel"] and info["rotations"] == "lifter" and "lifter" in info["models"]
    assert info["hands"] and info["frames"] >= 3
    assert "hands: none" not in info["statusText"] and "no lifter" not in info["infoText"]
    assert info["fps"] and info["fps"] > 0
    assert not (tmp_path / "demo.png.tmp").exists()


def test_an_error_on_the_page_fails_with_its_message(tmp_path, playwright_session):
    # A stand-in for web/dist whose page reports a failed start the way demo/main.js does.
    (tmp_path / "demo").mkdir()
    for name in ("blazepose-holistic.js", "demo/demo.js", "demo/sample.mp4"):
        (tmp_path / name).write_text("")
    (tmp_path / "demo" / "index.html").write_text(
        "<script>window.demo = {status: 'error', error: 'WorkerError: out of memory',"
        " messages: ['The tracker could not start: out of memory']};</script>"
    )
    with pytest.raises(screenshot.ScreenshotError, match="out of memory.*could not start"):
        screenshot.capture(tmp_path / "x.png", dist=tmp_path, timeout_s=30, playwright=playwright_session)
    assert not (tmp_path / "x.png").exists()


def test_an_unbuilt_dist_says_how_to_build_it(tmp_path):
    with pytest.raises(screenshot.ScreenshotError, match=r"run \./run web"):
        screenshot.capture(tmp_path / "x.png", dist=tmp_path)
