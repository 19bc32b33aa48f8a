"""The command line on real fixture images and the posetrack video."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys

import numpy as np
import pytest

from blazepose_holistic.cli import main

POSETRACK = "eval/posetrack18/videos/000001_mpiinew_test"


def _run(*args):
    return main(["track", *map(str, args), "--no-progress"])


def test_video_and_image_to_json_and_annotations(shared_data, tmp_path):
    video = shared_data / POSETRACK / "000001_mpiinew_test.mp4"
    image = shared_data / "eval/mpii/004645041.jpg"
    out = tmp_path / "out dir ü" / "r.json"  # spaces and unicode in paths
    assert _run(video, image, "--json", out, "--annotate", tmp_path / "ann", "--no-body-model") == 0
    report = json.loads(out.read_text())
    frames = report["frames"]
    assert len(frames) == 6
    assert frames[0]["source"].endswith("#0") and frames[-1]["source"] == str(image)
    for f in frames:
        pose = np.array(f["pose_landmarks"])
        assert pose.shape == (33, 5) and np.all(np.isfinite(pose))
        assert np.array(f["pose_world_landmarks"]).shape == (33, 5)
    assert frames[-1]["right_hand_landmarks"] is not None  # the MPII truck driver's hand
    assert len(list((tmp_path / "ann").glob("*.png"))) == 6


def test_directory_of_frames_skips_other_files(shared_data, tmp_path):
    frames_dir = tmp_path / "frames"
    frames_dir.mkdir()
    for f in sorted((shared_data / POSETRACK).glob("*.jpg"))[:2]:
        shutil.copy(f, frames_dir)
    (frames_dir / "notes.txt").write_text("not a frame")
    out = tmp_path / "r.json"
    assert _run(frames_dir, "--json", out, "--no-hands", "--no-body-model") == 0
    assert len(json.loads(out.read_text())["frames"]) == 2


def _file(name, content):
    def make(d):
        (d / name).write_bytes(content)
        return d / name
    return make


def _empty_dir(d):
    (d / "empty").mkdir()
    return d / "empty"


def _video(codec_id_patch=None, audio_only=False):
    """An MKV written by PyAV; the patch renames its codec to one no decoder knows."""
    def make(d):
        import av

        path = d / "clip.mkv"
        with av.open(str(path), "w") as c:
            if audio_only:
                s = c.add_stream("pcm_s16le", rate=8000)
                frame = av.AudioFrame.from_ndarray(np.zeros((1, 800), np.int16), format="s16", layout="mono")
                frame.sample_rate = 8000
            else:
                s = c.add_stream("mpeg4", rate=30)
                s.width, s.height, s.pix_fmt = 64, 48, "yuv420p"
                frame = av.VideoFrame.from_ndarray(np.zeros((48, 64, 3), np.uint8), format="rgb24")
            for packet in [*s.encode(frame), *s.encode()]:
                c.mux(packet)
        if codec_id_patch:
            data = path.read_bytes()
            assert data.count(codec_id_patch[0]) == 1
            path.write_bytes(data.replace(*codec_id_patch))
        return path
    return make


@pytest.mark.parametrize(
    "make, message",
    [
        (lambda d: d / "missing.jpg", "no such file"),
        (_video((b"V_MPEG4/ISO/ASP", b"V_MPEG4/ISO/XYZ")), "unsupported codec"),
        (_video(audio_only=True), "no video stream"),
        (_file("x.jpg", b"garbage"), "not a readable image"),
        (_file("x.mp4", b"garbage" * 100), "cannot open video"),
        (_file("x.xyz", b"?"), "unsupported file type"),
        (_empty_dir, "contains no images"),
    ],
)
def test_bad_inputs_give_clear_errors(tmp_path, capsys, make, message):
    bad = make(tmp_path)
    assert _run(bad, "--json", tmp_path / "r.json") == 2
    assert message in capsys.readouterr().err
    assert not (tmp_path / "r.json").exists()


def test_refuses_to_overwrite_an_input(shared_data, tmp_path, capsys):
    img = tmp_path / "a.jpg"
    shutil.copy(shared_data / "eval/mpii/004645041.jpg", img)
    before = img.read_bytes()
    assert _run(img, "--json", img) == 2
    assert "refusing to overwrite" in capsys.readouterr().err
    assert img.read_bytes() == before


def test_annotations_never_overwrite_inputs_or_each_other(shared_data, tmp_path):
    """--annotate pointed at the directory holding the input: the input keeps its bytes,
    and two inputs with one stem (a.png, a.jpg) get two annotation files."""
    from PIL import Image

    photo = shared_data / "eval/mpii/004645041.jpg"
    Image.open(photo).save(tmp_path / "a.png")
    shutil.copy(photo, tmp_path / "a.jpg")
    before = (tmp_path / "a.png").read_bytes()
    assert _run(tmp_path / "a.png", tmp_path / "a.jpg", "--json", tmp_path / "r.json",
                "--annotate", tmp_path, "--model", "lite", "--no-hands", "--no-body-model") == 0
    assert (tmp_path / "a.png").read_bytes() == before
    assert sorted(p.name for p in tmp_path.glob("*.png")) == ["a.png", "a_1.png", "a_2.png"]


def test_annotations_never_write_through_a_link(shared_data, tmp_path):
    """Links in the --annotate directory named like the annotations: one to the input, one
    to a file outside the directory. Neither target is touched; the annotation goes to a
    fresh name inside the directory."""
    photo = tmp_path / "in" / "a.jpg"
    photo.parent.mkdir()
    shutil.copy(shared_data / "eval/mpii/004645041.jpg", photo)
    outside = tmp_path / "outside.png"
    outside.write_bytes(b"not ours")
    out = tmp_path / "out"
    out.mkdir()
    (out / "a.png").symlink_to(photo)
    (out / "a_1.png").symlink_to(outside)
    before = photo.read_bytes()
    assert _run(photo, "--json", out / "r.json", "--annotate", out,
                "--model", "lite", "--no-hands", "--no-body-model") == 0
    assert photo.read_bytes() == before and outside.read_bytes() == b"not ours"
    assert (out / "a.png").is_symlink() and (out / "a_1.png").is_symlink()
    assert not (out / "a_2.png").is_symlink() and (out / "a_2.png").stat().st_size > 1000


@pytest.mark.parametrize("kind", ["symlink", "hard link"])
def test_json_output_that_is_an_input_by_another_name_is_refused(shared_data, tmp_path, capsys, kind):
    img = tmp_path / "a.jpg"
    shutil.copy(shared_data / "eval/mpii/004645041.jpg", img)
    link = tmp_path / "r.json"
    if kind == "symlink":
        link.symlink_to(img)
    else:
        os.link(img, link)
    before = img.read_bytes()
    assert _run(img, "--json", link) == 2
    assert "refusing to overwrite" in capsys.readouterr().err
    assert img.read_bytes() == before


def test_a_broken_link_among_the_inputs_with_an_existing_json(shared_data, tmp_path):
    """Input files are compared with --json by identity; a dangling link in an input
    directory has none and is skipped, not a crash."""
    frames = tmp_path / "frames"
    frames.mkdir()
    shutil.copy(shared_data / "eval/mpii/004645041.jpg", frames / "a.jpg")
    (frames / "gone.jpg").symlink_to(tmp_path / "nowhere.jpg")
    out = tmp_path / "r.json"
    out.write_text("{}")  # an earlier run's: replaced
    assert _run(frames, "--json", out, "--model", "lite", "--no-hands", "--no-body-model") == 0
    assert [f["source"] for f in json.loads(out.read_text())["frames"]] == [str(frames / "a.jpg")]


def test_module_entry_point(shared_data, tmp_path):
    out = tmp_path / "r.json"
    proc = subprocess.run(
        [sys.executable, "-m", "blazepose_holistic", "track", str(shared_data / "eval/mpii/004645041.jpg"),
         "--json", str(out), "--model", "lite", "--no-hands", "--no-body-model"],
        capture_output=True, text=True, timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    assert json.loads(out.read_text())["frames"][0]["pose_landmarks"] is not None
