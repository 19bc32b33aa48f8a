"""Temporal smoothing: MediaPipe's One Euro and low-pass filters, vectorised.

Every filter holds the state of a whole array (all landmarks, all axes) and is fed one
array per frame with a shared timestamp in seconds. Semantics follow MediaPipe:

- mediapipe/util/filtering/low_pass_filter.cc: exponential smoothing whose first sample
  passes through unchanged.
- mediapipe/util/filtering/one_euro_filter.cc: the sampling frequency is re-estimated
  from every timestamp difference; the derivative is ``(value - last_raw) * value_scale *
  frequency``; a timestamp that does not increase returns the input untouched and leaves
  the state as it was.
- mediapipe/calculators/util/landmarks_smoothing_calculator{,_utils}.cc: normalised
  landmarks are filtered in pixels (x * width, y * height, z * width); the value scale is
  1 / object scale, where the object scale is the mean of the width and height of the
  object's ROI in pixels when one is given (OBJECT_SCALE_ROI) and of the landmarks'
  axis-aligned bounding box otherwise; below ``min_allowed_object_scale`` the landmarks
  pass through unfiltered; ``disable_value_scaling`` uses a value scale of 1.
- mediapipe/calculators/util/visibility_smoothing_calculator.cc: visibility only (not
  presence) goes through a low-pass filter.

A frame without landmarks (object lost) resets the filters in MediaPipe: call
``reset()`` then. A long gap between two frames needs no reset: the low frequency it
implies drives alpha towards 1, so the filter follows the new value.
"""

from __future__ import annotations

import math

import numpy as np

from .body_model.rotations import axis_angle_from_quaternion, quaternion_from_axis_angle
from .roi import HEIGHT, WIDTH, rect_from_alignment_points

# landmarks_smoothing_calculator.proto: OneEuroFilter.frequency default, used only until
# a second timestamp gives a measured frequency.
DEFAULT_FREQUENCY = 30.0
# landmarks_smoothing_calculator.proto: min_allowed_object_scale default.
MIN_ALLOWED_OBJECT_SCALE = 1e-6

# pose_landmark_filtering.pbtxt (the version with WORLD_LANDMARKS and OBJECT_SCALE_ROI).
POSE_LANDMARKS_FILTER = dict(min_cutoff=0.05, beta=80.0, derivate_cutoff=1.0)
POSE_AUX_LANDMARKS_FILTER = dict(min_cutoff=0.01, beta=10.0, derivate_cutoff=1.0)
POSE_WORLD_LANDMARKS_FILTER = dict(
    min_cutoff=0.1, beta=40.0, derivate_cutoff=1.0, disable_value_scaling=True
)
VISIBILITY_ALPHA = 0.1  # pose_landmark_filtering.pbtxt, low_pass_filter { alpha: 0.1 }
# pose_landmark_filtering.pbtxt: AlignmentPointsRectsCalculator on the auxiliary landmarks
# (rotation_vector_target_angle_degrees: 90) gives the ROI whose size is the object scale.
_AUX_ROI_TARGET_ANGLE = math.pi / 2.0


def one_euro_alpha(cutoff, frequency):
    """Smoothing factor of a first-order low-pass with ``cutoff`` Hz sampled at ``frequency``.

    cutoff: any shape, Hz (> 0); frequency: scalar Hz. Returns an array like ``cutoff``.
    """
    tau = 1.0 / (2.0 * math.pi * np.asarray(cutoff, dtype=np.float64))
    return 1.0 / (1.0 + tau * frequency)


class LowPassFilter:
    """Exponential smoothing of an array: ``out = alpha * x + (1 - alpha) * previous_out``.

    The first sample after construction or ``reset()`` is returned unchanged.
    """

    def __init__(self, alpha):
        self.alpha = alpha
        self.reset()

    def reset(self):
        self.last_raw = None
        self.last_value = None

    @property
    def initialized(self):
        return self.last_value is not None

    def apply(self, value, alpha=None):
        """value: any shape (fixed between resets). alpha: overrides ``self.alpha``, any
        shape broadcastable to value. Returns float64 array shaped like value."""
        value = np.array(value, dtype=np.float64)
        if alpha is None:
            alpha = self.alpha
        if self.last_value is None:
            result = value.copy()
        else:
            if value.shape != self.last_value.shape:
                raise ValueError(
                    f"shape changed from {self.last_value.shape} to {value.shape} without reset()"
                )
            result = alpha * value + (1.0 - alpha) * self.last_value
        self.last_raw = value
        self.last_value = result
        return result.copy()


