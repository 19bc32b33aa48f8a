"""The browser runtime as a page uses it: loading, progress, back-pressure, errors, memory,
options (segmentation, WebGPU fallback, another Pyodide), and no request off 127.0.0.1."""
from __future__ import annotations

import hashlib
import json

import numpy as np
import pytest
from bph_browser import CLIP, EVAL, PageSession, copy_tree_links, load_rgba, write_clip, write_raw

pytestmark = pytest.mark.browser

PHOTO = EVAL / "mpii" / "004645041.jpg"
# Memory bound over the long run (after a 30-frame warm-up): the worker's WebAssembly
# memories (Pyodide's heap + onnxruntime's) may grow by at most this much, Python's live
# object count by at most MAX_OBJECT_GROWTH, and no PyProxy may stay alive.
MEMORY_FRAMES = 300
MAX_WASM_GROWTH = 16 * 2**20
MAX_OBJECT_GROWTH = 100


@pytest.fixture(scope="module")
def photo(raw_dir):
    rgba = load_rgba(PHOTO)
    return rgba, write_raw(raw_dir, "photo", rgba)


@pytest.fixture(scope="module")
def clip(raw_dir):
    return write_clip(raw_dir, "clip")


def test_script_tag_example_tracks_an_image(app):
    """The example page: one script tag, an image, landmarks drawn; all from 127.0.0.1."""
    s = app
    demo = s.page.evaluate("({status: demo.status, error: demo.error, r: demo.results})")
    assert demo["status"] == "done", demo["error"]
    assert len(demo["r"]["poseLandmarks"]) == 33
    assert "Found a person" in s.page.inner_text("#status")
    # The canvas shows the photo with the skeleton drawn over it (green pixels).
    green = s.page.evaluate("""() => {
        const c = document.getElementById('view');
        const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
        let n = 0;
        for (let i = 0; i < d.length; i += 4) if (d[i] === 0 && d[i+1] === 210 && d[i+2] === 106) n++;
        return n;
    }""")
    assert green > 200
    assert s.errors == []


def test_esm_example_tracks_an_image(new_page):
    s = new_page()
    s.page.goto(s.base_url + "examples/esm.html?image=/fx/mpii/004645041.jpg")
    s.page.wait_for_function("window.demo && ['done', 'error'].includes(demo.status)")
    demo = s.page.evaluate("({status: demo.status, error: demo.error, r: demo.results})")
    assert demo["status"] == "done", demo["error"]
    assert len(demo["r"]["poseLandmarks"]) == 33
    assert any(u.endswith("/blazepose-holistic.mjs") for u in s.requests)
    assert s.external_requests() == []


def test_loads_offline_with_progress(app, dist):
    """Everything came from 127.0.0.1, the worker's own requests included, and the progress
    events add up to the bytes the bundle says it loads."""
    urls = app.requests
    for part in ("/pyodide/pyodide.asm.wasm", "/pyodide/numpy.data", "/litert/litert_wasm",
                 "/models/pose_detector.", "/models/lifter.tflite", "/python/blazepose_holistic-"):
        assert any(part in u for u in urls), f"no request for {part}: {urls}"
    assert app.external_requests() == []
    events = app.page.evaluate("demo.progress")
    stages = [e["stage"] for e in events]
    for a, b in [("pyodide", "numpy"), ("numpy", "package"), ("package", "pipeline"),
                 ("pipeline", "ready")]:
        assert stages.index(a) < stages.index(b), stages
    assert stages[-1] == "ready"
    loaded = [e["loaded"] for e in events]
    assert loaded == sorted(loaded), "progress went backwards"
    last = events[-1]
    assert last["loaded"] == last["total"]
    assets = json.loads((dist / "assets.json").read_text())["files"]
    assert last["total"] >= assets["pyodide/pyodide.asm.wasm"]["bytes"] + \
        assets["models/pose_detector.tflite"]["bytes"]
    assert any(e.get("file", "").endswith(".tflite") and 0 < e["loaded"] < e["total"] for e in events)
    info = app.page.evaluate("tracker.info")
    assert info["backend"] == "litert" and info["versions"]["pyodide"].startswith("0.17")
    assert "onnxruntime" not in info["versions"]


