"""Regenerate the README's screenshot of the demo (docs/demo.png) from the current build.

    python -m build_scripts.bundle.screenshot [--out docs/demo.png] [--dist web/dist]

Serves web/dist on 127.0.0.1, opens the demo with the bundled sample in headless Chromium
(Debian's, as everywhere here) at a fixed viewport, and lets it play until the page's own
state (``window.demo``) shows what the picture is meant to show: the tracker running with the
lifter, enough frames for the fps figure to have settled, the body model driving the avatar
and hands found. It then pauses the sample, waits for the frame in flight to land (so the
input overlay, the 3D views and the status panel all show the same result) and writes an
optimised PNG. Any error the page reports (it cannot start, no lifter in the build, a frame
fails) ends the run with that message instead of a misleading picture.

The exact frame depends on the machine's speed (the sample plays in real time), so two runs
give different pixels; the layout, the options and what the state shows are fixed.
"""

from __future__ import annotations

import argparse
import io
import os
import re
import sys
import time
from pathlib import Path

from build_scripts.common.chromium import CHROMIUM
from build_scripts.common.chromium import FLAGS as CHROMIUM_FLAGS
from build_scripts.common.paths import ROOT

DIST = ROOT / "web" / "dist"
OUT = ROOT / "docs" / "demo.png"
# Wide enough for the three views and the whole status panel (timings, models, versions).
VIEWPORT = (1400, 800)
# The fps shown is a moving average (weight 0.1 per frame): after 30 frames the slow first
# frames (WASM compilation, warm-up) weigh 4 % and the figure is the steady rate.
MIN_FRAMES = 30
MIN_HANDS = 2
# Starting the tracker takes ~15-30 s on two shared cores; both hands are found within a few
# seconds of the sample; the rest is margin for a loaded machine.
TIMEOUT_S = 300.0
# ?source=sample: no camera probe, so no "No camera found" notice over the input view.
QUERY = "?source=sample"

# What the page shows, polled by the browser: false to keep waiting, else why to stop.
READY_JS = """(want) => {
  const d = window.demo;
  if (!d) return false;
  if (d.status === "error" || d.error) return "error";
  if (d.status !== "running" || !d.tracker) return false;
  if (!d.tracker.info.models.includes("lifter")) return "no-lifter";
  const r = d.lastResult;
  if (!r || d.frameCount < want.frames) return false;
  const hands = ["left", "right"].filter((s) => r[s + "HandLandmarks"]).length;
  return r.poseLandmarks && r.bodyModel && d.pose && d.pose.source === "lifter" && hands >= want.hands
    ? "ready" : false;
}"""

# Pause the sample, then wait until no frame has been in flight for two animation frames
# (the page starts a frame from requestAnimationFrame, so a frame the video presented just
# before the pause is sent, and waited for, too); then report what the page now shows.
FREEZE_JS = """async () => {
  const d = window.demo;
  document.getElementById("video").pause();
  const frame = () => new Promise((resolve) => requestAnimationFrame(resolve));
  // A worker that hangs is ended by the tracker's own watchdog; this bound is a backstop.
  const until = performance.now() + 60000;
  let idle = 0;
  while (idle < 2 && performance.now() < until) {
    await frame();
    idle = d.busy ? 0 : idle + 1;
  }
  const r = d.lastResult;
  return {
    settled: idle >= 2,
    status: d.status,
    error: d.error,
    frames: d.frameCount,
    hands: ["left", "right"].filter((s) => r && r[s + "HandLandmarks"]),
    person: !!(r && r.poseLandmarks),
    bodyModel: !!(r && r.bodyModel),
    rotations: d.pose ? d.pose.source : null,
    models: d.tracker ? d.tracker.info.models : [],
    statusText: document.getElementById("status-main").innerText,
    infoText: document.getElementById("status-info").innerText,
    messages: d.messages,
  };
}"""


class ScreenshotError(RuntimeError):
    pass


def _good(state: dict, min_hands: int) -> bool:
    return (
        state["status"] == "running"
        and not state["error"]
        and state["person"]
        and state["bodyModel"]
        and state["rotations"] == "lifter"
        and len(state["hands"]) >= min_hands
    )


def _page_error(page, page_errors: list) -> str:
    state = page.evaluate("window.demo ? [demo.status, demo.error, demo.messages] : null")
    if state is None:
        return "the page did not start its script (window.demo is missing)" + (
            f": {page_errors[0]}" if page_errors else ""
        )
    status, error, messages = state
    detail = error or (page_errors[0] if page_errors else status)
    shown = f" (the page says: {messages[-1]})" if messages else ""
    return f"the demo page reports an error: {detail}{shown}"


def _optimised_png(png: bytes) -> bytes:
    # Chromium's PNG encoder favours speed; Pillow's optimised deflate is lossless and
    # smaller, which matters for a file committed to the repository.
    from PIL import Image

    with Image.open(io.BytesIO(png)) as img:
        buf = io.BytesIO()
        img.convert("RGB").save(buf, format="PNG", optimize=True)
    return buf.getvalue() if buf.tell() < len(png) else png


