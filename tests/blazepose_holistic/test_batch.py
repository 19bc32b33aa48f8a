"""Many inputs over worker processes: the same JSON as one process, one progress bar over
all frames, and a bad input reported without stopping the others."""
from __future__ import annotations

import os
import subprocess
import sys

import pytest
from batch_inputs import comparable, make_inputs

from blazepose_holistic.cli import _safe_stem, main

pytestmark = pytest.mark.slow


def test_two_workers_give_the_json_of_one_and_report_bad_files(shared_data, tmp_path, capsys):
    inputs = make_inputs(shared_data, tmp_path)
    runs = {}
    for workers in (1, 2):
        out = tmp_path / f"w{workers}"
        code = main(["track", *map(str, inputs), "--json", str(out / "r.json"), "--annotate",
                     str(out / "ann"), "--workers", str(workers), "--no-progress"])
        err = capsys.readouterr().err
        assert code == 1, err  # some inputs failed, the JSON has the others
        assert f"error: {inputs[2]}: cannot open video" in err
        assert f"error: {inputs[3]}: not a readable image" in err
        runs[workers] = comparable(out / "r.json")
        names = sorted(p.name for p in (out / "ann").iterdir())
        assert names == sorted(f"{_safe_stem(f['source'])}.png" for f in runs[workers]["frames"]), \
            "one image per frame, named as one process names them, no staging folder left"
    assert runs[2] == runs[1]
    report = runs[1]
    assert [e["input"] for e in report["errors"]] == [str(inputs[2]), str(inputs[3])]
    assert [f["source"] for f in report["frames"]] == (
        [f"{inputs[0]}#{i}" for i in range(5)] + [f"{inputs[1]}#{i}" for i in range(5)])
    assert all(f["pose_landmarks"] is not None for f in report["frames"])


def test_one_progress_bar_counts_every_frame_of_every_worker(shared_data, tmp_path):
    inputs = make_inputs(shared_data, tmp_path)[:2]
    env = {k: v for k, v in os.environ.items() if k != "COLUMNS"}
    proc = subprocess.run(
        [sys.executable, "-m", "blazepose_holistic", "track", *map(str, inputs), "--json",
         str(tmp_path / "r.json"), "--workers", "2", "--no-hands", "--no-body-model"],
        capture_output=True, text=True, timeout=600, env=env)
    assert proc.returncode == 0, proc.stderr
    lines = proc.stderr.replace("\r", "\n").splitlines()
    bars = [line for line in lines if "frame/s" in line or "?frame" in line]
    assert bars and "10/10" in bars[-1], proc.stderr
    assert all("/10" in b for b in bars), "one bar over both inputs, not one per worker"


def test_workers_must_be_positive(shared_data, tmp_path, capsys):
    inputs = make_inputs(shared_data, tmp_path)[:1]
    assert main(["track", str(inputs[0]), "--json", str(tmp_path / "r.json"), "--workers", "0"]) == 2
    assert "--workers must be at least 1" in capsys.readouterr().err