def test_the_default_backend_fetches_no_onnxruntime(new_page):
    """Backend litert runs every model on LiteRT.js, the lifter too: onnxruntime-web is not
    even fetched (a fresh page: the shared one has run the wasm backend)."""
    s = new_page()
    s.page.goto(s.base_url + "examples/script-tag.html?image=/fx/mpii/004645041.jpg")
    s.page.wait_for_function("window.demo && ['done', 'error'].includes(demo.status)")
    assert s.page.evaluate("demo.status") == "done", s.page.evaluate("demo.error")
    assert any("/models/lifter.tflite" in u for u in s.requests), s.requests
    assert not [u for u in s.requests if "/ort/" in u]


def test_back_pressure_drops_the_older_pending_frame(app, photo):
    """8 frames sent at once: the first is processed, the last waits and is processed, the
    six in between are replaced (resolved as dropped) -- never queued."""
    _, rec = photo
    out = app.page.evaluate("""async (f) => {
        if (!bph.trackers.lite) await bph.create('lite', {modelComplexity: 0});
        const t = bph.trackers.lite;
        const img = await bph.raw(f.url, f.width, f.height);
        let callbacks = 0;
        t.onResults(() => callbacks++);
        const all = await Promise.all([0, 1, 2, 3, 4, 5, 6, 7].map(i => t.send(img, 1000 + 33 * i)));
        t.onResults(null);
        const after = await t.send(img, 2000);
        return {all: all.map(r => r.dropped ? {dropped: true, t: r.timestampMs, reason: r.reason}
                                               : {t: r.timestampMs, pose: !!r.poseLandmarks}),
                callbacks, after: !!after.poseLandmarks};
    }""", rec)
    kinds = ["dropped" if r.get("dropped") else "done" for r in out["all"]]
    assert kinds == ["done"] + ["dropped"] * 6 + ["done"], out
    assert [r["t"] for r in out["all"]] == [1000 + 33 * i for i in range(8)]
    assert out["all"][1]["reason"]
    assert out["callbacks"] == 2
    assert out["after"]


def test_bad_frames_fail_clearly_and_the_worker_survives(app, photo):
    _, rec = photo
    out = app.page.evaluate("""async (f) => {
        if (!bph.trackers.lite) await bph.create('lite', {modelComplexity: 0});
        const t = bph.trackers.lite;
        const errors = {};
        const attempt = async (name, fn) => {
            try { await fn(); errors[name] = null; } catch (e) { errors[name] = e.name + ': ' + e.message; }
        };
        await attempt('object', () => t.send({width: 3, height: 3}));
        await attempt('huge', () => t.send(new ImageData(16385, 1)));
        await attempt('nan', () => t.send(new ImageData(4, 4), NaN));
        const closed = await createImageBitmap(new ImageData(8, 8));
        closed.close();
        await attempt('closedBitmap', () => t.send(closed));
        const oc = new OffscreenCanvas(8, 8);
        oc.getContext('2d').fillRect(0, 0, 8, 8);
        const vf = new VideoFrame(oc, {timestamp: 0});
        vf.close();
        await attempt('closedVideoFrame', () => t.send(vf));
        await attempt('list', () => t.send([]));
        await attempt('path', () => t.send('photo.jpg'));
        // Same server, another origin (localhost vs 127.0.0.1), no crossOrigin: tainted.
        const foreign = new Image();
        foreign.src = location.origin.replace('127.0.0.1', 'localhost') + '/fx/mpii/004645041.jpg';
        await foreign.decode();
        await attempt('crossOrigin', () => t.send(foreign));
        const img = await bph.raw(f.url, f.width, f.height);
        const r = await t.send(img, 5000);
        const tiny = await t.send(new ImageData(2, 2), 6000);
        return {errors, pose: !!r.poseLandmarks, tinyPose: !!tiny.poseLandmarks};
    }""", rec)
    e = out["errors"]
    assert e["object"].startswith("TypeError") and "ImageData" in e["object"]
    assert e["huge"].startswith("FrameError") and "16385x1" in e["huge"]
    assert e["nan"].startswith("TypeError") and "timestampMs" in e["nan"]
    assert e["closedBitmap"] == "FrameError: the ImageBitmap is closed (or empty)"
    assert e["closedVideoFrame"].startswith("FrameError: the VideoFrame cannot be read (closed?)")
    assert e["list"].startswith("TypeError") and e["path"].startswith("TypeError")
    assert e["crossOrigin"].startswith("FrameError") and "CORS" in e["crossOrigin"]
    assert out["pose"], "the worker did not survive the bad frames"
    assert out["tinyPose"] is False