def _shoot(browser, url: str, out: Path, viewport, min_frames: int, min_hands: int, timeout_s: float) -> dict:
    context = browser.new_context(
        viewport={"width": viewport[0], "height": viewport[1]},
        device_scale_factor=1,
        color_scheme="dark",
        reduced_motion="reduce",
    )
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    try:
        page = context.new_page()
        page_errors: list = []
        page.on("pageerror", lambda e: page_errors.append(str(e)))
        page.goto(url)
        deadline = time.monotonic() + timeout_s
        want = {"frames": min_frames, "hands": min_hands}
        attempts = 0
        while True:
            left_ms = max(1.0, (deadline - time.monotonic()) * 1000)
            try:
                why = page.wait_for_function(READY_JS, arg=want, timeout=left_ms, polling=100).json_value()
            except PlaywrightTimeout:
                now = page.evaluate(
                    "window.demo ? [demo.status, demo.frameCount, demo.pose && demo.pose.source] : null"
                )
                raise ScreenshotError(
                    f"the demo did not reach the state to photograph within {timeout_s:.0f} s "
                    f"(need {min_frames} frames, the lifter driving the avatar and {min_hands} hand(s); "
                    f"the page has [status, frames, rotations] = {now})"
                ) from None
            if why == "error" or page_errors:
                raise ScreenshotError(_page_error(page, page_errors))
            if why == "no-lifter":
                info = page.inner_text("#status-info")
                raise ScreenshotError(
                    "this build has no lifter model, so the avatar would be driven by the analytic "
                    f"solver; build the models (./run web) and try again. The page says: {info}"
                )
            state = page.evaluate(FREEZE_JS)
            attempts += 1
            if state["error"] or state["status"] == "error" or page_errors:
                raise ScreenshotError(_page_error(page, page_errors))
            if not state["settled"]:
                raise ScreenshotError("the frame in flight did not come back within 60 s of the pause")
            if _good(state, min_hands):
                break
            # The frame that landed after the pause lost a hand: play on and try again, a few
            # frames later, so that the pause's gap has left the fps average.
            want["frames"] = state["frames"] + 3
            page.evaluate("document.getElementById('video').play()")
        png = page.screenshot(type="png", animations="disabled", caret="hide")
        if page_errors:
            raise ScreenshotError(_page_error(page, page_errors))
    finally:
        context.close()

    data = _optimised_png(png)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(out.name + ".tmp")
    tmp.write_bytes(data)
    os.replace(tmp, out)  # never leave a half-written docs/demo.png behind
    fps = re.search(r"([\d.]+)\s*fps", state["statusText"])
    state.update(
        path=str(out),
        bytes=len(data),
        size=list(viewport),
        fps=float(fps.group(1)) if fps else None,
        attempts=attempts,
    )
    return state


def capture(
    out: Path = OUT,
    dist: Path = DIST,
    viewport=VIEWPORT,
    min_frames: int = MIN_FRAMES,
    min_hands: int = MIN_HANDS,
    timeout_s: float = TIMEOUT_S,
    playwright=None,
) -> dict:
    """Write the screenshot to ``out``; returns what the page showed (frames, fps, hands,
    rotations, models, status text) plus the PNG's path, byte count and pixel size.

    ``playwright``: a running sync Playwright to use (the test suite shares one, as a second
    one cannot start in the same process); by default one is started here.
    """
    dist = Path(dist)
    missing = [f for f in ("blazepose-holistic.js", "demo/index.html", "demo/demo.js", "demo/sample.mp4")
               if not (dist / f).is_file()]
    if missing:
        raise ScreenshotError(f"{dist} has no built demo ({', '.join(missing)} missing): run ./run web")
    if not Path(CHROMIUM).exists():
        raise ScreenshotError(f"no Chromium at {CHROMIUM} (apt-get install chromium, or set BPH_CHROMIUM)")
    from build_scripts.common import serve

    server, base = serve.start(dist)
    try:
        if playwright is None:
            try:
                from playwright.sync_api import sync_playwright
            except ImportError as e:
                raise ScreenshotError(f"the screenshot needs playwright ({e}): use ./run py") from None
            with sync_playwright() as p:
                return _run(p, base, Path(out), viewport, min_frames, min_hands, timeout_s)
        return _run(playwright, base, Path(out), viewport, min_frames, min_hands, timeout_s)
    finally:
        server.shutdown()
        server.server_close()


def _run(playwright, base: str, out: Path, viewport, min_frames, min_hands, timeout_s) -> dict:
    browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
    try:
        return _shoot(browser, base + "demo/" + QUERY, out, viewport, min_frames, min_hands, timeout_s)
    finally:
        browser.close()


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", type=Path, default=OUT, help="PNG to write (default docs/demo.png)")
    ap.add_argument("--dist", type=Path, default=DIST, help="the built web/dist")
    ap.add_argument("--size", default=f"{VIEWPORT[0]}x{VIEWPORT[1]}", help="viewport WxH")
    ap.add_argument("--frames", type=int, default=MIN_FRAMES, help="frames to track first")
    ap.add_argument("--hands", type=int, choices=(0, 1, 2), default=MIN_HANDS, help="hands to wait for")
    ap.add_argument("--timeout", type=float, default=TIMEOUT_S, help="seconds")
    args = ap.parse_args(argv)
    m = re.fullmatch(r"(\d+)x(\d+)", args.size)
    if not m:
        ap.error("--size must be WxH, e.g. 1400x800")
    try:
        info = capture(args.out, args.dist, (int(m.group(1)), int(m.group(2))), args.frames, args.hands,
                       args.timeout)
    except ScreenshotError as e:
        print(f"screenshot: {e}", file=sys.stderr)
        return 1
    print(
        f"wrote {info['path']} ({info['size'][0]}x{info['size'][1]}, {info['bytes'] / 1024:.0f} KB): "
        f"{info['fps']} fps after {info['frames']} frames, hands {' + '.join(info['hands']) or 'none'}, "
        f"rotations {info['rotations']}; models {', '.join(info['models'])}",
        file=sys.stderr,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
