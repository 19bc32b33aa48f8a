"""The worker's crop (web/src/worker/crop.js, run by node) against the crop graph's numpy
twin (build_scripts/models/crop_graph.reference_crop), for both borders and value ranges,
on a real photo and rotated, scaled crops partly outside it."""
from __future__ import annotations

import json
import shutil
import subprocess

import numpy as np
import pytest
from bph_browser import ROOT, load_rgba

from build_scripts.models.build import random_crop_matrices
from build_scripts.models.crop_graph import reference_crop

NODE = shutil.which("node")
PHOTO = ROOT.parent / "shared" / "data" / "eval" / "coco"


@pytest.mark.parametrize("size, value_range, border", [
    (224, (-1.0, 1.0), "zero"), (256, (0.0, 1.0), "replicate"), (192, (0.0, 1.0), "zero")])
def test_js_crop_matches_the_reference_crop(tmp_path, size, value_range, border):
    if NODE is None:
        pytest.fail("node is missing (./run installs nodejs)")
    rgba = load_rgba(sorted(PHOTO.glob("*.jpg"))[0])
    h, w = rgba.shape[:2]
    mats = random_crop_matrices(np.random.default_rng(size), 2, (h, w), size)
    (tmp_path / "frame.bin").write_bytes(rgba.tobytes())
    script = f"""
        import {{ readFileSync, writeFileSync }} from "node:fs";
        import {{ cropFrame }} from "{(ROOT / 'web' / 'src' / 'worker' / 'crop.js').as_posix()}";
        const pixels = new Uint8Array(readFileSync("{(tmp_path / 'frame.bin').as_posix()}"));
        const m = new Float32Array({json.dumps(mats.ravel().tolist())});
        const out = cropFrame(pixels, {w}, {h}, m, 2, {size}, {value_range[0]}, {value_range[1]},
                              {str(border == "zero").lower()});
        writeFileSync("{(tmp_path / 'out.bin').as_posix()}", Buffer.from(out.buffer));
    """
    proc = subprocess.run([NODE, "--input-type=module", "-e", script], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    got = np.frombuffer((tmp_path / "out.bin").read_bytes(), np.float32).reshape(2, size, size, 3)
    ref = reference_crop(rgba, mats.astype(np.float64), size, value_range, border)
    # float32 products against float64: within a few units in the 7th digit of the range.
    assert np.abs(got - ref).max() <= 1e-5 * (value_range[1] - value_range[0])
    assert np.abs(got - ref).mean() < 1e-6