def test_long_run_memory_is_bounded(app, clip):
    """MEMORY_FRAMES frames in video mode with hands: the worker's memory stays flat."""
    out = app.page.evaluate("""async ([clip, n]) => {
        if (!bph.trackers.lite) await bph.create('lite', {modelComplexity: 0});
        const t = bph.trackers.lite;
        await t.reset();
        const imgs = [];
        for (const c of clip) imgs.push(await bph.raw(c.url, c.width, c.height));
        const order = [0, 1, 2, 3, 4, 3, 2, 1];
        let ms = 0, hands = 0, poses = 0;
        const run = async (from, to) => {
            for (let i = from; i < to; i++) {
                const r = await t.send(imgs[order[i % 8]], 10000 + i * 1000 / 30);
                ms += r.timings.total;
                poses += !!r.poseLandmarks;
                hands += !!r.leftHandLandmarks + !!r.rightHandLandmarks;
            }
        };
        await run(0, 30);
        const before = await t.stats();
        await run(30, n);
        const after = await t.stats();
        return {before, after, meanMs: ms / n, poses, hands};
    }""", [clip, MEMORY_FRAMES])
    before, after = out["before"], out["after"]
    growth = after["wasmMemoryBytes"] - before["wasmMemoryBytes"]
    print(f"\nmemory over {MEMORY_FRAMES - 30} frames: wasm {before['wasmMemoryBytes'] / 2**20:.0f} -> "
          f"{after['wasmMemoryBytes'] / 2**20:.0f} MiB (Pyodide's {after['pyodideHeapBytes'] / 2**20:.0f}), "
          f"Python objects {before['pythonObjects']} -> "
          f"{after['pythonObjects']}, live proxies {after['liveProxies']}, "
          f"mean {out['meanMs']:.0f} ms a frame")
    assert after["frames"] - before["frames"] == MEMORY_FRAMES - 30
    assert out["poses"] == MEMORY_FRAMES and out["hands"] > MEMORY_FRAMES // 4  # hand path used
    # The measure sees both heaps: the test server's worker probe adds onnxruntime's to
    # Pyodide's, all the shipped worker can see (conftest.py).
    assert before["wasmMemoryBytes"] > 50 * 2**20
    assert before["wasmMemoryBytes"] > before["pyodideHeapBytes"] + 8 * 2**20
    assert growth <= MAX_WASM_GROWTH, growth
    assert after["pythonObjects"] - before["pythonObjects"] <= MAX_OBJECT_GROWTH
    assert after["liveProxies"] == 0


