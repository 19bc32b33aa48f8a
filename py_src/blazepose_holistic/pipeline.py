"""The Holistic pipeline as a sans-IO state machine.

Like h11 for HTTP, this module holds the whole protocol (which model to run on which crop,
how to decode, when to re-detect, what to smooth) and none of the I/O. ``process`` is a
generator: it yields ``Inference`` requests and is sent back each request's outputs; when
the frame is done it returns a ``HolisticResult``. Drivers (``engine_ort`` on CPython, the
worker's onnxruntime-web driver in the browser) own the frame and the sessions::

    step = pipeline.process(image_size, timestamp)
    request = next(step)
    while True:
        outputs = run(request.model, frame, request.inputs)
        request = step.send(outputs)        # StopIteration.value is the result

Every fused model takes the frame as ``image`` plus crop matrices; drivers add ``image``.

The graph, after MediaPipe's holistic_landmark_cpu.pbtxt:

    [no ROI] pose_detector -> decode -> weighted NMS -> ROI        (pose_detection_cpu)
    pose_landmark(ROI) -> decode, heatmap refine, project, flag    (pose_landmark_by_roi)
    smoothing (video mode) -> next ROI from auxiliary landmarks    (pose_landmark_filtering)
    hands: ROI from pose -> hand_recrop -> tracking choice -> hand_landmark  (holistic hands)
    [enable_hand_recovery] a missed hand: last frame's landmarks, or the palm detector
        around the wrist -> hand_landmark; kept if it agrees with the pose (hand_recovery)
    lifter: 75 world points -> body-model parameters               (the paper, section 4)
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Generator

import numpy as np

from . import anchors, detection, hand_recovery, hands, palm, pose_landmarks, roi, segmentation
from .contract import (
    HAND_LANDMARK,
    HAND_RECROP,
    LIFTER,
    PALM_DETECTOR,
    POSE_DETECTOR,
    Options,
    PipelineError,
    input_size,
)
from .filters import PoseLandmarksSmoother, QuaternionOneEuroFilter
from .results import HolisticResult

# Default frame interval when the caller gives no timestamps (the filters need time).
DEFAULT_FRAME_INTERVAL = 1.0 / 30.0
# Body-model rotation smoothing (One Euro on the rotation manifold): MediaPipe's world
# landmarks' min_cutoff (pose_landmark_filtering.pbtxt, 0.1) with a speed coefficient of 4
# instead of its 40. On the rendered evaluation (build_scripts.lifter.eval_rendered) beta
# 40 left the body model's jitter above the raw landmarks' (24.1 vs 23.5 m/s^2); beta 4
# gives 16.9 and foot skating 0.52 instead of 0.69 m/s, for +0.07 deg of limb-direction
# median and -0.1 deg of joint-rotation median (a little lag in the fastest moves).
ROTATION_FILTER = dict(min_cutoff=0.1, beta=4.0, derivate_cutoff=1.0)


@dataclass
class Inference:
    """Run ``model`` on the current frame (input ``image``, added by the driver) plus
    ``inputs`` (e.g. ``matrix``: (B, 2, 3) float32 crop matrices, see roi.crop_matrix)."""

    model: str
    inputs: dict[str, np.ndarray]
    stage: str = ""


@dataclass
class _HandTrack:
    landmarks: np.ndarray = field(default_factory=lambda: np.zeros((2, 21, 3)))
    present: np.ndarray = field(default_factory=lambda: np.zeros(2, bool))
    # Frames each side waits before its next palm search (hand_recovery.SEARCH_INTERVAL).
    search_wait: np.ndarray = field(default_factory=lambda: np.zeros(2, int))


def _f32(a) -> np.ndarray:
    return np.ascontiguousarray(a, dtype=np.float32)


# Pose landmark pairs swapped between the person's left and right (MediaPipe pose topology).
_POSE_MIRROR = np.array(
    [0, 4, 5, 6, 1, 2, 3, 8, 7, 10, 9, 12, 11, 14, 13, 16, 15, 18, 17, 20, 19, 22, 21,
     24, 23, 26, 25, 28, 27, 30, 29, 32, 31]
)


# World landmark columns (x, y, z, visibility, presence) of a reflection across x = 0.
_REFLECT_X = np.array([-1.0, 1.0, 1.0, 1.0, 1.0])


class HolisticPipeline:
    """State across frames: the tracked pose ROI, hand tracks, filters."""

    def __init__(self, options: Options | None = None, available_models=None):
        self.options = options or Options()
        self.options.validate()
        if available_models is not None:
            missing = [m for m in self.options.models() if m not in available_models]
            if missing:
                raise PipelineError(f"the options need model(s) not loaded: {', '.join(missing)}")
        self._anchors = anchors.ssd_anchors()
        self._palm_anchors = palm.anchors() if self.options.enable_hand_recovery else None
        self.reset()

    def reset(self) -> None:
        """Forget tracking and smoothing state (the next frame runs the detector)."""
        self._pose_roi: np.ndarray | None = None
        self._smoother = PoseLandmarksSmoother()
        self._hands = _HandTrack()
        self._rotation_filter = QuaternionOneEuroFilter(**ROTATION_FILTER)
        self._last_timestamp: float | None = None
        self._last_mask: np.ndarray | None = None

    # -----------------------------------------------------------------------------------
    def process(
        self, image_size, timestamp: float | None = None
    ) -> Generator[Inference, dict[str, np.ndarray], HolisticResult]:
        """One frame of ``image_size`` (width, height); ``timestamp`` in seconds."""
        w, h = (int(v) for v in image_size)
        if w <= 0 or h <= 0:
            raise PipelineError(f"image size must be positive, got {w}x{h}")
        size = (w, h)
        opts = self.options
        tracking = not opts.static_image_mode
        timestamp = self._timestamp(timestamp)
        result = HolisticResult(image_size=size)

        rect = self._pose_roi if tracking else None
        if rect is None:
            found = yield from self._detect(size, result)
            if found is None:
                self._lost()
                return result
            rect = found

        pose = yield from self._pose_landmarks(size, rect, result)
        if pose is None:
            self._lost()
            return result
        landmarks, aux, world = pose

        if tracking and opts.smooth_landmarks:
            landmarks, aux, world = self._smoother.apply(landmarks, aux, world, timestamp, size)
        self._pose_roi = pose_landmarks.aux_landmarks_to_rect(aux, size) if tracking else None

        if opts.mirrored:
            # The models see the mirror image as a person; the real one has the other sides
            # and, in metres, the reflected geometry (x -> -x). Without the reflection the
            # world landmarks (and the body model fitted to them) would be a body of the
            # wrong handedness. Image landmarks stay in the mirrored frame's coordinates.
            landmarks, world = landmarks[_POSE_MIRROR], world[_POSE_MIRROR] * _REFLECT_X
        result.pose_landmarks = landmarks
        # World landmarks carry the image landmarks' visibility and presence (as MediaPipe's
        # do): one owner, so Python and JS users see the same (33, 5).
        result.pose_world_landmarks = np.concatenate([world[:, :3], landmarks[:, 3:5]], axis=1)

        if opts.enable_hands:
            yield from self._hands_stage(size, landmarks, world, result, tracking)
        if opts.enable_body_model:
            yield from self._body_model(result, timestamp, tracking)
        return result

    # -----------------------------------------------------------------------------------
    def _timestamp(self, timestamp: float | None) -> float:
        if timestamp is None:
            last = self._last_timestamp
            timestamp = 0.0 if last is None else last + DEFAULT_FRAME_INTERVAL
        timestamp = float(timestamp)
        if not np.isfinite(timestamp):
            raise PipelineError(f"timestamp must be finite, got {timestamp}")
        self._last_timestamp = timestamp
        return timestamp

    def _lost(self) -> None:
        # MediaPipe resets its filters on a frame without a pose; hands restart from pose.
        self._pose_roi = None
        self._smoother.reset()
        self._hands = _HandTrack()
        self._rotation_filter.reset()
        self._last_mask = None

    def _detect(self, size, result: HolisticResult):
        box_rect, padding = roi.letterbox_rect(size)
        matrix = roi.crop_matrix(box_rect, size, (input_size(POSE_DETECTOR),) * 2)
        out = yield Inference(POSE_DETECTOR, {"matrix": _f32(matrix[None])}, "detector")
        boxes, keypoints, scores = detection.decode_detections(
            np.asarray(out["boxes"]).reshape(-1, 12),
            np.asarray(out["scores"]).reshape(-1),
            self._anchors,
            min_score=self.options.min_detection_confidence,
        )
        if len(scores) == 0:
            return None
        boxes, keypoints, scores = detection.weighted_nms(boxes, keypoints, scores)
        # Holistic tracks one person: the best detection (pose_detection_to_roi.pbtxt).
        box = boxes[0].reshape(2, 2)
        box = roi.remove_letterbox(box, padding).reshape(4)
        kps = roi.remove_letterbox(keypoints[0], padding)
        result.pose_detection = detection.Detection(box, kps, float(scores[0]))
        return detection.detection_to_rect(kps, size)

    def _pose_landmarks(self, size, rect, result: HolisticResult):
        model = self.options.pose_landmark_model
        matrix = roi.crop_matrix(rect, size, (input_size(model),) * 2)
        out = yield Inference(model, {"matrix": _f32(matrix[None])}, "pose_landmarks")
        flag = pose_landmarks.pose_flag(out["pose_flag"])
        if not flag >= self.options.min_tracking_confidence:  # also rejects NaN
            return None
        crop_lm = pose_landmarks.decode_landmarks(out["landmarks"], input_size(model))
        crop_lm = pose_landmarks.refine_from_heatmap(crop_lm, np.asarray(out["heatmap"])[0])
        image_lm = roi.project_landmarks(crop_lm, rect, size)
        world = roi.rotate_world_landmarks(
            pose_landmarks.decode_world_landmarks(out["world_landmarks"]), rect
        )
        # A non-finite output (or a rect grown to overflow) is no pose: returning it would
        # put NaN into the result, the filters and the next frame's ROI.
        if not (np.all(np.isfinite(image_lm)) and np.all(np.isfinite(world))):
            return None
        # World landmarks carry the image landmarks' visibility and presence (MediaPipe
        # copies them over), which the visibility filter smooths alongside.
        world = np.concatenate([world[:33], image_lm[:33, 3:]], axis=1)
        result.pose_roi = rect
        if "segmentation" in out:
            result.segmentation_mask = self._mask(out["segmentation"], rect, size)
        aux = image_lm[list(pose_landmarks.AUX_LANDMARKS)]
        return image_lm[:33], aux, world

    def _mask(self, logits, rect, size) -> np.ndarray:
        mask = segmentation.mask_to_image(pose_landmarks.segmentation_to_mask(logits), rect, size)
        opts = self.options
        previous = self._last_mask
        if (not opts.static_image_mode and opts.smooth_segmentation and previous is not None
                and previous.shape == mask.shape):
            mask = segmentation.smooth_mask(previous, mask)
        self._last_mask = mask
        return mask

    def _hands_stage(self, size, pose_lm, pose_world, result: HolisticResult, tracking: bool):
        # Hands are seeded from the pose as the model labels it; ``mirrored`` already put
        # the pose into the person's own sides, so seeding from it names hands correctly.
        rects, valid = hands.hand_rois_from_pose(pose_lm, size)
        track = self._hands
        found: dict = {}  # side -> (image landmarks (21, 3), world (21, 3), rect (5,))
        used_track = np.zeros(2, bool)
        idx = np.flatnonzero(valid)
        if len(idx):
            matrix = roi.crop_matrix(rects[idx], size, (input_size(HAND_RECROP),) * 2)
            out = yield Inference(HAND_RECROP, {"matrix": _f32(matrix)}, "hand_recrop")
            points = hands.decode_recrop(np.asarray(out["recrop"]).reshape(len(idx), 4))
            recrop_rects = hands.recrop_to_rect(points, rects[idx], size)
            has_prev = track.present[idx] if tracking else np.zeros(len(idx), bool)
            hand_rects, kept = hands.choose_tracking_rect(
                track.landmarks[idx], has_prev, recrop_rects, size
            )
            used_track[idx] = kept
            hits = yield from self._hand_landmarks(size, hand_rects, "hand_landmarks")
            found.update({int(idx[k]): hit for k, hit in hits.items()})
        new = _HandTrack()
        if self.options.enable_hand_recovery:
            new.search_wait = np.maximum(track.search_wait - 1, 0)
            yield from self._recover_hands(size, pose_lm, track, found, used_track, tracking,
                                           new.search_wait)
        for side, (image_lm, world, rect) in found.items():
            if self.options.mirrored:
                world = world * _REFLECT_X[:3]  # as the pose's world landmarks (see process)
            world = hands.attach_to_pose_wrist(world, pose_world[hands.POSE_WRISTS[side], :3])
            new.present[side] = True
            new.landmarks[side] = image_lm
            name = "left" if side == hands.LEFT else "right"
            setattr(result, f"{name}_hand_landmarks", image_lm)
            setattr(result, f"{name}_hand_world_landmarks", world)
            setattr(result, f"{name}_hand_roi", rect)
        self._hands = new

    def _hand_landmarks(self, size, hand_rects, stage: str):
        """Run the hand landmark model in ``hand_rects`` (N, 5); {k: (image landmarks,
        world landmarks in camera axes, rect)} for the crops whose hand flag passes."""
        n = len(hand_rects)
        matrix = roi.crop_matrix(hand_rects, size, (input_size(HAND_LANDMARK),) * 2)
        out = yield Inference(HAND_LANDMARK, {"matrix": _f32(matrix)}, stage)
        present = hands.hand_present(np.asarray(out["hand_flag"]).reshape(n))
        crop_lm = hands.decode_hand_landmarks(np.asarray(out["landmarks"]).reshape(n, 63))
        image_lm = roi.project_landmarks(crop_lm, hand_rects, size)
        world = roi.rotate_world_landmarks(
            hands.decode_hand_world(np.asarray(out["world_landmarks"]).reshape(n, 63)),
            hand_rects,
        )
        return {k: (image_lm[k], world[k], hand_rects[k]) for k in range(n)
                if present[k] and np.all(np.isfinite(image_lm[k]))
                and np.all(np.isfinite(world[k]))}

    def _recover_hands(self, size, pose_lm, track, found: dict, used_track, tracking: bool,
                       search_wait):
        """hand_recovery's two ways back to a missed hand; adds what agrees with the pose
        to ``found`` and updates ``search_wait`` (2,) in place."""
        candidates: dict = {}  # side -> hand rect
        searchable = hand_recovery.searchable(pose_lm, size)
        search = []
        for side in (hands.LEFT, hands.RIGHT):
            if side in found:
                continue
            had_hand = tracking and bool(track.present[side])
            if had_hand and not used_track[side]:
                candidates[side] = hands.hand_landmarks_to_rect(track.landmarks[side], size)
            elif searchable[side] and (had_hand or not tracking or search_wait[side] == 0):
                search.append(side)
        if search:
            rects = hand_recovery.search_rects(pose_lm, size)[search]
            matrix = roi.crop_matrix(rects, size, (input_size(PALM_DETECTOR),) * 2)
            out = yield Inference(PALM_DETECTOR, {"matrix": _f32(matrix)}, "palm_detector")
            raw_boxes = np.asarray(out["boxes"]).reshape(len(search), -1)
            raw_scores = np.asarray(out["scores"]).reshape(len(search), -1)
            for k, side in enumerate(search):
                boxes, keypoints, scores = palm.detect(
                    raw_boxes[k], raw_scores[k], self._palm_anchors, rects[k], size)
                taken = found.get(1 - side)
                pick = hand_recovery.pick_palm(keypoints, scores, side, pose_lm, size,
                                               None if taken is None else taken[0])
                if pick is None:
                    search_wait[side] = hand_recovery.SEARCH_INTERVAL
                    continue
                candidates[side] = palm.palm_to_hand_rect(boxes[pick], keypoints[pick], size)
        if not candidates:
            return
        sides = sorted(candidates)
        hits = yield from self._hand_landmarks(
            size, np.stack([candidates[s] for s in sides]), "hand_recovery")
        for k, side in enumerate(sides):
            hit = hits.get(k)
            other = found.get(1 - side)
            if hit is None or not hand_recovery.agrees_with_pose(hit[0], side, pose_lm, size) \
                    or (other is not None and hand_recovery.same_hand(hit[0], other[0], size)):
                continue
            found[side] = hit

    def _body_model(self, result: HolisticResult, timestamp: float, tracking: bool):
        from . import lifter

        points = np.full((75, 3), np.nan)
        points[:33] = result.pose_world_landmarks[:, :3]
        mask = np.zeros(2, bool)
        for side, rows, name in ((0, slice(33, 54), "left"), (1, slice(54, 75), "right")):
            hand = getattr(result, f"{name}_hand_world_landmarks")
            if hand is not None:
                points[rows] = hand
                mask[side] = True
        out = yield Inference(LIFTER, lifter.prepare_input(points, mask), "lifter")
        body = lifter.decode_output(out)
        if tracking and self.options.smooth_body_model:
            body.joint_rotations = self._rotation_filter.apply(body.joint_rotations, timestamp)
            body.root_rotation = body.joint_rotations[0].copy()
        result.body_model = body
