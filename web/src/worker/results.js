// Turns the Python side's flat result fields into the public result object: camelCase
// names and landmark objects shaped like MediaPipe's JavaScript solutions.

const LANDMARK_KEYS = {
  pose_landmarks: ["x", "y", "z", "visibility", "presence"],
  pose_world_landmarks: ["x", "y", "z"],
  left_hand_landmarks: ["x", "y", "z"],
  right_hand_landmarks: ["x", "y", "z"],
  left_hand_world_landmarks: ["x", "y", "z"],
  right_hand_world_landmarks: ["x", "y", "z"],
};

function landmarks(data, shape, keys) {
  const [n, c] = shape;
  const out = new Array(n);
  for (let i = 0; i < n; i++) {
    const lm = {};
    for (let k = 0; k < keys.length && k < c; k++) lm[keys[k]] = data[i * c + k];
    out[i] = lm;
  }
  return out;
}

function rect(data) {
  return { xCenter: data[0], yCenter: data[1], width: data[2], height: data[3], rotation: data[4] };
}

function rows(data, shape) {
  const [n, c] = shape;
  const out = new Array(n);
  for (let i = 0; i < n; i++) out[i] = Array.prototype.slice.call(data, i * c, (i + 1) * c);
  return out;
}

const camel = (s) => s.replace(/_([a-z])/g, (_, c) => c.toUpperCase());

/**
 * fields: [[name, Float64Array|Float32Array, shape], ...] from bridge.pack_result.
 */
export function buildResult(fields, { width, height, timestampMs, jointNames }) {
  const f = new Map(fields.map(([name, data, shape]) => [name, { data, shape }]));
  const result = { imageSize: { width, height }, timestampMs };
  for (const [name, keys] of Object.entries(LANDMARK_KEYS)) {
    const v = f.get(name);
    if (v) result[camel(name)] = landmarks(v.data, v.shape, keys);
  }
  // MediaPipe's world landmarks carry the image landmarks' visibility.
  if (result.poseWorldLandmarks && result.poseLandmarks) {
    result.poseWorldLandmarks.forEach((lm, i) => (lm.visibility = result.poseLandmarks[i].visibility));
  }
  for (const name of ["pose_roi", "left_hand_roi", "right_hand_roi"]) {
    const v = f.get(name);
    if (v) result[camel(name)] = rect(v.data);
  }
  const score = f.get("pose_detection.score");
  if (score) {
    const box = f.get("pose_detection.box").data;
    const kps = f.get("pose_detection.keypoints");
    result.poseDetection = {
      score: score.data[0],
      box: { xMin: box[0], yMin: box[1], xMax: box[2], yMax: box[3] },
      keypoints: landmarks(kps.data, kps.shape, ["x", "y"]),
    };
  }
  const mask = f.get("segmentation_mask");
  if (mask) {
    // Person probability aligned with the whole frame, at most 512 px on its long side.
    result.segmentationMaskData = { width: mask.shape[1], height: mask.shape[0], data: mask.data };
  }
  const rot = f.get("body_model.joint_rotations");
  if (rot) {
    const lms = f.get("body_model.landmarks");
    result.bodyModel = {
      jointNames,
      jointRotations: rows(rot.data, rot.shape),
      rootRotation: Array.from(f.get("body_model.root_rotation").data),
      rootTranslation: Array.from(f.get("body_model.root_translation").data),
      beta: Array.from(f.get("body_model.beta").data),
      landmarks: landmarks(lms.data, lms.shape, ["x", "y", "z"]),
    };
  }
  return result;
}
