"""The contract both runtimes share: options, models, result fields. One home for each rule.

Python reads this module directly; JavaScript gets ``web/src/generated/contract.js``, written
from it by ``build_scripts/bundle/contract_js.py`` (a test fails when that file is stale), so
the worker and the page API never retype a name, a default, a range or a model choice.

- ``Options``: MediaPipe Holistic's option names (snake_case here, camelCase in JS), their
  defaults, ranges and documentation; ``Options.validate`` is the only validation.
- ``OPTION_ALIASES``: MediaPipe Tasks' names for the same options (``runningMode``, ...),
  resolved by ``resolve_aliases`` here and by its twin in the page API.
- ``MODEL_SPECS``: every model the pipeline can request: its crop (input size, value range,
  border), its outputs. The model build writes them into models/manifest.json and the
  drivers check each loaded model against them; the pipeline takes input sizes from here.
- ``models_for``: which models a set of options needs, in request order.
- ``RESULT_FIELDS``: the per-frame result fields, their shapes and JS names.

Only Python 3.8 / numpy 1.17 features: the browser runs this in Pyodide 0.17.
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any

COMPLEXITIES = ("lite", "full", "heavy")


class PipelineError(ValueError):
    """A request the pipeline cannot honour (bad options, bad model outputs)."""


def _option(js: str, doc: str, *, choices=None, lo=None, hi=None) -> dict:
    return {"js": js, "doc": doc, "choices": choices, "range": None if lo is None else (lo, hi)}


def _field(default, js: str, doc: str, **limits):
    return field(default=default, metadata=_option(js, doc, **limits))


@dataclass
class Options:
    """Named like MediaPipe's Holistic solution options (see ``OPTION_SPECS`` for docs)."""

    model_complexity: int = _field(
        1, "modelComplexity", "pose landmark model: 0 lite, 1 full, 2 heavy", choices=(0, 1, 2))
    smooth_landmarks: bool = _field(
        True, "smoothLandmarks", "One Euro smoothing across frames (video mode)")
    enable_segmentation: bool = _field(
        False, "enableSegmentation",
        "also return the person mask (model variant with the segmentation head)")
    smooth_segmentation: bool = _field(
        True, "smoothSegmentation", "blend the mask with the previous frame's (video mode)")
    min_detection_confidence: float = _field(
        0.5, "minDetectionConfidence", "pose detector score threshold", lo=0.0, hi=1.0)
    min_tracking_confidence: float = _field(
        0.5, "minTrackingConfidence",
        "pose presence below this drops the pose; the next frame re-detects", lo=0.0, hi=1.0)
    static_image_mode: bool = _field(
        False, "staticImageMode", "detect on every frame, no tracking, no smoothing")
    enable_hands: bool = _field(True, "enableHands", "run the hand stage")
    enable_hand_recovery: bool = _field(
        False, "enableHandRecovery",
        "when the pose-seeded hand is not found at a visible wrist, look for it with the palm "
        "detector around that wrist, and keep tracking a hand from its own landmarks while "
        "it stays at the pose's wrist (needs enable_hands; adds the palm detector model)")
    enable_body_model: bool = _field(True, "enableBodyModel", "run the lifter")
    smooth_body_model: bool = _field(
        True, "smoothBodyModel", "One Euro (on the rotation manifold) for joint rotations")
    mirrored: bool = _field(
        False, "mirrored",
        "frames are mirrored (a selfie recording): left/right and the world landmarks "
        "describe the person, not their mirror image")

    def validate(self) -> None:
        for spec in OPTION_SPECS:
            spec.check(getattr(self, spec.name))

    @classmethod
    def from_mapping(cls, values: dict) -> Options:
        """Options from snake_case names or their MediaPipe Tasks aliases, refusing unknown
        ones and an alias that disagrees with its option; validated."""
        known = OPTION_NAMES + tuple(a.name for a in OPTION_ALIASES)
        unknown = sorted(set(values) - set(known))
        if unknown:
            raise PipelineError(
                f"unknown option(s): {', '.join(unknown)}; known: {', '.join(known)}")
        options = cls(**resolve_aliases(values))
        options.validate()
        return options

    @property
    def pose_landmark_model(self) -> str:
        name = "pose_landmark_" + COMPLEXITIES[self.model_complexity]
        return name + "_seg" if self.enable_segmentation else name

    def models(self) -> list:
        """The models a pipeline with these options requests, in request order."""
        names = [POSE_DETECTOR, self.pose_landmark_model]
        if self.enable_hands:
            names += [HAND_RECROP, HAND_LANDMARK]
            if self.enable_hand_recovery:
                names.append(PALM_DETECTOR)
        if self.enable_body_model:
            names.append(LIFTER)
        return names


