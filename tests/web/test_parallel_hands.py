"""parallelHands in the real browser: the second worker (web/src/worker/helper.js) runs the
second hand's crops, and the landmarks are the same numbers as with one worker; a helper
that cannot start leaves the tracker working, with the reason in stats()."""
from __future__ import annotations

import itertools

import numpy as np
import pytest
from bph_browser import PageSession, to_rgba, write_raw

from blazepose_holistic.media import read_video

pytestmark = pytest.mark.browser

HAND_FIELDS = ("leftHandLandmarks", "rightHandLandmarks", "leftHandWorldLandmarks",
               "rightHandWorldLandmarks", "poseLandmarks")


@pytest.fixture(scope="module")
def frames(dist, raw_dir):
    """12 frames of the demo's sample (the mannequin, both hands in view), video mode."""
    sample = dist / "demo" / "sample.mp4"
    out = []
    for i, (rgb, t) in enumerate(itertools.islice(read_video(sample), 0, 36, 3)):
        out.append({**write_raw(raw_dir, f"ph{i}", to_rgba(rgb)), "t": 1000.0 * t})
    assert len(out) == 12, f"{sample} is shorter than expected"
    return out


RUN = """async ([options, frames]) => {
    const t = await BlazePoseHolistic.create(options);
    // The helper starts once the models are loaded; wait so that every frame uses it.
    for (let i = 0; i < 600 && (await t.stats()).helper === 'starting'; i++) {
        await new Promise((r) => setTimeout(r, 100));
    }
    const before = await t.stats();
    const out = [];
    for (const f of frames) {
        const r = await fetch(f.url);
        const img = new ImageData(new Uint8ClampedArray(await r.arrayBuffer()), f.width, f.height);
        out.push(await t.send(img, f.t));
    }
    const stats = await t.stats();
    await t.close();
    return {info: t.info, before, stats, results: out};
}"""


def _run(page, options, frames):
    return page.evaluate(RUN, [options, frames])


def _points(result, field):
    pts = result.get(field)
    return None if pts is None else np.array([[p["x"], p["y"], p["z"]] for p in pts])


def _same_landmarks(a, b):
    both = 0
    for i, (x, y) in enumerate(zip(a, b)):
        both += x.get("leftHandLandmarks") is not None and x.get("rightHandLandmarks") is not None
        for field in HAND_FIELDS:
            p, q = _points(x, field), _points(y, field)
            assert (p is None) == (q is None), f"frame {i} {field}: present in one run only"
            if p is not None:
                # The same LiteRT.js build on the same crops, one thread each: bit for bit.
                assert np.array_equal(p, q), f"frame {i} {field}: max |d| {np.max(np.abs(p - q))}"
    return both


def test_second_worker_runs_the_second_hand_with_the_same_numbers(app, frames):
    on = _run(app.page, {"parallelHands": True}, frames)
    off = _run(app.page, {"parallelHands": False}, frames)
    assert on["info"]["parallelHands"] is True and off["info"]["parallelHands"] is False
    assert on["before"]["helper"] == "ready", on["before"]
    assert off["stats"]["helper"] == "off" and off["stats"]["helperRuns"] == 0
    both = _same_landmarks(on["results"], off["results"])
    assert both >= 4, f"only {both} frames with both hands: the split was hardly exercised"
    # A re-crop and a landmark run per frame with both hands.
    assert on["stats"]["helperRuns"] >= 2 * both, on["stats"]
    assert on["stats"]["helperFailure"] is None


def test_a_helper_that_cannot_start_leaves_the_hands_in_the_tracker(browser, server, raw_dir, frames):
    """The helper's script fails to load: the frames are tracked as with one worker, and
    stats() says why the helper is not in use."""
    (raw_dir / "ph-blank.html").write_text('<!doctype html><script src="/blazepose-holistic.js"></script>')
    s = PageSession(browser, server)
    loads = []

    def shipped_worker(route):
        # The served worker is the memory probe's stub, which imports the shipped worker from
        # /probe/ (Chromium does not route a nested worker's own top-level script, only what it
        # imports). The tracker's worker imports it first, the helper second.
        loads.append(route.request.url)
        if len(loads) == 2:
            return route.fulfill(status=404, body="gone")
        return route.continue_()

    s.context.route("**/probe/blazepose-holistic.worker.js", shipped_worker)
    try:
        s.page.goto(server + "raw/ph-blank.html")
        broken = _run(s.page, {"parallelHands": True}, frames[:4])
        one = _run(s.page, {"parallelHands": False}, frames[:4])
    finally:
        s.close()
    assert len(loads) == 3, loads
    assert broken["stats"]["helper"] == "failed", broken["stats"]
    assert "helper" in broken["stats"]["helperFailure"], broken["stats"]
    assert broken["stats"]["helperRuns"] == 0
    _same_landmarks(broken["results"], one["results"])


def test_a_bundle_from_another_origin_starts_its_helper(browser, dist, raw_dir, frames):
    """A bundle on a CDN: the tracker's worker is bootstrapped from a blob: URL (api.js), and
    its helper from that same blob; both still load and check every file cross-origin."""
    from build_scripts.common import serve

    cdn, cdn_url = serve.start(dist, headers={"Access-Control-Allow-Origin": "*"})
    site, site_url = serve.start(raw_dir)
    (raw_dir / "ph-cdn.html").write_text(
        f'<!doctype html><script src="{cdn_url}blazepose-holistic.js"></script>')
    s = PageSession(browser, site_url)
    try:
        s.page.goto(site_url + "ph-cdn.html")
        # The frames are served by the page's own origin here.
        local = [{**f, "url": f["url"].replace("/raw/", "/")} for f in frames]
        out = _run(s.page, {"parallelHands": True}, local)
    finally:
        s.close()
        for srv in (cdn, site):
            srv.shutdown()
            srv.server_close()
    assert cdn_url != site_url
    assert out["before"]["helper"] == "ready", out["before"]
    assert out["stats"]["helperRuns"] > 0, out["stats"]
    assert any(r.get("leftHandLandmarks") and r.get("rightHandLandmarks") for r in out["results"])