class _OneEuroClock:
    """Parameters and timing shared by the scalar and quaternion One Euro filters.

    min_cutoff: Hz, smoothing at rest (lower = smoother, more lag).
    beta: speed coefficient (higher = less lag when moving).
    derivate_cutoff: Hz, cutoff of the low-pass on the derivative.
    frequency: Hz, assumed until two timestamps give a measured one.
    """

    def __init__(self, min_cutoff, beta, derivate_cutoff, frequency=DEFAULT_FREQUENCY):
        if min_cutoff <= 0 or derivate_cutoff <= 0 or frequency <= 0:
            raise ValueError("min_cutoff, derivate_cutoff and frequency must be > 0")
        self.min_cutoff = float(min_cutoff)
        self.beta = float(beta)
        self.derivate_cutoff = float(derivate_cutoff)
        self._initial_frequency = float(frequency)

    def _reset_clock(self):
        self.frequency = self._initial_frequency
        self._last_time = None

    def _tick(self, timestamp):
        """Measure the frequency from ``timestamp``. False for a timestamp that does not
        increase: MediaPipe passes such a sample through unfiltered, state untouched."""
        if self._last_time is not None:
            if timestamp <= self._last_time:
                return False
            self.frequency = 1.0 / (timestamp - self._last_time)
        self._last_time = timestamp
        return True


class OneEuroFilter(_OneEuroClock):
    """One Euro filter (Casiez et al. 2012) over an array of any shape, MediaPipe style
    (parameters: see ``_OneEuroClock``)."""

    def __init__(self, min_cutoff, beta, derivate_cutoff, frequency=DEFAULT_FREQUENCY):
        super().__init__(min_cutoff, beta, derivate_cutoff, frequency)
        self._x = LowPassFilter(1.0)
        self._dx = LowPassFilter(1.0)
        self.reset()

    def reset(self):
        self._reset_clock()
        self._x.reset()
        self._dx.reset()

    def apply(self, value, timestamp, value_scale=1.0):
        """value: any shape (fixed between resets); timestamp: seconds; value_scale: scalar
        or broadcastable to value, multiplies the derivative (1 / object scale makes the
        filter scale invariant). Returns the filtered float64 array shaped like value."""
        value = np.array(value, dtype=np.float64)
        if not self._tick(timestamp):
            return value
        if self._x.initialized:
            derivative = (value - self._x.last_raw) * value_scale * self.frequency
        else:
            derivative = np.zeros_like(value)
        smoothed_derivative = self._dx.apply(
            derivative, one_euro_alpha(self.derivate_cutoff, self.frequency)
        )
        cutoff = self.min_cutoff + self.beta * np.abs(smoothed_derivative)
        return self._x.apply(value, one_euro_alpha(cutoff, self.frequency))


def bounding_box_object_scale(points):
    """Mean of the width and height of the axis-aligned bounding box.

    points: (..., N, >=2). Returns (...,). landmarks_smoothing_calculator_utils.cc,
    GetObjectScale(LandmarkList), the fallback when no ROI is given.
    """
    points = np.asarray(points, dtype=np.float64)
    extent = points[..., :2].max(axis=-2) - points[..., :2].min(axis=-2)
    return (extent[..., 0] + extent[..., 1]) / 2.0


def rect_object_scale(rect, image_size):
    """Mean of a NormalizedRect's width and height in pixels.

    rect: (..., 5); image_size: (width, height). Returns (...,).
    landmarks_smoothing_calculator_utils.cc, GetObjectScale(NormalizedRect, ...).
    """
    rect = np.asarray(rect, dtype=np.float64)
    width, height = float(image_size[0]), float(image_size[1])
    return (rect[..., WIDTH] * width + rect[..., HEIGHT] * height) / 2.0


