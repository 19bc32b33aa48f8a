"""Inputs for the batch tests: two short real clips and two broken files."""
from __future__ import annotations

import json

POSETRACK = "eval/posetrack18/videos/000001_mpiinew_test"


def make_inputs(shared_data, folder) -> list:
    """[clip, a second clip (the same frames reversed, encoded here), a corrupt video, an
    image that is not one]: the video fails when opened, the image only when a worker reads it."""
    import av
    import numpy as np
    from PIL import Image

    frames_dir = shared_data / POSETRACK
    second = folder / "reversed.mp4"
    with av.open(str(second), "w") as c:
        stream = c.add_stream("mpeg4", rate=30)
        first = Image.open(sorted(frames_dir.glob("*.jpg"))[0])
        stream.width, stream.height, stream.pix_fmt = first.width, first.height, "yuv420p"
        for jpg in sorted(frames_dir.glob("*.jpg"), reverse=True):
            frame = av.VideoFrame.from_ndarray(np.asarray(Image.open(jpg).convert("RGB")), format="rgb24")
            for packet in stream.encode(frame):
                c.mux(packet)
        for packet in stream.encode():
            c.mux(packet)
    corrupt = folder / "corrupt.mp4"
    corrupt.write_bytes(b"\x00\x00\x00\x18ftypmp42" + b"garbage" * 500)
    not_an_image = folder / "broken.jpg"
    not_an_image.write_bytes(b"\xff\xd8\xff\xe0 truncated")
    return [frames_dir / f"{frames_dir.name}.mp4", second, corrupt, not_an_image]


def comparable(json_path) -> dict:
    """The report without what is measured (wall-clock and per-stage times)."""
    report = json.loads(json_path.read_text())
    report.pop("seconds")
    for frame in report["frames"]:
        frame.pop("timings_ms")
    return report
