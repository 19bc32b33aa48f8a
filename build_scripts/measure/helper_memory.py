"""What parallelHands' second worker costs in memory: the browser's proportional set size
(PSS, summed over Chromium's processes) with one tracker, parallelHands on and off.

    ./run py -m build_scripts.measure.helper_memory [--frames 20] [--json out.json]

Each configuration runs in a fresh Chromium, tracks the first frames of the demo's sample
(both hands in view) and is sampled after them; the difference is what the helper (its
LiteRT.js instance, the hand models, its worker) adds. Linux only (/proc).
"""
from __future__ import annotations

import argparse
import os
import tempfile
from pathlib import Path

from build_scripts.common import serve
from build_scripts.common.chromium import CHROMIUM, FLAGS
from build_scripts.measure.common import MeasureError, load_frames, machine_info, write_report

DIST = Path(__file__).resolve().parents[2] / "web" / "dist"

RUN = """async ([options, frames]) => {
    const t = await BlazePoseHolistic.create(options);
    for (let i = 0; i < 600 && (await t.stats()).helper === 'starting'; i++) {
        await new Promise((r) => setTimeout(r, 100));
    }
    for (const f of frames) {
        const r = await fetch(f.url);
        await t.send(new ImageData(new Uint8ClampedArray(await r.arrayBuffer()), f.width, f.height), f.t);
    }
    window.tracker = t;
    return {info: t.info, stats: await t.stats()};
}"""


def _descendants(pid: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                ppid = int(Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(ppid, []).append(int(entry))
    out, todo = [], [pid]
    while todo:
        for c in children.get(todo.pop(), []):
            out.append(c)
            todo.append(c)
    return out


def chromium_pss_bytes() -> int:
    """PSS of every Chromium process under this one (Playwright's driver starts them)."""
    total = 0
    for pid in _descendants(os.getpid()):
        try:
            if "chrom" not in Path(f"/proc/{pid}/comm").read_text():
                continue
            for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
                if line.startswith("Pss:"):
                    total += int(line.split()[1]) * 1024
        except OSError:
            continue
    return total


def measure(parallel: bool, frames: list, url: str, pw) -> dict:
    with tempfile.TemporaryDirectory() as profile:
        ctx = pw.chromium.launch_persistent_context(profile, executable_path=CHROMIUM,
                                                    args=FLAGS, headless=True)
        try:
            page = ctx.new_page()
            page.set_default_timeout(300_000)
            page.goto(url + "raw/blank.html")
            out = page.evaluate(RUN, [{"parallelHands": parallel}, frames])
            page.wait_for_timeout(2000)  # let collected garbage go
            out["pss_bytes"] = chromium_pss_bytes()
        finally:
            ctx.close()
    if parallel and out["stats"]["helper"] != "ready":
        raise MeasureError(f"the helper did not run: {out['stats']}")
    return out


def main(argv: list | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--frames", type=int, default=20)
    ap.add_argument("--json", type=Path)
    args = ap.parse_args(argv)
    from playwright.sync_api import sync_playwright

    unique, sequence, _ = load_frames([DIST / "demo" / "sample.mp4"], args.frames)
    with tempfile.TemporaryDirectory() as raw:
        raw_dir = Path(raw)
        (raw_dir / "blank.html").write_text(
            '<!doctype html><script src="/blazepose-holistic.js"></script>')
        frames = []
        for i, k in enumerate(sequence):
            (raw_dir / f"f{k}.rgba").write_bytes(unique[k].tobytes())
            h, w = unique[k].shape[:2]
            frames.append({"url": f"/raw/f{k}.rgba", "width": w, "height": h, "t": i * 1000 / 30})
        with serve.serving(DIST, mounts={"/raw/": raw_dir}) as url, sync_playwright() as pw:
            runs = {name: measure(parallel, frames, url, pw)
                    for name, parallel in (("one_worker", False), ("parallel_hands", True))}
    added = runs["parallel_hands"]["pss_bytes"] - runs["one_worker"]["pss_bytes"]
    report = {"machine": machine_info(), "frames": args.frames,
              "pss_bytes": {k: v["pss_bytes"] for k, v in runs.items()},
              "helper_adds_bytes": added, "helper_runs": runs["parallel_hands"]["stats"]["helperRuns"]}
    print(f"browser PSS: one worker {runs['one_worker']['pss_bytes'] / 2**20:.0f} MiB, "
          f"parallelHands {runs['parallel_hands']['pss_bytes'] / 2**20:.0f} MiB: "
          f"the helper adds {added / 2**20:.0f} MiB")
    if args.json:
        write_report(args.json, report)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