class LandmarksOneEuroFilter:
    """LandmarksSmoothingCalculator with a ``one_euro_filter`` on one landmark list.

    Filters x, y, z of (N, C>=3) landmarks; other columns (visibility, presence) are
    copied from the input.
    """

    def __init__(
        self,
        min_cutoff,
        beta,
        derivate_cutoff,
        disable_value_scaling=False,
        frequency=DEFAULT_FREQUENCY,
        min_allowed_object_scale=MIN_ALLOWED_OBJECT_SCALE,
    ):
        self._filter = OneEuroFilter(min_cutoff, beta, derivate_cutoff, frequency)
        self.disable_value_scaling = disable_value_scaling
        self.min_allowed_object_scale = min_allowed_object_scale

    def reset(self):
        self._filter.reset()

    def apply(self, landmarks, timestamp, image_size=None, object_scale=None):
        """landmarks: (N, C>=3). With ``image_size`` (width, height) they are image-normalised
        and filtered in pixels; without it they are filtered in their own units (world
        landmarks). object_scale: in those filtering units (pixels when normalised), e.g.
        ``rect_object_scale(roi, image_size)``; None uses the landmarks' bounding box.
        Returns (N, C) float64."""
        landmarks = np.array(landmarks, dtype=np.float64)
        if image_size is None:
            to_units = np.ones(3)
        else:
            width, height = float(image_size[0]), float(image_size[1])
            # landmarks_smoothing_calculator_utils.cc: z is scaled like x, by the width.
            to_units = np.array([width, height, width])
        xyz = landmarks[:, :3] * to_units
        value_scale = 1.0
        if not self.disable_value_scaling:
            if object_scale is None:
                object_scale = bounding_box_object_scale(xyz)
            if object_scale < self.min_allowed_object_scale:
                return landmarks
            value_scale = 1.0 / object_scale
        landmarks[:, :3] = self._filter.apply(xyz, timestamp, value_scale) / to_units
        return landmarks


def _smooth_visibility(lowpass, landmarks):
    # visibility_smoothing_calculator.cc: only the visibility column is filtered.
    out = np.array(landmarks, dtype=np.float64)
    if out.shape[-1] > 3:
        out[:, 3] = lowpass.apply(out[:, 3])
    return out


class PoseLandmarksSmoother:
    """The PoseLandmarkFiltering subgraph (pose_landmark_filtering.pbtxt).

    - landmarks: One Euro (min_cutoff 0.05, beta 80, derivate_cutoff 1) in pixels,
      object scale from the ROI of the auxiliary landmarks;
    - auxiliary landmarks: One Euro (0.01, 10, 1), same object scale;
    - world landmarks: One Euro (0.1, 40, 1), no value scaling (metres do not depend on
      how large the person appears);
    - visibility of all three: low-pass with alpha 0.1.
    The object-scale ROI is built from the *unfiltered* auxiliary landmarks, as in the graph.
    """

    def __init__(self):
        self._landmarks = LandmarksOneEuroFilter(**POSE_LANDMARKS_FILTER)
        self._aux = LandmarksOneEuroFilter(**POSE_AUX_LANDMARKS_FILTER)
        self._world = LandmarksOneEuroFilter(**POSE_WORLD_LANDMARKS_FILTER)
        self._visibility = LowPassFilter(VISIBILITY_ALPHA)
        self._aux_visibility = LowPassFilter(VISIBILITY_ALPHA)
        self._world_visibility = LowPassFilter(VISIBILITY_ALPHA)

    def reset(self):
        """Forget all history: call when a frame has no pose."""
        for f in (
            self._landmarks,
            self._aux,
            self._world,
            self._visibility,
            self._aux_visibility,
            self._world_visibility,
        ):
            f.reset()

    def apply(self, landmarks, aux_landmarks, world_landmarks, timestamp, image_size):
        """landmarks: (33, C>=3) image-normalised; aux_landmarks: (2, C>=3) image-normalised
        ROI points (centre, scale point); world_landmarks: (33, C>=3) metres;
        timestamp: seconds; image_size: (width, height).
        Returns (landmarks, aux_landmarks, world_landmarks) filtered, float64, same shapes."""
        aux_landmarks = np.asarray(aux_landmarks, dtype=np.float64)
        roi = rect_from_alignment_points(
            aux_landmarks[0, :2], aux_landmarks[1, :2], image_size, _AUX_ROI_TARGET_ANGLE
        )
        scale = float(rect_object_scale(roi, image_size))
        landmarks = _smooth_visibility(self._visibility, landmarks)
        landmarks = self._landmarks.apply(landmarks, timestamp, image_size, scale)
        aux = _smooth_visibility(self._aux_visibility, aux_landmarks)
        aux = self._aux.apply(aux, timestamp, image_size, scale)
        world = _smooth_visibility(self._world_visibility, world_landmarks)
        world = self._world.apply(world, timestamp)
        return landmarks, aux, world