def test_segmentation_webgpu_fallback_and_another_pyodide(new_page, alt_dir, dist, photo):
    """One tracker exercising three options: enableSegmentation (mask matches CPython and
    lands on the person), backend "webgpu" (no adapter here: falls back to the default
    "litert" backend with a note), and indexURL (Pyodide loaded from another directory)."""
    rgba, rec = photo
    copy_tree_links(dist / "pyodide", alt_dir / "other-pyodide")
    (alt_dir / "blank.html").write_text('<!doctype html><script src="/blazepose-holistic.js"></script>')
    s = new_page()
    s.page.goto(s.base_url + "alt/blank.html")
    out = s.page.evaluate("""async (f) => {
        const t = await BlazePoseHolistic.create({enableSegmentation: true, enableHands: false,
            staticImageMode: true, backend: 'webgpu', indexURL: '/alt/other-pyodide/'});
        const bytes = new Uint8ClampedArray(await (await fetch(f.url)).arrayBuffer());
        const img = new ImageData(bytes, f.width, f.height);
        const r = await t.send(img, 0);
        const m = r.segmentationMask;
        const c = new OffscreenCanvas(m.width, m.height);
        const ctx = c.getContext('2d');
        ctx.drawImage(m, 0, 0);
        const alpha = (p) =>
            ctx.getImageData(Math.round(p.x * m.width), Math.round(p.y * m.height), 1, 1).data[3];
        const hips = [r.poseLandmarks[23], r.poseLandmarks[24]];
        const mid = {x: (hips[0].x + hips[1].x) / 2, y: (hips[0].y + hips[1].y) / 2};
        const mask = {w: m.width, h: m.height, person: alpha(mid), corner: alpha({x: 0.02, y: 0.02})};
        return {info: t.info, mask,
                roi: {width: r.segmentationMaskData.width, height: r.segmentationMaskData.height,
                      data: Array.from(r.segmentationMaskData.data)},
                pose: r.poseLandmarks.map(p => [p.x, p.y, p.z, p.visibility, p.presence])};
    }""", rec)
    info = out["info"]
    assert info["backend"] == "litert"
    assert any("WebGPU" in n for n in info["notes"]), info["notes"]
    assert any("/alt/other-pyodide/pyodide.asm.wasm" in u for u in s.requests)
    assert not any(u.endswith("/pyodide/pyodide.asm.wasm") and "/alt/" not in u for u in s.requests)
    assert (out["mask"]["w"], out["mask"]["h"]) == (rgba.shape[1], rgba.shape[0])
    assert out["mask"]["person"] > 200 and out["mask"]["corner"] < 20, out["mask"]

    from blazepose_holistic.tracker import HolisticTracker

    py = HolisticTracker(enable_segmentation=True, enable_hands=False, enable_body_model=False,
                         static_image_mode=True).process(rgba)
    mask = np.array(out["roi"]["data"], np.float32).reshape(out["roi"]["height"], out["roi"]["width"])
    assert mask.shape == py.segmentation_mask.shape
    # Mask probabilities: the sigmoid of logits that the two engines round differently.
    assert np.max(np.abs(mask - py.segmentation_mask)) < 5e-3
    assert np.max(np.abs(np.array(out["pose"]) - py.pose_landmarks)) < 1e-4
    assert s.external_requests() == []


def _variant(alt_dir, dist, name, edit):
    root = alt_dir / name
    copy_tree_links(dist, root)
    edit(root)
    return f"/alt/{name}/"


def _rewrite_manifest(root, name, **fields):
    path = root / "models" / "manifest.json"
    manifest = json.loads(path.read_text())
    manifest["models"][name].update(fields)
    path.unlink()  # a symlink into dist: replace it, never write through it
    path.write_text(json.dumps(manifest))


def _replace_model(root, name, data: bytes, trust: bool):
    """Put `data` in the model's file; with `trust`, the manifest vouches for it."""
    path = root / "models" / f"{name}.onnx"
    path.unlink()
    path.write_bytes(data)
    if trust:
        _rewrite_manifest(root, name, sha256=hashlib.sha256(data).hexdigest(), bytes=len(data))


def _create_errors(app, bases, backend):
    return app.page.evaluate("""async ([bases, backend]) => {
        const out = [];
        for (const baseUrl of bases) {
            try { await BlazePoseHolistic.create({baseUrl, backend}); out.push(null); }
            catch (e) { out.push({name: e.name, message: e.message}); }
        }
        return out;
    }""", [bases, backend])


def test_broken_models_are_named_at_start_up(app, alt_dir, dist):
    """Each way a model can be wrong fails create() with a ModelError naming the model and
    the problem: bad checksum, 404, truncated file, corrupt bytes the manifest vouches for,
    and another model in the slot (wrong inputs). The ONNX models: backend "wasm"."""
    models = dist / "models"
    variants = {
        "badsha": lambda root: _rewrite_manifest(root, "pose_detector", sha256="0" * 64),
        "missing": lambda root: (root / "models" / "hand_recrop.onnx").unlink(),
        "truncated": lambda root: _replace_model(
            root, "pose_detector", (models / "pose_detector.onnx").read_bytes()[:100_000], trust=False),
        "corrupt": lambda root: _replace_model(root, "hand_recrop", b"\x08\x07garbage" * 1000, trust=True),
        "wrongslot": lambda root: _replace_model(
            root, "pose_detector", (models / "hand_recrop.onnx").read_bytes(), trust=True),
    }
    bases = [_variant(alt_dir, dist, name, edit) for name, edit in variants.items()]
    got = dict(zip(variants, _create_errors(app, bases, "wasm")))
    expect = {"badsha": ("pose_detector", "checksum"), "missing": ("hand_recrop", "404"),
              "truncated": ("pose_detector", "checksum"), "corrupt": ("hand_recrop", "corrupt"),
              "wrongslot": ("pose_detector", "input")}
    for name, words in expect.items():
        e = got[name]
        assert e and e["name"] == "ModelError", (name, e)
        assert all(w in e["message"] for w in words), (name, e["message"])
    # Corrupt bytes reach onnxruntime, whose own reason is passed on.
    ours, _, theirs = got["corrupt"]["message"].partition("(corrupt, or not an ONNX model): ")
    assert ours and theirs.strip(), got["corrupt"]


