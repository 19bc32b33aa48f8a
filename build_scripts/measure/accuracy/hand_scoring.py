"""Hand scores: COCO-WholeBody hands of the matched person, and a FreiHAND model check.

COCO-WholeBody: for every hand the matched person's annotation marks valid
(``*hand_valid``), the hand is *found* when the tracker returns the hand of the same side
(Holistic names hands by the pose wrist that seeded them, pose 15 = the person's left;
COCO-WholeBody's ``lefthand_kpts`` is also the person's left). Found hands are scored by
PCK@0.2 of the hand box size (``metrics.hand_box_size``) over the annotated (v > 0)
hand keypoints. The same is computed against the other side's prediction as a
diagnostic: if sides were swapped somewhere, the swapped score would be the higher one.

FreiHAND crops hold a hand and no body, so the body-seeded pipeline cannot find them; the
tracker is still run on them and whatever it returns is reported. As a model-level check
the hand landmark model is run on each crop through the same engine and decoding as the
pipeline, in two ROIs: the identity ROI (whole crop, unrotated) and the ROI the tracker
would use after a perfect previous frame (``hands.hand_landmarks_to_rect`` of the
annotated keypoints: rotation wrist -> middle knuckles, 2x the palm box). The second
leaks the annotation's position and scale into the crop, so it measures the landmark
model and our crop/decode/projection, not hand finding. The same annotation-ROI check
runs on every valid COCO-WholeBody hand (all people, not only matched ones), to tell
"the pipeline's hand ROI is wrong" apart from "the model cannot see these hands".
"""

from __future__ import annotations

import numpy as np

from blazepose_holistic import hands, roi
from blazepose_holistic.pipeline import HAND_LANDMARK, Inference

from .datasets import load_rgb
from .metrics import hand_box_size, normalised_errors, pck_hits

SIDES = ("left", "right")


def _hand_px(result, side: str, size) -> np.ndarray | None:
    lm = getattr(result, f"{side}_hand_landmarks")
    return None if lm is None else np.asarray(lm)[:, :2] * np.asarray(size, float)


def _score(pred_px, gt) -> tuple:
    annotated = gt[:, 2] > 0
    scale = hand_box_size(gt[:, :2], annotated)
    hits = pck_hits(normalised_errors(pred_px, gt[:, :2], scale), annotated)
    return int(hits.sum()), int(annotated.sum())


def new_tally() -> dict:
    return {"annotated_hands": 0, "found": 0, "hits": 0, "keypoints": 0,
            "swapped_found": 0, "swapped_hits": 0, "swapped_keypoints": 0,
            "returned_unannotated": 0, "wrist_not_visible": 0}


def tally_wholebody(tally: dict, result, person, size) -> list:
    """Add the matched ``person``'s valid hands to ``tally``; returns per-hand records."""
    records = []
    for side in SIDES:
        gt = person.hands.get(side)
        if gt is None:
            # A hand we return where the annotation has none cannot be checked; count it.
            tally["returned_unannotated"] += _hand_px(result, side, size) is not None
            continue
        other = SIDES[1 - SIDES.index(side)]
        record = {"side": side, "found": False, "pck": None, "swapped_pck": None}
        tally["annotated_hands"] += 1
        # Holistic skips a hand whose pose wrist is not visible; count those apart.
        wrist = hands.POSE_WRISTS[SIDES.index(side)]
        skipped = not float(result.pose_landmarks[wrist, 3]) > hands.WRIST_VISIBILITY_THRESHOLD
        tally["wrist_not_visible"] += skipped
        record["wrist_not_visible"] = skipped
        record["pck"] = _count(tally, "", _hand_px(result, side, size), gt)
        record["found"] = record["pck"] is not None
        # The other side scored against this annotation tells a side swap from a miss.
        record["swapped_pck"] = _count(tally, "swapped_", _hand_px(result, other, size), gt)
        records.append(record)
    return records