@dataclass(frozen=True)
class OptionSpec:
    name: str
    js_name: str
    kind: str  # "bool" | "int" | "float"
    default: Any
    doc: str
    choices: tuple | None = None
    range: tuple | None = None

    def check(self, value) -> None:
        if self.kind == "bool":
            if not isinstance(value, bool):
                raise PipelineError(f"{self.name} must be true or false, not {value!r}")
        elif self.choices is not None:
            if isinstance(value, bool) or value not in self.choices:
                allowed = ", ".join(str(c) for c in self.choices[:-1])
                raise PipelineError(
                    f"{self.name} must be {allowed} or {self.choices[-1]}, not {value!r}")
        elif self.range is not None:
            lo, hi = self.range
            if isinstance(value, bool) or not isinstance(value, (int, float)) \
                    or not lo <= value <= hi:  # also refuses NaN
                raise PipelineError(f"{self.name} must be a number in [{lo:g}, {hi:g}], not {value!r}")


_KINDS = {"bool": "bool", "int": "int", "float": "float"}
OPTION_SPECS = tuple(
    OptionSpec(f.name, f.metadata["js"], _KINDS[str(f.type)], f.default, f.metadata["doc"],
               f.metadata["choices"], f.metadata["range"])
    for f in dataclasses.fields(Options)
)
OPTION_NAMES = tuple(s.name for s in OPTION_SPECS)


@dataclass(frozen=True)
class OptionAlias:
    """Another name for an option: MediaPipe Tasks' (PoseLandmarker, HolisticLandmarker), so
    that moving from Tasks is a rename. ``values``: ((alias value, option value), ...) when
    the alias speaks in other values (runningMode's "IMAGE"), else None (the same value).
    Tasks' ``minTrackingConfidence`` is already our name and needs no alias."""

    name: str
    js_name: str
    option: str
    doc: str
    values: tuple | None = None

    def translate(self, value):
        if self.values is None:
            return value
        import enum

        # MediaPipe's Python API passes an enum (VisionTaskRunningMode.IMAGE), JS a string.
        key = value.name if isinstance(value, enum.Enum) else value
        for alias_value, option_value in self.values:
            if isinstance(key, str) and key == alias_value:
                return option_value
        allowed = " or ".join(repr(v) for v, _ in self.values)
        raise PipelineError(f"{self.name} must be {allowed}, not {value!r}")


OPTION_ALIASES = (
    OptionAlias("min_pose_detection_confidence", "minPoseDetectionConfidence",
                "min_detection_confidence", "MediaPipe Tasks' name for the detector threshold"),
    OptionAlias("min_pose_presence_confidence", "minPosePresenceConfidence",
                "min_tracking_confidence",
                "MediaPipe Tasks' name for the pose presence threshold that triggers re-detection"),
    OptionAlias("running_mode", "runningMode", "static_image_mode",
                "MediaPipe Tasks' mode: IMAGE detects on every frame, VIDEO tracks",
                (("IMAGE", True), ("VIDEO", False))),
    OptionAlias("output_segmentation_masks", "outputSegmentationMasks", "enable_segmentation",
                "PoseLandmarker's name for enabling the person mask"),
    OptionAlias("output_pose_segmentation_masks", "outputPoseSegmentationMasks",
                "enable_segmentation", "HolisticLandmarker's name for enabling the person mask"),
)


