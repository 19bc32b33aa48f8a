"""Where a model's time goes, operator by operator: onnxruntime-web (WASM, headless
Chromium) beside native onnxruntime, both from the runtime's own session profiler.

    ./run py -m build_scripts.measure.op_profile pose_landmark_full hand_landmark_full:2 \\
        pose_detector hand_recrop:2 --threads 1 --runs 20 --json out/runs/ops_t1.json

Each model (manifest name[:batch], or --onnx FILE[:batch]) gets one profiled session on
each side, fed the frame and crop matrix of bench_profile ``models``; the first --warmup
runs are dropped and the kernels of the remaining --runs are summed per run. onnxruntime-web
prints its profile to the console when profiling ends (the WASM build has no file system to
write one to); the page is cross-origin isolated, so its timers have 5 us resolution rather
than 100 us. Kernels are grouped into families a reader can act on: convolutions by kind
(1x1, depthwise kxk, dense kxk), the rest by operator. Prints a markdown table per model and
writes the JSON (per family and the 15 costliest nodes, with shapes).
"""
from __future__ import annotations

import argparse
import json
import sys
import tempfile
from collections import defaultdict
from pathlib import Path

import numpy as np

from build_scripts.measure.bench_profile import ORT_DIST, H, W, profile_page
from build_scripts.measure.common import MeasureError, report_header, write_report

CONV_OPS = {"Conv", "FusedConv", "NhwcFusedConv", "NhwcConv"}


def family(op: str, shapes: list) -> str:
    """A kernel's family from its operator and input shapes ([{dtype: dims}, ...])."""
    if op in CONV_OPS and len(shapes) > 1:
        w = next(iter(shapes[1].values()))  # weights (M, C/group, kh, kw)
        if len(w) == 4:
            kernel = f"{w[2]}x{w[3]}"
            if w[1] == 1 and w[0] > 1:
                return f"Conv depthwise {kernel}"
            return "Conv 1x1" if kernel == "1x1" else f"Conv dense {kernel}"
    return op


def kernels(events: list, warmup: int) -> tuple:
    """(runs, [(node, op, shapes, us)]) from profiler events, runs after ``warmup`` only."""
    runs = sorted((e["ts"], e["ts"] + e["dur"]) for e in events
                  if e.get("cat") == "Session" and e.get("name") == "model_run")
    kept = runs[warmup:]
    if not kept:
        raise MeasureError(f"the profile holds {len(runs)} runs, none after {warmup} warm-up runs")
    out = []
    for e in events:
        if e.get("cat") != "Node" or not e.get("name", "").endswith("_kernel_time"):
            continue
        if not any(a <= e["ts"] <= b for a, b in kept):
            continue
        args = e.get("args", {})
        out.append((e["name"][: -len("_kernel_time")], args.get("op_name", "?"),
                    args.get("input_type_shape", []), float(e["dur"])))
    return len(kept), out


def summarise(runs: int, ks: list) -> dict:
    """Per family and per node: microseconds a run."""
    fam, node = defaultdict(float), {}
    for name, op, shapes, us in ks:
        f = family(op, shapes)
        fam[f] += us / runs
        rec = node.setdefault(name, {"op": op, "family": f, "shapes": shapes, "us": 0.0})
        rec["us"] += us / runs
    return {"total_us": sum(fam.values()), "families": dict(fam), "nodes": node}


def native_profile(path: Path, batch: int, threads: int, runs: int, warmup: int,
                   work: Path) -> dict:
    import onnxruntime as ort

    opts = ort.SessionOptions()
    opts.intra_op_num_threads = threads
    opts.enable_profiling = True
    opts.profile_file_prefix = str(work / f"native_{path.stem}")
    sess = ort.InferenceSession(str(path), opts, providers=["CPUExecutionProvider"])
    feeds = {"matrix": np.tile(np.array([[1.2, 0.1, 400], [-0.1, 1.2, 100]], np.float32),
                               (batch, 1, 1))}
    if any(i.name == "image" for i in sess.get_inputs()):
        feeds["image"] = (np.arange(W * H * 4) * 7 % 256).astype(np.uint8).reshape(H, W, 4)
    for _ in range(warmup + runs):
        sess.run(None, feeds)
    events = json.loads(Path(sess.end_profiling()).read_text())
    return summarise(*kernels(events, warmup))


