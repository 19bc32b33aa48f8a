"""The tracker's life cycle under misuse and failure: the worker crashing or ending
mid-frame, send() after close(), two trackers on one page, send() calls racing, reset()
mid-sequence, frames that are not there yet, and a frame too large to track."""
from __future__ import annotations

import pytest
from bph_browser import EVAL, PAGE_HELPERS, PageSession, load_rgba, write_clip, write_raw

pytestmark = pytest.mark.browser

PHOTO = EVAL / "mpii" / "004645041.jpg"
LITE = "{modelComplexity: 0, workerTimeoutMs: 3000}"

# In the page: `attempt(promise)` -> {ok, name, message} instead of throwing.
ATTEMPT = """
window.attempt = (p) => Promise.resolve(p).then(
    (r) => ({ok: true, dropped: !!(r && r.dropped), pose: !!(r && r.poseLandmarks)}),
    (e) => ({ok: false, name: e.name, message: e.message}));
"""


@pytest.fixture(scope="module")
def frames(raw_dir):
    return {"photo": write_raw(raw_dir, "life_photo", load_rgba(PHOTO)),
            "clip": write_clip(raw_dir, "life")}


@pytest.fixture(scope="module")
def page(browser, server, frames):
    """A bare page with the script-tag bundle, the test helpers and the frames as ImageData."""
    s = PageSession(browser, server)
    s.page.goto(server + "assets.json")  # any same-origin document will do
    s.page.add_script_tag(url=server + "blazepose-holistic.js")
    s.page.evaluate(PAGE_HELPERS + ATTEMPT)
    s.page.evaluate("""async (f) => {
        window.photo = await bph.raw(f.photo.url, f.photo.width, f.photo.height);
        window.clip = [];
        for (const c of f.clip) clip.push(await bph.raw(c.url, c.width, c.height));
    }""", frames)
    yield s
    s.close()


def tracker_worker(page, known: list):
    """The Playwright handle of the newest tracker worker (not in `known`); parallelHands'
    second worker runs the same script under another name."""
    fresh = [w for w in page.workers if w not in known and w.evaluate("self.name") == "blazepose-holistic"]
    assert len(fresh) == 1, [w.url for w in page.workers]
    return fresh[0]


# Installed in the worker: it dies when a frame is done but before it answers, so the
# frame is in flight when it goes.
DIE_BEFORE_ANSWERING = """
const post = self.postMessage.bind(self);
self.postMessage = (message, transfer) => {
    if (message && message.type === 'result') { %s; return; }
    post(message, transfer);
};
undefined;  // Playwright would call a function the snippet evaluates to
"""


@pytest.mark.parametrize("how, expect", [
    # An uncaught error ends the worker with an error event.
    ("setTimeout(() => { throw new Error('simulated crash'); }, 0)", "simulated crash"),
    # self.close() ends it silently: only the watchdog (workerTimeoutMs) can notice.
    ("self.close()", "has not answered for 3000 ms"),
    # A worker stuck in a loop answers nothing either; the tracker terminates it.
    ("for (;;) {}", "has not answered for 3000 ms"),
], ids=["crash", "self.close()", "hang"])
def test_worker_death_mid_frame_is_reported_and_a_new_tracker_works(page, how, expect):
    p = page.page
    known = list(p.workers)
    p.evaluate(f"bph.create('doomed', {LITE})")
    tracker_worker(p, known).evaluate(DIE_BEFORE_ANSWERING % how)
    out = p.evaluate("""async () => {
        const t = bph.trackers.doomed;
        const inFlight = await attempt(t.send(photo, 0));
        const later = await attempt(t.send(photo, 100));
        const stats = await attempt(t.stats());
        const error = t.error && {name: t.error.name, message: t.error.message};
        await t.close();  // closing a dead tracker is fine
        return {inFlight, later, stats, error};
    }""")
    assert out["inFlight"]["ok"] is False, out
    assert out["inFlight"]["name"] == "WorkerError" and expect in out["inFlight"]["message"]
    assert "create a new tracker" in out["inFlight"]["message"]
    assert out["later"] == out["inFlight"] and out["stats"] == out["inFlight"]
    assert out["error"] == {"name": "WorkerError", "message": out["inFlight"]["message"]}
    fresh = p.evaluate(f"""async () => {{
        await bph.create('fresh', {LITE});
        const t = bph.trackers.fresh;
        const r = await attempt(t.send(photo, 0));
        await t.close();
        return {{r, error: t.error}};
    }}""")
    assert fresh == {"r": {"ok": True, "dropped": False, "pose": True}, "error": None}