def _same(a, b) -> bool:
    # True == 1 in Python, but true and 1 are not the same option value.
    return isinstance(a, bool) == isinstance(b, bool) and a == b


def resolve_aliases(values: dict) -> dict:
    """snake_case options with aliases replaced by the options they name; an alias and its
    option (or two aliases of one option) given different values is an error, not a guess.
    The page API does the same from the generated OPTION_ALIASES."""
    resolved = {k: v for k, v in values.items() if k in OPTION_NAMES}
    given_by = {k: k for k in resolved}
    for alias in OPTION_ALIASES:
        if alias.name not in values:
            continue
        value = alias.translate(values[alias.name])
        if alias.option in resolved and not _same(resolved[alias.option], value):
            other = given_by[alias.option]
            raise PipelineError(
                f"{alias.name}={values[alias.name]!r} and {other}={values[other]!r} both set "
                f"{alias.option} and disagree; give one of them")
        resolved[alias.option] = value
        given_by.setdefault(alias.option, alias.name)
    return resolved


# ------------------------------------------------------------------------------- models
POSE_DETECTOR = "pose_detector"
HAND_RECROP = "hand_recrop"
HAND_LANDMARK = "hand_landmark_full"
PALM_DETECTOR = "palm_detection_full"
LIFTER = "lifter"


@dataclass(frozen=True)
class ModelSpec:
    """A converted MediaPipe model as the pipeline uses it.

    source: the TFLite model in @mediapipe/holistic; input_size: the square crop (pixels);
    value_range: the crop's pixel values; border: how pixels outside the frame are filled;
    outputs: output names, in order; batch: several crops per run (both hands at once).
    The crop values come from each model's ImageToTensorCalculator in MediaPipe's graphs.
    """

    source: str
    input_size: int
    value_range: tuple
    border: str
    outputs: tuple
    batch: bool = False


# What every pose landmark model emits; the variants without "_seg" drop the segmentation.
POSE_LANDMARK_OUTPUTS = ("landmarks", "pose_flag", "segmentation", "heatmap", "world_landmarks")
MODEL_SPECS = {
    POSE_DETECTOR: ModelSpec("pose_detection", 224, (-1.0, 1.0), "zero",  # pose_detection_cpu
                             ("boxes", "scores")),
    **{
        f"pose_landmark_{c}{suffix}": ModelSpec(  # pose_landmark_by_roi_cpu.pbtxt
            f"pose_landmark_{c}", 256, (0.0, 1.0), "replicate",
            POSE_LANDMARK_OUTPUTS if suffix
            else tuple(o for o in POSE_LANDMARK_OUTPUTS if o != "segmentation"))
        for c in COMPLEXITIES
        for suffix in ("", "_seg")
    },
    HAND_RECROP: ModelSpec("hand_recrop", 256, (0.0, 1.0), "replicate",  # hand_recrop_by_roi_cpu
                           ("recrop",), batch=True),
    HAND_LANDMARK: ModelSpec("hand_landmark_full", 224, (0.0, 1.0), "replicate",  # hand_landmark_cpu
                             ("landmarks", "hand_flag", "handedness", "world_landmarks"),
                             batch=True),
    PALM_DETECTOR: ModelSpec("palm_detection_full", 192, (0.0, 1.0), "zero",  # palm_detection_cpu
                             ("boxes", "scores"), batch=True),
}


def input_size(model: str) -> int:
    return MODEL_SPECS[model].input_size


def check_manifest_entry(name: str, entry: dict) -> None:
    """A manifest entry must describe the model this contract expects (crop and outputs);
    drivers call this before using a model, so a manifest from another build fails by name."""
    spec = MODEL_SPECS.get(name)
    if spec is None:
        return  # our own models (the lifter) carry no crop
    crop = entry.get("crop") or {}
    outputs = tuple(o["name"] for o in entry.get("outputs", ()))
    want = (spec.input_size, list(spec.value_range), spec.border, spec.outputs)
    got = (crop.get("size"), crop.get("value_range"), crop.get("border"), outputs)
    if want != got:
        raise PipelineError(
            f"model {name!r}: the manifest describes crop size/range/border and outputs {got}, "
            f"the pipeline expects {want}; rebuild the models (./run models)")


