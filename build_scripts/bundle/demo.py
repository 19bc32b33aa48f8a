"""Build the demo page (demo/) into web/dist/demo/, with its bundled sample clip.

    python -m build_scripts.bundle.demo [--out web/dist] [--force-sample]

``build_web.py`` calls ``build(out)`` after the runtime bundle, so ``./run web`` builds both.
Inputs: demo/ (our page), web/node_modules (three, @pixiv/three-vrm, esbuild), the body
model in py_src (numpy), and for the sample clip ../shared/data/mocap/cmu plus Debian's
chromium (driven by the playwright package) and ffmpeg. No network.

Output (web/dist/demo/):

    index.html, style.css   the page
    demo.js                 demo/main.js and its modules, three.js and three-vrm bundled (ESM)
    body_model.json         the body model's skeleton and landmark map (from py_src)
    sample.mp4              the bundled sample: our mannequin performing CMU clip 02_07
    sample.json             the clip's ground truth: per video frame, the joint rotations
                            and hips position the mannequin was rendered with

The sample is rendered here, not downloaded: the CMU clip is retargeted to the body model
(build_scripts.lifter.retarget), resampled to 30 fps, turned to face the camera on average, and the
mannequin of demo/mannequin.js is posed with it frame by frame in headless Chromium
(demo/tools/render-sample.html, three.js on SwiftShader), then encoded with ffmpeg (H.264).
Rendering takes a minute or two, so the result is cached under
``$BPH_CACHE/demo-sample/<key>/`` where the key hashes every input (clip, body model,
mannequin and renderer source, this script's render settings); only a changed input renders
again. Nothing from ../shared is copied into the product: the clip's joint angles are turned
into our own rendering.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

from build_scripts.bundle.web import copy_bytes
from build_scripts.common import staging
from build_scripts.common.paths import ROOT, cache_root

DEMO = ROOT / "demo"

# The sample clip: CMU subject 02, trial 07 (swordplay: both arms busy, the subject stays in
# place and mostly faces one way). It is one of the lifter's held-out clips
# (build_scripts/lifter_data.HELD_OUT_CLIPS), so the sample is also a fair test clip.
SAMPLE_CLIP = ("02", "02_07")
SAMPLE_FPS = 30  # CMU is 120 fps: every 4th frame
SAMPLE_SIZE = (640, 480)
SAMPLE_CRF = 20
# The camera of the sample (model frame, metres): a webcam on a desk, the person stepped back.
SAMPLE_CAMERA = {"position": [0.0, 1.0, 2.9], "target": [0.0, 0.8, 0.0], "fov": 40.0}
# Files of demo/ the page bundle copies verbatim (demo.js is built from main.js).
PAGE_FILES = ("index.html", "style.css")


class BuildError(RuntimeError):
    pass


body_model_data = staging.body_model_data


def esbuild(entry: Path, outfile: Path, fmt: str = "esm", minify: bool = True) -> None:
    try:
        staging.esbuild(entry, outfile, fmt, minify)
    except staging.StagingError as e:
        raise BuildError(str(e)) from None


def build_page(out_demo: Path, body: dict) -> None:
    out_demo.mkdir(parents=True, exist_ok=True)
    esbuild(DEMO / "main.js", out_demo / "demo.js")
    for name in PAGE_FILES:
        copy_bytes((DEMO / name).read_bytes(), out_demo / name)
    copy_bytes((json.dumps(body) + "\n").encode(), out_demo / "body_model.json")


# --------------------------------------------------------------------------- sample clip
def sample_motion(body: dict) -> dict:
    """The CMU clip retargeted to the body model at SAMPLE_FPS: per frame local joint
    quaternions [x, y, z, w] and the Hips position (model frame, floor at y = 0)."""
    from blazepose_holistic.body_model import rotations

    subject, trial = SAMPLE_CLIP
    try:
        local, hips = staging.place_clip(trial, body, SAMPLE_FPS)
    except staging.StagingError as e:
        raise BuildError(f"the sample's {e}") from None
    quats = rotations.quaternion_from_matrix(local)
    return {
        "about": f"CMU motion capture clip {trial} (mocap.cs.cmu.edu) retargeted to the body "
        f"model by build_scripts/bundle/demo.py; {SAMPLE_FPS} fps; model frame "
        "(y up, facing the camera at +z), floor at y = 0.",
        "clip": trial,
        "fps": SAMPLE_FPS,
        "camera": SAMPLE_CAMERA,
        "jointNames": body["jointNames"],
        "rotations": np.round(quats, 5).tolist(),
        "hips": np.round(hips, 5).tolist(),
    }


def _sample_key(body: dict) -> str:
    h = hashlib.sha256()
    subject, trial = SAMPLE_CLIP
    inputs = [*staging.clip_files(trial), *staging.RENDERER_SOURCES, Path(__file__)]
    for path in inputs:
        h.update(path.name.encode())
        h.update(path.read_bytes())
    h.update(json.dumps(body, sort_keys=True).encode())
    h.update(json.dumps([SAMPLE_CLIP, SAMPLE_FPS, SAMPLE_SIZE, SAMPLE_CRF, SAMPLE_CAMERA]).encode())
    return h.hexdigest()[:16]


def render_sample(body: dict, target: Path) -> None:
    """Render the mannequin performing the clip, frame by frame, and encode sample.mp4 and
    sample.json into ``target`` (a directory)."""
    if not shutil.which("ffmpeg"):
        raise BuildError("rendering the demo's sample needs ffmpeg (apt-get install ffmpeg)")
    motion = sample_motion(body)
    with tempfile.TemporaryDirectory(prefix="bph-sample-") as tmp:
        tmp = Path(tmp)
        frames_dir = tmp / "frames"

        def progress(_take, i, count):
            if i % 100 == 0:
                print(f"  sample: rendered frame {i}/{count}", file=sys.stderr)

        try:
            staging.render_takes([(body, motion, frames_dir)], SAMPLE_SIZE, progress=progress)
        except staging.StagingError as e:
            raise BuildError(f"rendering the demo's sample: {e}") from None
        target.mkdir(parents=True, exist_ok=True)
        video = tmp / "sample.mp4"
        cmd = [
            "ffmpeg",
            "-v",
            "error",
            "-y",
            "-framerate",
            str(SAMPLE_FPS),
            "-i",
            str(frames_dir / "%05d.png"),
            "-c:v",
            "libx264",
            "-preset",
            "slow",
            "-crf",
            str(SAMPLE_CRF),
            "-pix_fmt",
            "yuv420p",
            "-profile:v",
            "main",
            "-threads",
            "1",
            "-movflags",
            "+faststart",
            "-an",
            "-fflags",
            "+bitexact",
            "-map_metadata",
            "-1",
            str(video),
        ]
        proc = subprocess.run(cmd, capture_output=True, text=True)
        if proc.returncode != 0:
            raise BuildError(f"ffmpeg failed encoding the sample: {proc.stderr.strip()}")
        shutil.copyfile(video, target / "sample.mp4")
        (target / "sample.json").write_text(json.dumps(motion) + "\n")


def build_sample(out_demo: Path, body: dict, force: bool = False) -> Path:
    key = _sample_key(body)
    cached = cache_root() / "demo-sample" / key
    if force or not (cached / "sample.mp4").is_file():
        print(f"build_demo: rendering the sample clip (cache {cached})", file=sys.stderr)
        tmp = cached.with_name(key + ".tmp")
        shutil.rmtree(tmp, ignore_errors=True)
        render_sample(body, tmp)
        shutil.rmtree(cached, ignore_errors=True)
        tmp.rename(cached)
    for name in ("sample.mp4", "sample.json"):
        copy_bytes((cached / name).read_bytes(), out_demo / name)
    return cached


def build(out: Path, force_sample: bool = False) -> None:
    """Build the demo into ``out``/demo (``out`` is web/dist)."""
    body = body_model_data()
    out_demo = out / "demo"
    build_page(out_demo, body)
    build_sample(out_demo, body, force=force_sample)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description="Build web/dist/demo (see module docstring).")
    ap.add_argument("--out", type=Path, default=ROOT / "web" / "dist")
    ap.add_argument("--force-sample", action="store_true", help="render the sample again")
    ap.add_argument("--page-only", action="store_true", help="skip the sample clip")
    args = ap.parse_args(argv)
    try:
        if args.page_only:
            build_page(args.out / "demo", body_model_data())
        else:
            build(args.out, force_sample=args.force_sample)
    except BuildError as e:
        print(f"build_demo: {e}", file=sys.stderr)
        return 1
    print(f"built {args.out / 'demo'}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
