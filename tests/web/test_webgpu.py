"""The WebGPU backend, on headless Chromium's software adapter (SwiftShader's Vulkan).

There is no GPU here, but Chromium can give WebGPU a software adapter (flags below, from
DESIGN.md): enough to check that onnxruntime-web's WebGPU kernels compute what native
onnxruntime computes, not how fast. With an adapter the tracker must really run on
WebGPU and agree with CPython; the fallback without one is tested in test_runtime.py.
"""
from __future__ import annotations

import numpy as np
import pytest
from bph_browser import CHROMIUM, CHROMIUM_ARGS, PAGE_HELPERS, PageSession, load_rgba, write_raw
from test_parity import Diff, _fixture_images

pytestmark = pytest.mark.browser

WEBGPU_FLAGS = ["--enable-unsafe-webgpu", "--enable-features=Vulkan", "--use-vulkan=swiftshader",
                "--use-webgpu-adapter=swiftshader"]
# WebGPU kernels accumulate in other orders than the WASM and native CPU ones.
TOLERANCE = {"landmarks": 1e-3, "world": 1e-3, "rotations": 1e-2}


@pytest.fixture(scope="module")
def gpu_browser(playwright_session):
    args = [f for f in CHROMIUM_ARGS if f != "--disable-gpu"] + WEBGPU_FLAGS
    browser = playwright_session.chromium.launch(executable_path=CHROMIUM, args=args,
                                                 headless=True)
    yield browser
    browser.close()


def test_webgpu_backend_matches_cpython(gpu_browser, server, raw_dir):
    from blazepose_holistic.tracker import HolisticTracker

    session = PageSession(gpu_browser, server)
    try:
        page = session.page
        page.goto(server + "examples/script-tag.html")
        assert page.evaluate("async () => !!(navigator.gpu && await navigator.gpu.requestAdapter())"), \
            "no WebGPU adapter: the SwiftShader flags no longer work with this Chromium"
        page.evaluate(PAGE_HELPERS)
        info = page.evaluate("o => bph.create('gpu', o)",
                             {"staticImageMode": True, "backend": "webgpu"})
        assert info["backend"] == "webgpu", info["notes"]
        images = _fixture_images()[:6]
        pixels = [load_rgba(p) for p in images]
        frames = [{**write_raw(raw_dir, f"gpu{i}", rgba), "t": i * 1000.0}
                  for i, rgba in enumerate(pixels)]
        js_results = page.evaluate("f => bph.run('gpu', f)", frames)
        assert session.external_requests() == []
    finally:
        session.close()

    diff = Diff()
    with HolisticTracker(static_image_mode=True) as tracker:
        for path, rgba, js in zip(images, pixels, js_results):
            diff.compare(tracker.process(rgba), js, path.name)
    print(f"\nWebGPU (SwiftShader) vs CPython over {diff.frames} photos: "
          + ", ".join(f"max |d| {k} {v:.2e}" for k, v in diff.max.items()))
    assert diff.frames == len(images) and diff.hands >= 1
    for kind, tol in TOLERANCE.items():
        assert diff.max[kind] <= tol, (kind, diff.max)
    assert np.isfinite(list(diff.max.values())).all()
