"""Headless browser benchmark of the web bundle: cold start and per-frame time by stage.

    ./run py web/bench/bench_web.py [--frames 60] [--complexity 1] [--no-hands]
                                    [--isolate --threads N] [--json out.json]

Serves web/dist on 127.0.0.1, opens it in Debian's chromium (fresh profile, so the first
load is cold: nothing cached), creates a tracker, and runs the PoseTrack clip from
../shared/data/eval (1280x720, played forwards and backwards) in video mode, then one photo
in static image mode. Prints medians per pipeline stage, as the worker measured them.
"""
from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "build_scripts"))
import serve  # noqa: E402

CLIP = ROOT.parent / "shared" / "data" / "eval" / "posetrack18" / "videos" / "000001_mpiinew_test"
from chromium import FLAGS as ARGS  # noqa: E402 (build_scripts/chromium.py)

PAGE = """
<!doctype html><meta charset="utf-8"><script src="/blazepose-holistic.js"></script>
<script>
window.bench = {
  async raw(url, w, h) {
    return new ImageData(new Uint8ClampedArray(await (await fetch(url)).arrayBuffer()), w, h);
  },
  async run(options, frames, still) {
    const t0 = performance.now();
    const stages = {};
    const tracker = await BlazePoseHolistic.create({...options, onProgress: (e) => {
      const key = e.stage + (e.detail ? " " + e.detail : "");
      if (!(key in stages)) stages[key] = Math.round(performance.now() - t0);
    }});
    const createMs = performance.now() - t0;
    const images = [];
    for (const f of frames) images.push(await this.raw(f.url, f.width, f.height));
    const video = [];
    for (let i = 0; i < frames.length; i++) {
      const r = await tracker.send(images[i], frames[i].t);
      video.push(r.timings);
    }
    await tracker.close();
    const s = await BlazePoseHolistic.create({...options, staticImageMode: true});
    const img = await this.raw(still.url, still.width, still.height);
    const stills = [];
    for (let i = 0; i < 5; i++) stills.push((await s.send(img, i * 1000)).timings);
    await s.close();
    return {info: tracker.info, createMs, stages, video, stills};
  },
};
</script>
"""


def main(argv=None) -> int:
    from PIL import Image
    from playwright.sync_api import sync_playwright

    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--frames", type=int, default=60)
    ap.add_argument("--complexity", type=int, default=1)
    ap.add_argument("--no-hands", action="store_true")
    ap.add_argument("--isolate", action="store_true", help="COOP/COEP: WASM threads possible")
    ap.add_argument("--threads", type=int, default=0)
    ap.add_argument("--json", type=Path)
    args = ap.parse_args(argv)

    dist = ROOT / "web" / "dist"
    if not (dist / "blazepose-holistic.js").is_file():
        print("web/dist is not built: run ./run web", file=sys.stderr)
        return 1
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        (tmp / "bench.html").write_text(PAGE)
        records = []
        for i, path in enumerate(sorted(CLIP.glob("*.jpg"))):
            rgba = np.asarray(Image.open(path).convert("RGBA"))
            (tmp / f"f{i}.rgba").write_bytes(rgba.tobytes())
            records.append({"url": f"/b/f{i}.rgba", "width": rgba.shape[1], "height": rgba.shape[0]})
        cycle = [0, 1, 2, 3, 4, 3, 2, 1]
        frames = [{**records[cycle[i % 8]], "t": i * 1000 / 30} for i in range(args.frames)]
        options = {"modelComplexity": args.complexity, "enableHands": not args.no_hands,
                   "numThreads": args.threads}
        server, url = serve.start(dist, isolate=args.isolate, mounts={"/b/": tmp})
        try:
            with sync_playwright() as p, tempfile.TemporaryDirectory() as profile:
                ctx = p.chromium.launch_persistent_context(
                    profile, executable_path="/usr/bin/chromium", args=ARGS, headless=True)
                page = ctx.new_page()
                page.set_default_timeout(600_000)
                page.goto(url + "b/bench.html")
                t0 = time.time()
                out = page.evaluate("a => bench.run(a[0], a[1], a[2])",
                                    [options, frames, records[0]])
                wall = time.time() - t0
                ctx.close()
        finally:
            server.shutdown()
            server.server_close()

    def medians(rows, skip):
        rows = rows[skip:]
        keys = sorted({k for r in rows for k in r})
        return {k: round(statistics.median(r.get(k, 0.0) for r in rows), 1) for k in keys}

    report = {
        "options": options,
        "isolated": args.isolate,
        "info": {k: out["info"][k] for k in ("backend", "numThreads", "crossOriginIsolated",
                                              "models", "notes", "versions")},
        "cold_start_ms": round(out["info"]["loadMs"]),
        "create_ms": round(out["createMs"]),
        "stage_start_ms": out["stages"],
        "load_timings": out["info"]["loadTimings"],
        "video_frame_size": [records[0]["width"], records[0]["height"]],
        "video_median_ms": medians(out["video"], 5),
        "first_frame_ms": {k: round(v, 1) for k, v in out["video"][0].items()},
        "static_median_ms": medians(out["stills"], 1),
        "wall_s": round(wall, 1),
    }
    text = json.dumps(report, indent=1)
    print(text)
    if args.json:
        args.json.write_text(text + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