# Unit quaternions are stored scalar-last, (x, y, z, w), like scipy and three.js.


def _quat_mul(a, b):
    ax, ay, az, aw = (a[..., i] for i in range(4))
    bx, by, bz, bw = (b[..., i] for i in range(4))
    return np.stack(
        [
            aw * bx + ax * bw + ay * bz - az * by,
            aw * by - ax * bz + ay * bw + az * bx,
            aw * bz + ax * by - ay * bx + az * bw,
            aw * bw - ax * bx - ay * by - az * bz,
        ],
        axis=-1,
    )


def _quat_conj(q):
    return q * np.array([-1.0, -1.0, -1.0, 1.0])


def _quat_normalize(q):
    return q / np.linalg.norm(q, axis=-1, keepdims=True)


class QuaternionOneEuroFilter(_OneEuroClock):
    """One Euro filter on unit quaternions (..., 4) = (x, y, z, w), for joint rotations.

    The derivative is the angular velocity (rad/s) between consecutive raw inputs; the
    cutoff grows with its smoothed magnitude like the scalar filter's; the output moves
    from the previous output towards the input by the fraction alpha along the shortest
    arc (slerp). q and -q are the same rotation, so sign flips in the input change
    nothing; outputs keep unit norm and stay on the previous output's side (continuous
    sign). No value scaling: angles do not depend on the object's size.
    """

    def __init__(self, min_cutoff, beta, derivate_cutoff, frequency=DEFAULT_FREQUENCY):
        super().__init__(min_cutoff, beta, derivate_cutoff, frequency)
        self._velocity = LowPassFilter(1.0)
        self.reset()

    def reset(self):
        self._reset_clock()
        self._last_raw = None
        self._last_value = None
        self._velocity.reset()

    def apply(self, quaternions, timestamp):
        """quaternions: (..., 4) (x, y, z, w), need not be normalised or sign-consistent;
        timestamp: seconds. Returns (..., 4) float64 unit quaternions."""
        q = _quat_normalize(np.array(quaternions, dtype=np.float64))
        if not self._tick(timestamp):
            return q
        if self._last_value is None:
            self._velocity.apply(np.zeros(q.shape[:-1] + (3,)))
            self._last_raw = q
            self._last_value = q
            return q.copy()
        if q.shape != self._last_value.shape:
            raise ValueError(
                f"shape changed from {self._last_value.shape} to {q.shape} without reset()"
            )
        velocity = axis_angle_from_quaternion(_quat_mul(_quat_conj(self._last_raw), q))
        velocity = velocity * self.frequency
        smoothed = self._velocity.apply(
            velocity, one_euro_alpha(self.derivate_cutoff, self.frequency)
        )
        cutoff = self.min_cutoff + self.beta * np.linalg.norm(smoothed, axis=-1, keepdims=True)
        alpha = one_euro_alpha(cutoff, self.frequency)
        step = axis_angle_from_quaternion(_quat_mul(_quat_conj(self._last_value), q)) * alpha
        out = _quat_normalize(_quat_mul(self._last_value, quaternion_from_axis_angle(step)))
        self._last_raw = q
        self._last_value = out
        return out.copy()
