// Turns the Python side's flat result fields into the public result object: camelCase
// names and landmark objects shaped like MediaPipe's JavaScript solutions. The fields, their
// JS names and landmark keys come from the Python contract (generated/contract.js).
import { RESULT_FIELDS } from "../generated/contract.js";

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

/**
 * fields: [[name, Float64Array|Float32Array, shape], ...] from bridge.pack_result.
 */
export function buildResult(fields, { width, height, timestampMs, jointNames }) {
  const f = new Map(fields.map(([name, data, shape]) => [name, { data, shape }]));
  const result = { imageSize: { width, height }, timestampMs };
  for (const spec of RESULT_FIELDS) {
    const v = f.get(spec.name);
    if (spec.kind === "landmarks" && v) result[spec.jsName] = landmarks(v.data, v.shape, spec.keys);
    else if (spec.kind === "rect" && v) result[spec.jsName] = rect(v.data);
    else if (spec.kind === "mask" && v) {
      // Person probability aligned with the whole frame, at most 512 px on its long side.
      result.segmentationMaskData = { width: v.shape[1], height: v.shape[0], data: v.data };
    } else if (spec.kind === "detection" && f.get("pose_detection.score")) {
      const kps = f.get("pose_detection.keypoints");
      const box = f.get("pose_detection.box").data;
      result[spec.jsName] = {
        score: f.get("pose_detection.score").data[0],
        box: { xMin: box[0], yMin: box[1], xMax: box[2], yMax: box[3] },
        keypoints: landmarks(kps.data, kps.shape, ["x", "y"]),
      };
    } else if (spec.kind === "body_model" && f.get("body_model.joint_rotations")) {
      result[spec.jsName] = bodyModel(f, jointNames);
    }
  }
  return result;
}

function bodyModel(f, jointNames) {
  const rot = f.get("body_model.joint_rotations");
  const lms = f.get("body_model.landmarks");
  return {
    jointNames,
    jointRotations: rows(rot.data, rot.shape),
    rootRotation: Array.from(f.get("body_model.root_rotation").data),
    rootTranslation: Array.from(f.get("body_model.root_translation").data),
    beta: Array.from(f.get("body_model.beta").data),
    landmarks: landmarks(lms.data, lms.shape, ["x", "y", "z"]),
  };
}