# The options that decide which models are needed; every other option is model-free.
MODEL_OPTIONS = ("model_complexity", "enable_segmentation", "enable_hands",
                 "enable_hand_recovery", "enable_body_model")


def model_choices() -> list:
    """[(values of MODEL_OPTIONS, models)] for every combination: the table the JS side
    and the bundle read, so neither restates the rule in ``Options.models``."""
    import itertools

    table = []
    values = [next(s for s in OPTION_SPECS if s.name == n) for n in MODEL_OPTIONS]
    domains = [s.choices if s.choices is not None else (False, True) for s in values]
    for combo in itertools.product(*domains):
        options = Options(**dict(zip(MODEL_OPTIONS, combo)))
        table.append((combo, options.models()))
    return table


def possible_models() -> list:
    """Every model some combination of options requests, in first-request order."""
    seen: list = []
    for _combo, models in model_choices():
        seen += [m for m in models if m not in seen]
    return seen


# ------------------------------------------------------------------------------- results
@dataclass(frozen=True)
class ResultField:
    """One per-frame result field. kind: "landmarks" (rows of ``keys``), "rect" (xCenter,
    yCenter, width, height, rotation), "detection", "mask", "body_model"."""

    name: str
    js_name: str
    kind: str
    shape: str
    keys: tuple = ()
    doc: str = ""


_XYZVP = ("x", "y", "z", "visibility", "presence")
_XYZ = ("x", "y", "z")
RESULT_FIELDS = (
    ResultField("pose_landmarks", "poseLandmarks", "landmarks", "(33, 5)", _XYZVP,
                "x, y normalised to the image; z in x's scale, hip midpoint near 0"),
    ResultField("pose_world_landmarks", "poseWorldLandmarks", "landmarks", "(33, 5)", _XYZVP,
                "metres, origin between the hips, y down; visibility and presence are "
                "the image landmarks' (as MediaPipe's)"),
    ResultField("pose_roi", "poseRoi", "rect", "(5,)", (),
                "the rect the pose landmark model looked at [xc, yc, w, h, rotation]"),
    ResultField("pose_detection", "poseDetection", "detection", "", (),
                "the detector's box, keypoints and score on frames where it ran"),
    ResultField("segmentation_mask", "segmentationMask", "mask", "(h, w)", (),
                "person probability aligned with the frame, at most 512 px on its long side"),
    ResultField("left_hand_landmarks", "leftHandLandmarks", "landmarks", "(21, 3)", _XYZ,
                "the person's left hand, normalised like pose_landmarks"),
    ResultField("right_hand_landmarks", "rightHandLandmarks", "landmarks", "(21, 3)", _XYZ,
                "the person's right hand"),
    ResultField("left_hand_world_landmarks", "leftHandWorldLandmarks", "landmarks", "(21, 3)",
                _XYZ, "metres in the body's world frame, attached at the pose wrist"),
    ResultField("right_hand_world_landmarks", "rightHandWorldLandmarks", "landmarks",
                "(21, 3)", _XYZ, "metres in the body's world frame, attached at the pose wrist"),
    ResultField("left_hand_roi", "leftHandRoi", "rect", "(5,)", (),
                "the rect the hand landmark model looked at"),
    ResultField("right_hand_roi", "rightHandRoi", "rect", "(5,)", ()),
    ResultField("body_model", "bodyModel", "body_model", "", (),
                "joint rotations, shape and root of the body model (the lifter's output)"),
)
RESULT_FIELD_NAMES = tuple(f.name for f in RESULT_FIELDS)
# The body model's arrays, in the order the bridge sends them.
BODY_MODEL_ARRAYS = ("beta", "root_rotation", "root_translation", "joint_rotations", "landmarks")
