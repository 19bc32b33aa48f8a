"""Accuracy of the Holistic pipeline on the fixture sets in ../shared/data/eval.

    python -m build_scripts.measure.accuracy --model full [--json out/eval_full.json]

Modules: ``datasets`` (loaders), ``skeletons`` (33 -> dataset joints, torso),
``matching`` (single-person match), ``metrics`` (PCK, Procrustes), ``hand_scoring``
(COCO-WholeBody hands, FreiHAND check), ``runner`` (drives the tracker), ``report``.

Protocol
- Every image is processed on its own (``static_image_mode=True``), hands on, lifter off.
  The tracker returns one person (the detector's best detection); it is matched to the
  annotated person with the most keypoints within the PCK threshold (``matching``).
- Body PCK@0.2: a joint is correct when it lies within 0.2 x torso diameter of the
  annotation. Torso diameter, for every body dataset: the mean length of the annotated
  torso diagonals (left shoulder - right hip, right shoulder - left hip), pixels; people
  without either diagonal are unscorable. Scored joints are the annotated ones (v > 0,
  occluded included) that have a BlazePose counterpart (``skeletons``: COCO all 17;
  MPII 14 of 16 with pelvis/thorax as hip/shoulder midpoints, head top and upper neck
  skipped; CrowdPose 12 of 14, head and neck skipped; H36M 2D 13 of 17, pelvis = mid-hip,
  spine/thorax/neck_base/head skipped). PCK@0.2 of a dataset = correct / scored joints
  over its matched people; per-joint PCK likewise per joint.
- Hands (COCO-WholeBody; ``hand_scoring``): fraction of the matched person's valid hands
  returned on the same side, and hand PCK@0.2 of the hand box size (longer side of the
  annotated hand keypoints' bounding box) for those; the swapped-side score is a
  diagnostic. FreiHAND: pipeline run (no body, so no hands expected) plus a model-level
  check of the hand landmark model in an identity ROI and in an annotation-seeded ROI.
- 3D (H36M): world landmarks against joints_cam_m over shoulders, elbows, wrists, hips,
  knees, ankles: PA-MPJPE (similarity Procrustes, no reflection) and MPJPE after aligning
  the hip midpoints (no rotation, no scale), in mm. The two skeletons define hips
  differently (BlazePose/GHUM vs. H36M's joint centres), which both numbers include.
- Timing: mean of the driver's per-frame total ms; informational, never asserted.
- PoseTrack18: the 5 video frames have no annotations in the fixture; they are run in
  video mode only to report poses, detector runs and hands.
"""

from __future__ import annotations

from .runner import evaluate

__all__ = ["evaluate"]
