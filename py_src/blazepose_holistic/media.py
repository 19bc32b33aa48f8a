"""Reading the command line's inputs: image files, directories of frames, video files.

Yields ``Frame`` records in order; every problem with an input is a ``MediaError`` that names
the file, never a traceback from a decoder.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

import numpy as np

IMAGE_SUFFIXES = {".jpg", ".jpeg", ".png", ".bmp", ".webp", ".tif", ".tiff", ".gif"}
VIDEO_SUFFIXES = {".mp4", ".m4v", ".mov", ".avi", ".mkv", ".webm", ".mpg", ".mpeg", ".ogv"}


class MediaError(RuntimeError):
    """An input cannot be read; the message names it and says why."""


@dataclass
class Frame:
    source: str  # file path, or "path#frame_index" for video frames
    rgb: np.ndarray  # (H, W, 3) uint8
    timestamp: float  # seconds within its sequence
    sequence: str  # frames of one sequence are tracked together
    static: bool  # a lone image: no tracking across frames


@dataclass
class Input:
    path: Path
    kind: str  # "image" | "directory" | "video"
    frame_count: int  # 0 when unknown


def classify(path: Path) -> Input:
    if not path.exists():
        raise MediaError(f"{path}: no such file or directory")
    if path.is_dir():
        files = directory_images(path)
        if not files:
            raise MediaError(f"{path}: directory contains no images ({', '.join(sorted(IMAGE_SUFFIXES))})")
        return Input(path, "directory", len(files))
    suffix = path.suffix.lower()
    if suffix in IMAGE_SUFFIXES:
        return Input(path, "image", 1)
    if suffix in VIDEO_SUFFIXES:
        return Input(path, "video", video_frame_count(path))
    raise MediaError(
        f"{path}: unsupported file type {suffix or '(no extension)'}; images: "
        f"{', '.join(sorted(IMAGE_SUFFIXES))}; videos: {', '.join(sorted(VIDEO_SUFFIXES))}"
    )


def directory_images(path: Path) -> list:
    """Image files of a directory in natural frame order; other files are ignored."""
    return sorted(
        (p for p in path.iterdir() if p.is_file() and p.suffix.lower() in IMAGE_SUFFIXES),
        key=lambda p: p.name,
    )


def read_image(path: Path) -> np.ndarray:
    from PIL import Image, UnidentifiedImageError

    if not os.access(path, os.R_OK):
        raise MediaError(f"{path}: permission denied")
    try:
        with Image.open(path) as im:
            im = _apply_exif_orientation(im)
            return np.asarray(im.convert("RGB"))
    except (UnidentifiedImageError, OSError, ValueError) as e:
        raise MediaError(f"{path}: not a readable image ({e})") from e


def _apply_exif_orientation(im):
    # Phone photos store rotation in EXIF; what a person sees is the rotated image.
    from PIL import ImageOps

    return ImageOps.exif_transpose(im)


def video_frame_count(path: Path) -> int:
    container = _open_video(path)
    try:
        stream = container.streams.video[0]
        return int(stream.frames or 0)
    finally:
        container.close()


def _open_video(path: Path):
    import av

    try:
        container = av.open(str(path))
    except (av.error.FFmpegError, OSError, ValueError) as e:
        raise MediaError(f"{path}: cannot open video ({e})") from e
    if not container.streams.video:
        container.close()
        raise MediaError(f"{path}: file has no video stream")
    return container


def read_video(path: Path) -> Iterator[tuple]:
    """(rgb, timestamp_seconds) for every frame of the first video stream."""
    import av

    container = _open_video(path)
    try:
        stream = container.streams.video[0]
        try:
            for i, frame in enumerate(container.decode(stream)):
                t = float(frame.time) if frame.time is not None else i / float(stream.average_rate or 30)
                yield frame.to_ndarray(format="rgb24"), t
        except av.error.FFmpegError as e:
            raise MediaError(f"{path}: cannot decode video ({e}); unsupported codec?") from e
    finally:
        container.close()


def frames(inputs: list, fps: float = 30.0) -> Iterator[Frame]:
    """All frames of all inputs, in order."""
    for item in inputs:
        seq = str(item.path)
        if item.kind == "image":
            yield Frame(seq, read_image(item.path), 0.0, seq, True)
        elif item.kind == "directory":
            for i, f in enumerate(directory_images(item.path)):
                yield Frame(str(f), read_image(f), i / fps, seq, False)
        else:
            for i, (rgb, t) in enumerate(read_video(item.path)):
                yield Frame(f"{seq}#{i}", rgb, t, seq, False)