def _count(tally: dict, prefix: str, pred, gt):
    """Add one predicted hand's hits to the ``prefix``ed counters; its PCK, or None."""
    if pred is None:
        return None
    hits, n = _score(pred, gt)
    tally[prefix + "found"] += 1
    tally[prefix + "hits"] += hits
    tally[prefix + "keypoints"] += n
    return hits / n


def summarise(tally: dict) -> dict:
    def ratio(a, b):
        return None if b == 0 else a / b

    return {
        "annotated_hands": tally["annotated_hands"],
        "found": tally["found"],
        "found_fraction": ratio(tally["found"], tally["annotated_hands"]),
        "pck@0.2": ratio(tally["hits"], tally["keypoints"]),
        "keypoints_scored": tally["keypoints"],
        "wrist_not_visible": tally["wrist_not_visible"],
        "returned_without_valid_annotation": tally["returned_unannotated"],
        "swapped_side": {
            "found": tally["swapped_found"],
            "pck@0.2": ratio(tally["swapped_hits"], tally["swapped_keypoints"]),
        },
    }


def freihand_hands(samples) -> list:
    """FreiHAND samples -> [(image path, (w, h), (21, 3) [x, y, v] pixels)]."""
    return [(s.image, (s.width, s.height),
             np.concatenate([s.people[0].keypoints,
                             s.people[0].annotated[:, None].astype(float)], axis=1))
            for s in samples]


def freihand_pipeline(tracker, samples) -> dict:
    """Run the whole tracker on the crops; count poses and hands it returns, score hands
    (either side against the one annotated hand)."""
    poses = found = hits = n = 0
    for path, size, gt in freihand_hands(samples):
        result = tracker.process(load_rgb(path))
        poses += result.pose_landmarks is not None
        for side in SIDES:
            pred = _hand_px(result, side, size)
            if pred is not None:
                h, k = _score(pred, gt)
                found, hits, n = found + 1, hits + h, n + k
    return {"images": len(samples), "poses_found": poses, "hands_found": found,
            "pck@0.2": None if n == 0 else hits / n}


def wholebody_hands(samples) -> list:
    """Every valid annotated hand of every person in COCO samples, same form."""
    return [(s.image, (s.width, s.height), gt)
            for s in samples for p in s.people for gt in p.hands.values()]


def model_check(engine, hand_list, roi_kind: str) -> dict:
    """hand_landmark_full on each hand of ``hand_list`` (see ``freihand_hands``) in the
    ``roi_kind`` ROI: "identity" (the whole image, unrotated) or "annotation" (see module
    doc). PCK@0.2 of the hand box over every hand (the flag does not drop any), the
    number whose hand flag passes the pipeline's 0.5, and the median hand box size."""
    present = hits = n = 0
    sizes = []
    for path, size, gt in hand_list:
        annotated = gt[:, 2] > 0
        sizes.append(hand_box_size(gt[:, :2], annotated))
        if roi_kind == "identity":
            rect = np.array([0.5, 0.5, 1.0, 1.0, 0.0])
        else:
            rect = hands.hand_landmarks_to_rect(gt[:, :2] / np.asarray(size, float), size)
        matrix = roi.crop_matrix(rect[None], size, (hands.LANDMARK_INPUT_SIZE,) * 2)
        out = engine.run(Inference(HAND_LANDMARK, {"matrix": matrix.astype(np.float32)}),
                         load_rgb(path))
        crop = hands.decode_hand_landmarks(np.asarray(out["landmarks"]).reshape(1, 63))
        pred = roi.project_landmarks(crop, rect[None], size)[0, :, :2] * np.asarray(size, float)
        h, k = _score(pred, gt)
        hits, n = hits + h, n + k
        present += bool(hands.hand_present(np.asarray(out["hand_flag"]).reshape(-1)[0]))
    return {"roi": roi_kind, "hands": len(hand_list), "hand_flag_passed": present,
            "pck@0.2": hits / n if n else None,
            "median_hand_box_px": float(np.median(sizes)) if sizes else None}
