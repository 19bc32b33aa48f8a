"""Single-person matching: which annotated person the tracker's one pose stands for.

The tracker returns one person (the detector's best detection), so each image yields at
most one match. Agreement with an annotated person is the number of its scored joints
within PCK@0.2 of its own torso diameter; the person with the most such joints wins,
ties going to the smaller mean normalised error. A prediction that agrees with nobody
(zero joints within threshold) is left unmatched: it is then a pose on someone the
annotation does not cover, or a wrong pose, and scores nothing.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .metrics import normalised_errors, pck_hits
from .skeletons import Skeleton, torso_diameter


@dataclass
class Match:
    """The matched person and its per-joint scores. mask: (J,) joints that count
    (annotated and with a BlazePose counterpart); hits: (J,) within threshold;
    errors: (J,) distance / torso diameter."""

    person: object
    torso: float
    mask: np.ndarray
    hits: np.ndarray
    errors: np.ndarray


def score_person(pred: np.ndarray, person, skeleton: Skeleton) -> Match | None:
    """pred: (J, 2) pixels in the dataset's joint order (NaN rows are unscored joints).
    None when the person has no torso diameter (unscorable)."""
    torso = torso_diameter(person.keypoints, person.annotated, skeleton)
    if not np.isfinite(torso) or torso <= 0.0:
        return None
    mask = person.annotated & skeleton.scored()
    errors = normalised_errors(pred, person.keypoints, torso)
    return Match(person, torso, mask, pck_hits(errors, mask), errors)


def best_match(pred: np.ndarray, people, skeleton: Skeleton) -> Match | None:
    """The annotated person the prediction agrees with most, or None (see module doc)."""
    best, best_key = None, None
    for person in people:
        match = score_person(pred, person, skeleton)
        if match is None or not match.hits.any():
            continue
        key = (int(match.hits.sum()), -float(np.nanmean(match.errors[match.mask])))
        if best_key is None or key > best_key:
            best, best_key = match, key
    return best


def scorable(people, skeleton: Skeleton) -> int:
    """How many of ``people`` have a torso diameter and at least one scored joint."""
    count = 0
    for p in people:
        torso = torso_diameter(p.keypoints, p.annotated, skeleton)
        count += bool(np.isfinite(torso) and torso > 0 and (p.annotated & skeleton.scored()).any())
    return count