# Installed in the worker: every onnxruntime-web run first blocks the worker's thread for
# 500 ms. The tracker below uses backend "wasm" so that every model runs through
# onnxruntime-web and is slowed; the yield after each model run (loop.js) is the same for
# every engine. (With the default "litert" backend only the lifter would be slowed.)
SLOW_MODEL_RUNS = """
const run = self.ort.InferenceSession.prototype.run;
self.ort.InferenceSession.prototype.run = function (...args) {
    const t0 = performance.now();
    while (performance.now() - t0 < 500) {}
    return run.apply(this, args);
};
undefined;
"""


def test_a_frame_longer_than_the_watchdog_timeout_is_not_mistaken_for_a_hang(page):
    """The watchdog gives up after workerTimeoutMs without a word from the worker; a busy
    worker must still answer its pings between model runs, so that a slow frame (a slow
    device, a loaded machine) is not taken for a dead worker."""
    p = page.page
    known = list(p.workers)
    p.evaluate("bph.create('slow', {modelComplexity: 0, backend: 'wasm', workerTimeoutMs: 1500})")
    tracker_worker(p, known).evaluate(SLOW_MODEL_RUNS)
    out = p.evaluate("""async () => {
        const t = bph.trackers.slow;
        const runs = [];
        for (let i = 0; i < 2; i++) {
            const t0 = performance.now();
            const r = await attempt(t.send(photo, 33 * i));
            runs.push({r, ms: performance.now() - t0});
        }
        const error = t.error && t.error.message;
        await t.close();
        return {runs, error};
    }""")
    assert out["error"] is None, out
    for run in out["runs"]:
        assert run["r"] == {"ok": True, "dropped": False, "pose": True}, out
    # Each frame runs at least three models (detector or landmarks, hands, lifter), so each
    # blocked the worker for longer than the timeout in all.
    assert all(run["ms"] > 1500 for run in out["runs"]), out


def test_send_after_close_and_close_with_frames_waiting(page):
    out = page.page.evaluate(f"""async () => {{
        await bph.create('closing', {LITE});
        const t = bph.trackers.closing;
        const captured = () => new Promise((r) => setTimeout(r, 0));
        await t.send(photo, 0);  // warm: the frame in flight must end within close()'s 2 s
        const inFlight = attempt(t.send(photo, 33));
        await captured();
        const waiting = attempt(t.send(photo, 66));
        await captured();
        const closing = t.close();
        const during = await attempt(t.send(photo, 99));
        await closing;
        return {{inFlight: await inFlight, waiting: await waiting, during,
                after: await attempt(t.send(photo, 132)), reset: await attempt(t.reset()),
                stats: await attempt(t.stats()), again: await attempt(t.close()),
                closed: t.closed, error: t.error}};
    }}""")
    closed = {"ok": False, "name": "Error", "message": "the tracker is closed"}
    # The frame already in the worker finishes (close is queued behind it); the waiting one
    # and everything after close() is refused by name.
    assert out["inFlight"] == {"ok": True, "dropped": False, "pose": True}
    for key in ("waiting", "during", "after", "reset", "stats"):
        assert out[key] == closed, (key, out[key])
    assert out["again"]["ok"] and out["closed"] is True and out["error"] is None


def test_two_trackers_on_one_page_are_independent(page):
    """Two trackers fed different sequences at the same time give exactly what each gives
    alone: no shared state between their workers."""
    out = page.page.evaluate(f"""async () => {{
        await bph.create('a', {LITE});
        await bph.create('b', {LITE});
        const fwd = [0, 1, 2, 3, 4], back = [4, 3, 2, 1, 0];
        const feed = async (t, order) => {{
            const out = [];
            for (let i = 0; i < order.length; i++) {{
                const r = await t.send(clip[order[i]], i * 33);
                out.push(r.poseLandmarks.map(p => [p.x, p.y, p.z]));
            }}
            return out;
        }};
        const [a, b] = await Promise.all([feed(bph.trackers.a, fwd), feed(bph.trackers.b, back)]);
        await bph.trackers.a.reset();
        const aAlone = await feed(bph.trackers.a, back);
        await bph.trackers.b.close();
        const aAfterBClosed = await feed(bph.trackers.a, [0]);
        await bph.trackers.a.close();
        return {{a, b, aAlone, aAfterBClosed}};
    }}""")
    # b's reversed run equals a's reversed run (after reset) to the last bit.
    assert out["b"] == out["aAlone"]
    assert out["a"] != out["b"]
    assert len(out["aAfterBClosed"]) == 1 and len(out["aAfterBClosed"][0]) == 33