def test_broken_litert_files_are_named_at_start_up(app, alt_dir, dist):
    """The "litert" backend's files fail the same way: a network with a bad checksum, a
    missing network, a corrupt network the manifest vouches for."""
    def rewrite_litert(root, name, **fields):
        path = root / "models" / "manifest.json"
        manifest = json.loads(path.read_text())
        manifest["models"][name]["litert"].update(fields)
        path.unlink()
        path.write_text(json.dumps(manifest))

    def corrupt(root):
        data = b"TFL3garbage" * 1000
        (root / "models" / "hand_landmark_full.tflite").unlink()
        (root / "models" / "hand_landmark_full.tflite").write_bytes(data)
        rewrite_litert(root, "hand_landmark_full", sha256=hashlib.sha256(data).hexdigest(),
                       bytes=len(data))

    variants = {
        "badsha": lambda root: rewrite_litert(root, "pose_landmark_full", sha256="0" * 64),
        "missing": lambda root: (root / "models" / "hand_recrop.tflite").unlink(),
        "corrupt": corrupt,
    }
    bases = [_variant(alt_dir, dist, name, edit) for name, edit in variants.items()]
    got = dict(zip(variants, _create_errors(app, bases, "litert")))
    expect = {"badsha": ("pose_landmark_full", "LiteRT network", "checksum"),
              "missing": ("hand_recrop", "LiteRT network", "404"),
              "corrupt": ("hand_landmark_full", "LiteRT.js")}
    for name, words in expect.items():
        e = got[name]
        assert e and e["name"] == "ModelError", (name, e)
        assert all(w in e["message"] for w in words), (name, e["message"])


def _damage(root, rel):
    """Flip one byte in the middle of a runtime file (a stale or damaged deploy)."""
    path = root / rel
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    path.unlink()  # a symlink into dist: replace it, never write through it
    path.write_bytes(bytes(data))


def test_damaged_runtime_files_are_named_at_start_up(app, alt_dir, dist):
    """Pyodide's, onnxruntime-web's and LiteRT.js's own files are checked against
    assets.json too, in each of the ways they load: a script (importScripts / import()), a
    fetched .wasm, and a package's .data (XMLHttpRequest). Each fails create() with a
    LoadError naming the file, not a loader's own obscure error."""
    # kind: (file, the backend that loads it; onnxruntime-web only runs with "wasm").
    files = {"script": ("pyodide/pyodide.asm.js", "litert"),
             "module": ("ort/ort-wasm-simd-threaded.mjs", "wasm"),
             "wasm": ("ort/ort-wasm-simd-threaded.wasm", "wasm"),
             "data": ("pyodide/numpy.data", "litert"),
             "litert-script": ("litert/litert_wasm_internal.js", "litert"),
             "litert-wasm": ("litert/litert_wasm_internal.wasm", "litert")}
    runs = [[_variant(alt_dir, dist, f"damaged-{kind}", lambda root, rel=rel: _damage(root, rel)), backend]
            for kind, (rel, backend) in files.items()]
    errors = app.page.evaluate("""async (runs) => {
        const out = [];
        for (const [baseUrl, backend] of runs) {
            try {
                const t = await BlazePoseHolistic.create({baseUrl, backend});
                await t.close();
                out.push(null);
            }
            catch (e) { out.push({name: e.name, message: e.message}); }
        }
        return out;
    }""", runs)
    for (kind, (rel, _)), e in zip(files.items(), errors):
        assert e and e["name"] == "LoadError", (kind, e)
        assert rel in e["message"] and "checksum" in e["message"], (kind, e["message"])


CSP = ("default-src 'self'; script-src 'self' 'unsafe-eval'; worker-src 'self'; "
       "connect-src 'self'; style-src 'self' 'unsafe-inline'")


@pytest.mark.parametrize("policy, works", [(CSP, True),
                                           (CSP.replace("'unsafe-eval'", "'wasm-unsafe-eval'"), False)])
