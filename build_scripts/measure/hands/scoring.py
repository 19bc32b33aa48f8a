"""What each returned hand is, against a frame's annotation.

A system returns per frame one pose and up to two hands named by the person's side. The
pose is matched to an annotated person as the accuracy tool does (``accuracy.matching``;
sets without bodies have one person). Each returned hand is then:

- correct: PCK@0.2 of the hand size (the longer side of the annotated keypoints' box)
  >= 0.5 against that person's hand of the same side; on sets that annotate only wrists,
  its wrist landmark within 0.2 torso diameters of the annotated wrist of that side (the
  body's PCK@0.2 for the wrist: "at the wrist", a weaker check, named so in the report);
- swapped: not correct, but correct for the person's other side;
- other_person: correct for a hand (or at a wrist) of another annotated person;
- false: none of these while the matched person's hands or wrists are annotated: a hand
  where that person has none visible, or a wrong one;
- unverifiable: the person has no annotated hand or wrist on that side and none on the
  other (e.g. COCO-WholeBody hands marked invalid, the PoseTrack clip), or the pose
  matched nobody annotated.
"""

from __future__ import annotations

import numpy as np

from build_scripts.measure.accuracy.matching import best_match
from build_scripts.measure.accuracy.metrics import hand_box_size, normalised_errors, pck_hits
from build_scripts.measure.accuracy.skeletons import SKELETONS, torso_diameter

from .sets import SIDES

CORRECT_PCK = 0.5
VERDICTS = ("correct", "swapped", "other_person", "false", "unverifiable")


def hand_pck(pred_px, gt) -> float:
    """PCK@0.2 of the hand box of ``pred_px`` (21, 2) against ``gt`` (21, 3) [x, y, v]."""
    annotated = gt[:, 2] > 0
    scale = hand_box_size(gt[:, :2], annotated)
    hits = pck_hits(normalised_errors(pred_px, gt[:, :2], scale), annotated)
    return float(hits.sum() / max(1, annotated.sum()))


def _at(pred_px, person, side, torso) -> bool:
    hand = person.hands.get(side)
    if hand is None and side == "left":  # FreiHAND: one hand, side unknown
        hand = person.hands.get("any")
    if hand is not None:
        return hand_pck(pred_px, hand) >= CORRECT_PCK
    wrist = person.wrists.get(side)
    if wrist is not None and torso is not None and np.isfinite(torso):
        return float(np.linalg.norm(pred_px[0] - wrist)) <= 0.2 * torso
    return False


def _annotated(person) -> bool:
    return bool(person.hands or person.wrists)


def match_person(frame, skeleton_name, pose_px):
    """(matched person or None, its torso diameter or None)."""
    if skeleton_name is None:
        return (frame.people[0], None) if frame.people else (None, None)
    if pose_px is None:
        return None, None
    skeleton = SKELETONS[skeleton_name]
    match = best_match(skeleton.from_blazepose(pose_px), frame.people, skeleton)
    if match is None:
        return None, None
    return match.person, match.torso


def classify(frame, skeleton_name, pose_px, hands_px) -> dict:
    """side -> verdict for every returned hand; hands_px: side -> (21, 2) px or None."""
    person, torso = match_person(frame, skeleton_name, pose_px)
    verdicts = {}
    for k, side in enumerate(SIDES):
        pred = hands_px.get(side)
        if pred is None:
            continue
        if person is None or not _annotated(person):
            verdicts[side] = "unverifiable"
            continue
        if _at(pred, person, side, torso):
            verdicts[side] = "correct"
            continue
        if _at(pred, person, SIDES[1 - k], torso) and "any" not in person.hands:
            verdicts[side] = "swapped"
            continue
        others = [p for p in frame.people if p is not person]
        if skeleton_name is not None and any(
                _at(pred, p, s, _torso(p, skeleton_name)) for p in others for s in SIDES):
            verdicts[side] = "other_person"
            continue
        verdicts[side] = "false"
    return verdicts


def _torso(person, skeleton_name):
    if person.keypoints is None:
        return None
    return torso_diameter(person.keypoints, person.annotated, SKELETONS[skeleton_name])


def annotated_hands(frame, skeleton_name) -> int:
    """Hands (or wrists) this frame's annotation lets a system be right about: every side
    of every annotated person (the tracker follows one person, so this is an upper bound
    on multi-person photos)."""
    return sum(len(set(p.hands) | set(p.wrists)) for p in frame.people)


def tally(frames, skeleton_name, outputs) -> dict:
    """Counts over a set; outputs: per frame (pose_px or None, {side: hand_px or None})."""
    counts = {v: 0 for v in VERDICTS}
    per_frame = []
    found = 0
    for frame, (pose_px, hands_px) in zip(frames, outputs):
        verdicts = classify(frame, skeleton_name, pose_px, hands_px)
        found += len(verdicts)
        for v in verdicts.values():
            counts[v] += 1
        per_frame.append(verdicts)
    return {"frames": len(frames), "found": found, **counts, "per_frame": per_frame,
            "annotated_sides": sum(annotated_hands(f, skeleton_name) for f in frames)}
