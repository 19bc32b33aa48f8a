"""Hand recovery: where the pose-seeded hand is missed, find it near the pose's wrist.

Holistic seeds each hand from the pose's wrist, index and pinky points only
(``hands.hand_rois_from_pose``); when those palm points are off (fast motion, a hand near
the face or across the body, a small hand) the hand is lost. With
``enable_hand_recovery`` the pipeline adds, for a side whose hand the landmark model did
not confirm (its flag <= 0.5):

1. Tracking: the previous frame's hand landmarks give a rect (MediaPipe's hand tracking,
   ``hands.hand_landmarks_to_rect``), tried when the seeded path did not already use it.
2. Otherwise, at a visible wrist, a palm search: the palm detector in a square around
   the wrist sized by the forearm (``search_rects``), the palm nearest that wrist
   (``pick_palm``) giving the hand rect (``palm.palm_to_hand_rect``).

Every hand found this way must agree with the body (``agrees_with_pose``): its wrist at
this side's pose wrist, nearer to it than to the other wrist, and of a size that fits the
forearm. That names it left or right from the body and keeps other people's hands out.

Arrays follow ``hands``: a leading axis of 2 sides (LEFT = pose 15/17/19, RIGHT =
16/18/20), rects (..., 5) image-normalised, ``image_size`` (width, height) in pixels.
"""

from __future__ import annotations

import numpy as np

from .hands import POSE_HAND_INDICES

# Pose elbows (13 left, 15's parent; 14 right).
POSE_ELBOWS = np.array([13, 14])
# A palm search needs a wrist the pose sees: visibility above this (the seed's own
# threshold is 0.1, which also passes wrists the pose only guesses).
SEARCH_VISIBILITY = 0.5
# The arm scale (pixels): the forearm, or twice the wrist -> palm-centre distance of the
# pose's palm points when that is longer (a foreshortened forearm). A hand is about 0.75
# of a forearm long and its palm 0.4; the search square is 2.2 arm scales wide, centred
# 0.35 of one beyond the wrist along the forearm, so a palm fills about a fifth of the
# 192 px detector input, inside the sizes its anchors cover.
SEARCH_SIDE = 2.2
SEARCH_AHEAD = 0.35
# No palm search below this arm scale (pixels): a hand of about 0.75 x 40 = 30 px is
# already below what the hand landmark model confirms (docs/accuracy.md: its flag passes
# on 2 of 10 COCO-WholeBody hands of 11-24 px even in an ideal crop).
MIN_ARM_SCALE = 40.0
# A palm or hand belongs to this side when its wrist lies within this many arm scales of
# the pose wrist (and nearer to it than to the other pose wrist).
MAX_WRIST_DISTANCE = 0.6
# Wrist -> middle-finger knuckle of a found hand, in arm scales: a hand of another size
# at this wrist is someone else's, or no hand.
PALM_LENGTH_RANGE = (0.15, 1.0)
# In video mode a side whose palm search found nothing waits this many frames before the
# next search, unless it just lost a hand: bounds the cost on a hand that is simply not
# there (out of frame, held behind the body).
SEARCH_INTERVAL = 8
MIDDLE_KNUCKLE = 2  # palm detector keypoint at hand landmark 9 (middle finger MCP)


def _px(xy, image_size):
    return np.asarray(xy, dtype=np.float64)[..., :2] * np.asarray(image_size, dtype=np.float64)


def arm_scale(pose_landmarks, image_size):
    """(2,) pixels per side: max(|wrist - elbow|, 2 |wrist - palm centre|)."""
    pose = np.asarray(pose_landmarks, dtype=np.float64)
    wrist = _px(pose[POSE_HAND_INDICES[:, 0]], image_size)
    elbow = _px(pose[POSE_ELBOWS], image_size)
    pinky = _px(pose[POSE_HAND_INDICES[:, 1]], image_size)
    index = _px(pose[POSE_HAND_INDICES[:, 2]], image_size)
    palm = (2.0 * index + pinky) / 3.0
    forearm = np.linalg.norm(wrist - elbow, axis=-1)
    return np.maximum(forearm, 2.0 * np.linalg.norm(palm - wrist, axis=-1))