def test_content_security_policy(browser, dist, tmp_path, policy, works):
    """docs/web.md's policy is enough; without 'unsafe-eval' the error says what to allow."""
    from build_scripts.common import serve

    (tmp_path / "page.html").write_text(
        '<!doctype html><script src="/blazepose-holistic.js"></script><script src="/t/page.js"></script>')
    (tmp_path / "page.js").write_text("""
        window.out = {status: 'loading'};
        // Hands on: parallelHands' second worker must start under the policy too.
        BlazePoseHolistic.create({modelComplexity: 0, parallelHands: true})
          .then(async (t) => {
              const r = await t.send(new ImageData(64, 48), 0);
              let helper = (await t.stats()).helper;
              for (let i = 0; i < 300 && helper === 'starting'; i++) {
                  await new Promise((ok) => setTimeout(ok, 100));
                  helper = (await t.stats()).helper;
              }
              window.out = {status: 'ok', size: r.imageSize, helper};
          })
          .catch((e) => { window.out = {status: 'error', error: e.name + ': ' + e.message}; });
    """)
    srv, url = serve.start(dist, mounts={"/t/": tmp_path},
                           headers={"Content-Security-Policy": policy})
    s = PageSession(browser, url)
    try:
        s.page.goto(url + "t/page.html")
        # wait_for_function evaluates a string, which this very policy forbids: poll instead.
        for _ in range(900):
            out = s.page.evaluate("() => window.out")
            if out and out["status"] != "loading":
                break
            s.page.wait_for_timeout(200)
        if works:
            assert out == {"status": "ok", "size": {"width": 64, "height": 48}, "helper": "ready"}, out
        else:
            assert out["status"] == "error" and "unsafe-eval" in out["error"], out
    finally:
        s.close()
        srv.shutdown()
        srv.server_close()


@pytest.fixture(scope="module")
def webm_clip(raw_dir):
    """The PoseTrack clip re-encoded as VP8 WebM (Debian's chromium has no H.264)."""
    import shutil
    import subprocess

    if not shutil.which("ffmpeg"):
        pytest.fail("ffmpeg is needed to make the WebM test clip (apt-get install ffmpeg)")
    out = raw_dir / "clip.webm"
    src = CLIP / "000001_mpiinew_test.mp4"
    subprocess.run(["ffmpeg", "-v", "error", "-y", "-i", str(src), "-frames:v", "3", "-an",
                    "-c:v", "libvpx", "-b:v", "4M", str(out)], check=True, timeout=120)
    return "/raw/clip.webm"


def test_every_frame_type_gives_the_same_result(app, webm_clip):
    """HTMLImageElement, HTMLCanvasElement, OffscreenCanvas, ImageBitmap, VideoFrame,
    ImageData and MediaPipe's {image: frame} reach the worker as the same pixels; an
    HTMLVideoElement is tracked too."""
    out = app.page.evaluate("""async (clip) => {
        if (!bph.trackers.still) await bph.create('still', {staticImageMode: true});
        const t = bph.trackers.still;
        const img = new Image();
        img.src = '/fx/mpii/004645041.jpg';
        await img.decode();
        const canvas = document.createElement('canvas');
        canvas.width = img.naturalWidth; canvas.height = img.naturalHeight;
        canvas.getContext('2d').drawImage(img, 0, 0);
        const off = new OffscreenCanvas(canvas.width, canvas.height);
        off.getContext('2d').drawImage(img, 0, 0);
        const bitmap = await createImageBitmap(img);
        const frame = new VideoFrame(canvas, {timestamp: 0});
        const data = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height);
        const sources = {image: img, canvas, offscreen: off, bitmap, videoFrame: frame, imageData: data,
                         mediapipeStyle: {image: canvas}};
        const out = {};
        for (const [name, src] of Object.entries(sources)) {
            const r = await t.send(src, 0);
            out[name] = r.poseLandmarks && r.poseLandmarks.map(p => [p.x, p.y, p.z]);
        }
        // The caller's frames are left intact (not transferred or closed).
        out.intact = bitmap.width === canvas.width && frame.codedWidth === canvas.width &&
                     data.data.length === canvas.width * canvas.height * 4;
        frame.close();
        // A video element: the PoseTrack clip, paused on its first frame.
        const video = document.createElement('video');
        video.muted = true;
        video.src = clip;
        try {
            await new Promise((ok, fail) => {
                video.onloadeddata = ok;
                video.onerror = () => fail(video.error);
            });
            const r = await t.send(video, 0);
            out.video = {w: r.imageSize.width, h: r.imageSize.height, pose: !!r.poseLandmarks};
        } catch (e) {
            out.video = {error: String(e && e.message || e)};
        }
        return out;
    }""", webm_clip)
    ref = np.array(out["imageData"])
    assert ref.shape == (33, 3)
    for name in ("image", "canvas", "offscreen", "bitmap", "videoFrame", "mediapipeStyle"):
        assert out[name] is not None, name
        assert np.max(np.abs(np.array(out[name]) - ref)) < 1e-9, name
    assert out["intact"]
    assert out["video"] == {"w": 1280, "h": 720, "pose": True}