def web_profiles(variants: list, threads: int, runs: int, warmup: int, work: Path) -> dict:
    lines: list = []
    out = {}
    page_path = f"profile_models.html?w={W}&h={H}&threads={threads}"
    with profile_page(work, {"/ort/": ORT_DIST}, page_path, isolate=True) as (page, _):
        page.on("console", lambda m: lines.append(m.text))
        if not page.evaluate("() => self.crossOriginIsolated"):
            raise MeasureError("the profiling page is not cross-origin isolated")
        for label, path, batch in variants:
            page.evaluate("([k, u]) => create(k, u, {profile: true})",
                          [label, "/models/" + path.name])
            page.evaluate("([k, b, n]) => run(k, b, n)", [label, batch, warmup + runs])
            lines.clear()
            page.evaluate("(k) => endProfiling(k)", label)
            events = [json.loads(t.strip().rstrip(",")) for t in lines
                      if t.strip().startswith("{")]
            out[label] = summarise(*kernels(events, warmup))
    return out


def table(label: str, web: dict, nat: dict) -> str:
    rows = [f"**{label}**: {web['total_us'] / 1e3:.1f} ms in onnxruntime-web kernels, "
            f"{nat['total_us'] / 1e3:.1f} ms native, ratio "
            f"{web['total_us'] / nat['total_us']:.2f}", "",
            "| kernels | web ms | share of web | native ms | web / native |",
            "|---|---:|---:|---:|---:|"]
    names = sorted(set(web["families"]) | set(nat["families"]),
                   key=lambda f: -web["families"].get(f, 0.0))
    for f in names:
        w, n = web["families"].get(f, 0.0), nat["families"].get(f, 0.0)
        ratio = f"{w / n:.1f}" if n > 0 and w > 0 else "—"
        rows.append(f"| {f} | {w / 1e3:.2f} | {100 * w / web['total_us']:.0f} % | "
                    f"{n / 1e3:.2f} | {ratio} |")
    return "\n".join(rows)


def top_nodes(summary: dict, n: int = 15) -> list:
    nodes = sorted(summary["nodes"].items(), key=lambda kv: -kv[1]["us"])[:n]
    return [{"node": k, **{**v, "us": round(v["us"], 1)}} for k, v in nodes]


def main(argv=None) -> int:
    from blazepose_holistic.model_store import ModelStore

    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("model", nargs="*", default=[], help="manifest model name[:batch]")
    ap.add_argument("--onnx", action="append", default=[], help="an ONNX file[:batch]")
    ap.add_argument("--threads", type=int, default=1, help="intra-op threads on both sides")
    ap.add_argument("--runs", type=int, default=20)
    ap.add_argument("--warmup", type=int, default=3)
    ap.add_argument("--json", type=Path)
    args = ap.parse_args(argv)
    store = ModelStore()
    work = Path(tempfile.mkdtemp(prefix="bph-ops-"))
    (work / "models").mkdir()
    variants = []
    for spec in args.model + args.onnx:
        name, _, batch = spec.partition(":")
        path = Path(name) if spec in args.onnx else store.path(name)
        link = work / "models" / f"{len(variants)}.onnx"
        link.symlink_to(path.resolve())
        variants.append((spec, link, int(batch or 1)))
    if not variants:
        ap.error("name at least one model")
    try:
        web = web_profiles(variants, args.threads, args.runs, args.warmup, work)
        report = {**report_header("build_scripts.measure.op_profile", argv),
                  "threads": args.threads, "runs": args.runs, "warmup": args.warmup,
                  "models": {}}
        for label, path, batch in variants:
            nat = native_profile(path, batch, args.threads, args.runs, args.warmup, work)
            w = web[label]
            print(table(label, w, nat) + "\n")
            report["models"][label] = {
                "web_total_ms": round(w["total_us"] / 1e3, 3),
                "native_total_ms": round(nat["total_us"] / 1e3, 3),
                "families": {f: {"web_ms": round(w["families"].get(f, 0.0) / 1e3, 3),
                                 "native_ms": round(nat["families"].get(f, 0.0) / 1e3, 3)}
                             for f in sorted(set(w["families"]) | set(nat["families"]))},
                "web_top_nodes": top_nodes(w), "native_top_nodes": top_nodes(nat)}
    except MeasureError as e:
        print(f"op_profile: {e}", file=sys.stderr)
        return 1
    if args.json:
        write_report(args.json, report)
    return 0


if __name__ == "__main__":
    sys.exit(main())