def searchable(pose_landmarks, image_size):
    """(2,) bool: a palm search can pay off: the pose sees the wrist, and the hand there
    is large enough for the hand landmark model (MIN_ARM_SCALE)."""
    vis = np.asarray(pose_landmarks, dtype=np.float64)[POSE_HAND_INDICES[:, 0], 3]
    return (vis > SEARCH_VISIBILITY) & (arm_scale(pose_landmarks, image_size) >= MIN_ARM_SCALE)


def search_rects(pose_landmarks, image_size):
    """(2, 5) unrotated squares (in pixels) to run the palm detector in, one per side."""
    pose = np.asarray(pose_landmarks, dtype=np.float64)
    size = np.asarray(image_size, dtype=np.float64)
    wrist = _px(pose[POSE_HAND_INDICES[:, 0]], image_size)
    elbow = _px(pose[POSE_ELBOWS], image_size)
    scale = arm_scale(pose, image_size)
    along = wrist - elbow
    norm = np.linalg.norm(along, axis=-1, keepdims=True)
    direction = np.where(norm > 0.0, along / np.where(norm > 0.0, norm, 1.0), 0.0)
    centre = wrist + SEARCH_AHEAD * scale[:, None] * direction
    side = SEARCH_SIDE * scale
    return np.stack([centre[:, 0] / size[0], centre[:, 1] / size[1], side / size[0],
                     side / size[1], np.zeros(2)], axis=-1)


def _belongs(wrist_px, side, pose_landmarks, image_size):
    # wrist_px: (N, 2) candidate wrists for ``side``: within reach of this side's pose
    # wrist and nearer to it than to the other side's.
    pose = np.asarray(pose_landmarks, dtype=np.float64)
    wrists = _px(pose[POSE_HAND_INDICES[:, 0]], image_size)
    scale = arm_scale(pose, image_size)[side]
    own = np.linalg.norm(wrist_px - wrists[side], axis=-1)
    other = np.linalg.norm(wrist_px - wrists[1 - side], axis=-1)
    return (own <= MAX_WRIST_DISTANCE * scale) & (own < other), scale


def pick_palm(keypoints, scores, side, pose_landmarks, image_size, taken=None):
    """Index of the palm detection that is this side's hand, or None.

    keypoints: (M, 7, 2) image-normalised (``palm.detect``); scores: (M,); taken: the
    other side's hand landmarks (21, >=2) if it has one. Among palms whose wrist keypoint
    ``_belongs`` to the side and that do not lie on ``taken``, the highest scoring."""
    if len(scores) == 0:
        return None
    ok, _ = _belongs(_px(keypoints[:, 0], image_size), side, pose_landmarks, image_size)
    if taken is not None:
        hand = _px(taken, image_size)
        palm = float(np.linalg.norm(hand[9] - hand[0]))
        centre = _px(keypoints[:, MIDDLE_KNUCKLE], image_size)
        ok &= np.linalg.norm(centre - hand[9], axis=-1) > palm / 2.0
    if not ok.any():
        return None
    return int(np.flatnonzero(ok)[np.argmax(np.asarray(scores)[ok])])


def agrees_with_pose(hand_landmarks, side, pose_landmarks, image_size):
    """Whether hand landmarks (21, >=2) image-normalised can be ``side``'s hand of this
    pose: wrist within reach of the pose wrist and nearer to it than to the other one,
    palm length (wrist -> middle MCP) within PALM_LENGTH_RANGE of the arm scale."""
    hand = _px(hand_landmarks, image_size)
    ok, scale = _belongs(hand[None, 0], side, pose_landmarks, image_size)
    palm = float(np.linalg.norm(hand[9] - hand[0]))
    lo, hi = PALM_LENGTH_RANGE
    return bool(ok[0]) and lo * scale <= palm <= hi * scale


def same_hand(a, b, image_size):
    """Whether two hands' landmarks (21, >=2) image-normalised lie on one physical hand:
    their mean point distance is under a third of ``a``'s palm length."""
    pa, pb = _px(a, image_size), _px(b, image_size)
    palm = float(np.linalg.norm(pa[9] - pa[0]))
    return float(np.mean(np.linalg.norm(pa - pb, axis=-1))) < palm / 3.0