def test_threads_when_cross_origin_isolated(browser, dist, raw_dir, photo):
    """Served with COOP/COEP the page is isolated and onnxruntime-web runs 2 WASM threads;
    the landmarks still match CPython."""
    from build_scripts.common import serve

    rgba, rec = photo
    (raw_dir / "blank.html").write_text('<!doctype html><script src="/blazepose-holistic.js"></script>')
    srv, url = serve.start(dist, isolate=True, mounts={"/raw/": raw_dir})
    s = PageSession(browser, url)
    try:
        s.page.goto(url + "raw/blank.html")
        out = s.page.evaluate("""async (f) => {
            const t = await BlazePoseHolistic.create({numThreads: 2, staticImageMode: true,
                                                      modelComplexity: 0, enableHands: false});
            const bytes = new Uint8ClampedArray(await (await fetch(f.url)).arrayBuffer());
            const r = await t.send(new ImageData(bytes, f.width, f.height), 0);
            await t.close();
            return {info: t.info, isolated: self.crossOriginIsolated,
                    pose: r.poseLandmarks.map(p => [p.x, p.y, p.z, p.visibility, p.presence])};
        }""", rec)
    finally:
        s.close()
        srv.shutdown()
        srv.server_close()
    assert out["isolated"] and out["info"]["crossOriginIsolated"]
    assert out["info"]["numThreads"] == 2
    from blazepose_holistic.tracker import HolisticTracker

    py = HolisticTracker(model_complexity=0, enable_hands=False, enable_body_model=False,
                         static_image_mode=True).process(rgba)
    assert np.max(np.abs(np.array(out["pose"]) - py.pose_landmarks)) < 1e-4


def test_esm_example_camera_loop_drops_frames_instead_of_queueing(playwright_session, server):
    """The ESM example's camera loop (Chromium's fake camera) sends a frame every animation
    frame without waiting: most are dropped, the tracker keeps up, nothing piles up."""
    from bph_browser import CHROMIUM, CHROMIUM_ARGS

    args = CHROMIUM_ARGS + ["--use-fake-device-for-media-stream", "--use-fake-ui-for-media-stream"]
    b = playwright_session.chromium.launch(executable_path=CHROMIUM, args=args, headless=True)
    try:
        s = PageSession(b, server)
        s.context.grant_permissions(["camera"], origin=server.rstrip("/"))
        s.page.goto(server + "examples/esm.html")
        s.page.wait_for_function("window.demo && window.demo.status !== 'loading'")
        assert s.page.evaluate("demo.status") == "ready", s.page.evaluate("demo.error")
        s.page.click("#camera")
        s.page.wait_for_function("demo.frames >= 8", timeout=120_000)
        out = s.page.evaluate("""async () => {
            const a = {frames: demo.frames, dropped: demo.dropped};
            await new Promise((r) => setTimeout(r, 2000));
            const stats = await tracker.stats();
            return {a, b: {frames: demo.frames, dropped: demo.dropped}, stats};
        }""")
        assert s.external_requests() == []
    finally:
        b.close()
    a, later = out["a"], out["b"]
    assert later["frames"] > a["frames"], "the loop stopped"
    # The detector alone (the fake camera shows no person) takes longer than a 60 Hz
    # frame, so some sends arrive while one is in flight and are dropped, not queued.
    assert later["dropped"] > 0, "a 60 Hz loop should outrun the tracker"
    # Every processed frame is one the worker counted: nothing is queued behind.
    assert out["stats"]["frames"] <= later["frames"] + 2