def test_racing_sends_keep_order_and_drop_only_stale_frames(page):
    """send() calls of every frame type fired together: frames reach the worker in call
    order (a slow capture that finishes after a later frame is dropped, never processed
    late), the last frame is always processed, and no call rejects."""
    out = page.page.evaluate(f"""async () => {{
        if (!bph.trackers.race) await bph.create('race', {LITE});
        const t = bph.trackers.race;
        const canvas = document.createElement('canvas');
        canvas.width = 640; canvas.height = 360;
        canvas.getContext('2d').putImageData(clip[0], 0, 0);
        const bitmap = await createImageBitmap(clip[1]);
        const videoFrames = [];
        const videoFrame = () => {{
            const f = new VideoFrame(canvas, {{timestamp: 0}});
            videoFrames.push(f);
            return f;
        }};
        const kinds = [() => clip[2], () => canvas, () => bitmap, videoFrame];
        const seen = [];
        t.onResults(r => seen.push(r.timestampMs));
        const all = [];
        for (let round = 0; round < 3; round++) {{
            const sends = [];
            for (let i = 0; i < 12; i++) sends.push(t.send(kinds[(i * 7 + round) % 4](), 1000 * round + i));
            all.push(await Promise.allSettled(sends));
        }}
        t.onResults(null);
        for (const f of videoFrames) f.close();
        return {{seen, all: all.map(r => r.map(s => s.status === 'fulfilled'
            ? {{t: s.value.timestampMs, dropped: !!s.value.dropped}} : {{rejected: s.reason.message}}))}};
    }}""")
    for round_, results in enumerate(out["all"]):
        assert all("rejected" not in r for r in results), results
        assert [r["t"] for r in results] == [1000 * round_ + i for i in range(12)]
        assert results[-1]["dropped"] is False, "the newest frame must be processed"
    assert out["seen"] == sorted(out["seen"]), "a frame was processed after a newer one"
    processed = [r["t"] for rs in out["all"] for r in rs if not r["dropped"]]
    assert processed == out["seen"]


def test_reset_mid_sequence_runs_the_detector_on_the_next_frame(page):
    out = page.page.evaluate(f"""async () => {{
        if (!bph.trackers.race) await bph.create('race', {LITE});
        const t = bph.trackers.race;
        await t.reset();
        const det = [];
        for (let i = 0; i < 4; i++) det.push(!!(await t.send(clip[i], 5000 + 33 * i)).poseDetection);
        // reset() while a frame is in flight: it applies after that frame, before the next.
        const inFlight = t.send(clip[4], 5200);
        const reset = t.reset();
        const next = t.send(clip[3], 5233);
        const [a, , b] = await Promise.all([inFlight, reset, next]);
        return {{det, inFlight: !!a.poseDetection, next: !!b.poseDetection, pose: !!b.poseLandmarks}};
    }}""")
    assert out["det"] == [True, False, False, False], "tracking should skip the detector"
    assert out["inFlight"] is False
    assert out["next"] is True and out["pose"] is True


def test_frames_empty_degenerate_noisy_not_there_yet_or_too_large(page):
    out = page.page.evaluate(f"""async () => {{
        if (!bph.trackers.race) await bph.create('race', {LITE});
        const t = bph.trackers.race;
        const video = document.createElement('video');  // detached, no source: no frame yet
        const img = new Image();                          // not loaded
        const big = document.createElement('canvas');
        big.width = 8000; big.height = 8000;
        const tall = new ImageData(1, 4000);
        const empty = Object.assign(document.createElement('canvas'), {{width: 0, height: 0}});
        const noise = new ImageData(640, 360);
        for (let i = 0; i < noise.data.length; i++) noise.data[i] = (i % 4 === 3) ? 255 : Math.random() * 256;
        const r = {{
            empty: await attempt(t.send(empty)),
            one: await attempt(t.send(new ImageData(1, 1), 0.5)),
            noise: await attempt(t.send(noise, 0.7)),
            video: await attempt(t.send(video)),
            image: await attempt(t.send(img)),
            bigCanvas: await attempt(t.send(big)),
            bigImageData: await attempt(t.send(new ImageData(8000, 8000))),
            tall: await attempt(t.send(tall, 1)),
            wide: await attempt(t.send(new ImageData(4000, 1), 1.5)),
            after: await attempt(t.send(photo, 2)),
        }};
        return r;
    }}""")
    assert out["video"]["name"] == "FrameError" and "no frame" in out["video"]["message"]
    assert out["image"]["name"] == "FrameError" and "not loaded" in out["image"]["message"]
    for key in ("bigCanvas", "bigImageData"):
        assert out[key]["name"] == "FrameError", out[key]
        assert "8000x8000 is too large" in out[key]["message"] and "downscale" in out[key]["message"]
    assert out["empty"]["name"] == "FrameError" and "empty (0x0)" in out["empty"]["message"]
    for key in ("tall", "wide", "one", "noise"):
        assert out[key] == {"ok": True, "dropped": False, "pose": False}, key
    assert out["after"] == {"ok": True, "dropped": False, "pose": True}
