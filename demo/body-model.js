// The body model on the page: its skeleton (from body_model.json, generated from
// py_src/blazepose_holistic/body_model by build_scripts/bundle/demo.py), forward kinematics,
// and the "pose" the avatar is driven by.
//
// A pose is {rotations, hips, source}: rotations[j] is joint j's LOCAL rotation relative to
// the T-pose rest pose, in its parent's frame (THREE.Quaternion), exactly what the tracker
// returns as bodyModel.jointRotations; hips is the Hips position in the model frame
// (metres, y up, facing +z, the subject's left at +x) with the floor at y = 0.
//
// Where the rotations come from:
//  - "lifter": result.bodyModel, the MLP-Mixer lifter's output (the product's path);
//  - "analytic": when chosen in the controls (or ?solver=analytic), the
//    same bone-direction solver as build_scripts/lifter/baseline.py (what Kalidokit-style
//    solvers do): torso and head frames from the hip, shoulder and ear lines, swing-only
//    rotations for limbs and fingers. It cannot see twist; the lifter's evaluation
//    (build_scripts/lifter/evaluate.py) measures the difference.
//
// The Hips height comes from ground contact: the pose is placed so that its lowest foot
// point (heels, toes) stands on the floor. World landmarks are hip-centred, so horizontal
// travel is not observed and the Hips stay above the origin.

import * as THREE from "three";

const LEFT_RIGHT = /Left|Right/g;
const swapSide = (s) => s.replace(LEFT_RIGHT, (m) => (m === "Left" ? "Right" : "Left"));

export class BodyModel {
  constructor(data) {
    Object.assign(this, data);
    this.count = data.jointNames.length;
    this.index = Object.fromEntries(data.jointNames.map((n, i) => [n, i]));
    this.mirrorIndex = data.jointNames.map((n) => this.index[swapSide(n)]);
    this.landmarkIndex = Object.fromEntries(data.landmarkNames.map((n, i) => [n, i]));
    this.hipHeight = -data.floorY; // Hips above the floor in the rest pose
    const feet = ["left_heel", "right_heel", "left_foot_index", "right_foot_index"];
    this.footLandmarks = feet.map((n) => this.landmarkIndex[n]);
    this.restLowest = Math.min(...this.footLandmarks.map((i) => data.restLandmarks[i][1]));
    this._solver = null;
  }

  static async load(url) {
    const response = await fetch(url);
    if (!response.ok) throw new Error(`could not load the body model (${url}): HTTP ${response.status}`);
    return new BodyModel(await response.json());
  }

  restPose() {
    return {
      rotations: this.jointNames.map(() => new THREE.Quaternion()),
      hips: new THREE.Vector3(0, this.hipHeight, 0),
      source: "rest",
    };
  }

  /** Local rotations -> global rotations (model frame), parents first. */
  globalRotations(rotations) {
    const out = new Array(this.count);
    for (let j = 0; j < this.count; j++) {
      const p = this.parents[j];
      out[j] = p < 0 ? rotations[j].clone() : out[p].clone().multiply(rotations[j]);
    }
    return out;
  }

  /** Joint positions and global rotations with Hips at `hips` (default the origin). */
  forwardKinematics(rotations, hips = new THREE.Vector3()) {
    const globals = this.globalRotations(rotations);
    const positions = new Array(this.count);
    const offset = new THREE.Vector3();
    for (let j = 0; j < this.count; j++) {
      const p = this.parents[j];
      if (p < 0) {
        positions[j] = hips.clone();
      } else {
        offset.fromArray(this.restOffsets[j]).applyQuaternion(globals[p]);
        positions[j] = positions[p].clone().add(offset);
      }
    }
    return { positions, globals };
  }

  /** The 75 landmarks of a posed skeleton (model frame), the fixed linear map. */
  landmarks(positions, globals) {
    return this.landmarkJoints.map((j, l) =>
      new THREE.Vector3().fromArray(this.landmarkOffsets[l]).applyQuaternion(globals[j]).add(positions[j]),
    );
  }

  /** Hips height that puts the pose's lowest foot point on the floor (ground contact). */
  groundedHipsHeight(rotations) {
    const { positions, globals } = this.forwardKinematics(rotations);
    let lowest = Infinity;
    for (const l of this.footLandmarks) {
      const j = this.landmarkJoints[l];
      const y = new THREE.Vector3().fromArray(this.landmarkOffsets[l]).applyQuaternion(globals[j]).y + positions[j].y;
      lowest = Math.min(lowest, y);
    }
    return this.hipHeight + (this.restLowest - lowest);
  }

  /** A pose from result.bodyModel (the lifter). */
  poseFromBodyModel(bodyModel) {
    const byName = new Map(bodyModel.jointNames.map((n, i) => [n, bodyModel.jointRotations[i]]));
    const rotations = this.jointNames.map((n) => {
      const q = byName.get(n);
      return q ? new THREE.Quaternion(q[0], q[1], q[2], q[3]).normalize() : new THREE.Quaternion();
    });
    return { rotations, hips: new THREE.Vector3(0, this.groundedHipsHeight(rotations), 0), source: "lifter" };
  }

  /** A pose from the world landmarks by the analytic bone-direction solver. */
  poseFromLandmarks(result) {
    if (!this._solver) this._solver = new AnalyticSolver(this);
    const rotations = this._solver.solve(result);
    return { rotations, hips: new THREE.Vector3(0, this.groundedHipsHeight(rotations), 0), source: "analytic" };
  }

  /** The mirror image of a pose (left and right swapped, reflected across x = 0). */
  mirrorPose(pose) {
    const rotations = this.mirrorIndex.map((m) => {
      const q = pose.rotations[m];
      return new THREE.Quaternion(q.x, -q.y, -q.z, q.w);
    });
    return { rotations, hips: new THREE.Vector3(-pose.hips.x, pose.hips.y, pose.hips.z), source: pose.source };
  }
}

/** MediaPipe world coordinates (x right, y down, z away from the camera) -> model frame. */
export function worldToModel(lm, out = new THREE.Vector3()) {
  return out.set(lm.x, -lm.y, -lm.z);
}

// ------------------------------------------------------------------------ analytic solver
// A port of build_scripts/lifter/baseline.py (keep the two in step).

function frame(xDir, yHint) {
  const x = xDir.clone().normalize();
  const z = new THREE.Vector3().crossVectors(x, yHint).normalize();
  const y = new THREE.Vector3().crossVectors(z, x);
  return new THREE.Quaternion().setFromRotationMatrix(new THREE.Matrix4().makeBasis(x, y, z));
}

const relative = (observed, rest) => observed.clone().multiply(rest.clone().invert());

function mid(a, b) {
  return a.clone().add(b).multiplyScalar(0.5);
}

class AnalyticSolver {
  constructor(body) {
    this.body = body;
    this.rest = body.restLandmarks.map((p) => new THREE.Vector3().fromArray(p));
    this.L = body.landmarkIndex;
    const rest = this.rest;
    this.restFrames = this.torsoFrames(rest);
    this.restHands = ["left", "right"].map((s) => this.handFrame(rest, s, true));
    // (joint, from landmark, to landmark) of every swing-only segment.
    this.segments = new Map();
    for (const side of ["left", "right"]) {
      const cap = side === "left" ? "Left" : "Right";
      const rows = [
        [cap + "Arm", side + "_shoulder", side + "_elbow"],
        [cap + "ForeArm", side + "_elbow", side + "_wrist"],
        [cap + "UpLeg", side + "_hip", side + "_knee"],
        [cap + "Leg", side + "_knee", side + "_ankle"],
        [cap + "Foot", side + "_ankle", side + "_foot_index"],
      ];
      const chains = {
        Thumb: ["thumb_cmc", "thumb_mcp", "thumb_ip", "thumb_tip"],
        Index: ["index_finger_mcp", "index_finger_pip", "index_finger_dip", "index_finger_tip"],
        Middle: ["middle_finger_mcp", "middle_finger_pip", "middle_finger_dip", "middle_finger_tip"],
        Ring: ["ring_finger_mcp", "ring_finger_pip", "ring_finger_dip", "ring_finger_tip"],
        Pinky: ["pinky_mcp", "pinky_pip", "pinky_dip", "pinky_tip"],
      };
      for (const [finger, names] of Object.entries(chains)) {
        for (let k = 0; k < 3; k++) {
          rows.push([`${cap}Hand${finger}${k + 1}`, `${side}_hand.${names[k]}`, `${side}_hand.${names[k + 1]}`, side]);
        }
      }
      for (const [joint, a, b, hand] of rows) {
        this.segments.set(body.index[joint], { a: this.L[a], b: this.L[b], hand: hand || null });
      }
    }
  }

  torsoFrames(p) {
    const L = this.L;
    const up = mid(p[L.left_shoulder], p[L.right_shoulder]).sub(mid(p[L.left_hip], p[L.right_hip]));
    const hips = frame(p[L.left_hip].clone().sub(p[L.right_hip]), up);
    const chest = frame(p[L.left_shoulder].clone().sub(p[L.right_shoulder]), up);
    const ears = p[L.left_ear].clone().sub(p[L.right_ear]);
    const nose = p[L.nose].clone().sub(mid(p[L.left_ear], p[L.right_ear]));
    const head = frame(ears, new THREE.Vector3().crossVectors(nose, ears));
    return { hips, chest, head };
  }

  handFrame(p, side, useHand) {
    const L = this.L;
    if (useHand) {
      const h = side + "_hand.";
      return frame(
        p[L[h + "middle_finger_mcp"]].clone().sub(p[L[h + "wrist"]]),
        p[L[h + "index_finger_mcp"]].clone().sub(p[L[h + "pinky_mcp"]]),
      );
    }
    const poseMid = mid(p[L[side + "_index"]], p[L[side + "_pinky"]]);
    return frame(poseMid.sub(p[L[side + "_wrist"]]), p[L[side + "_index"]].clone().sub(p[L[side + "_pinky"]]));
  }

  /** result (tracker output with poseWorldLandmarks) -> local rotations. */
  solve(result) {
    const body = this.body;
    const idx = body.index;
    // The 75 points, model frame, hip-centred; a missing hand's points sit on its wrist.
    const pts = new Array(75);
    result.poseWorldLandmarks.forEach((lm, i) => (pts[i] = worldToModel(lm)));
    const present = { left: !!result.leftHandWorldLandmarks, right: !!result.rightHandWorldLandmarks };
    for (const [side, start, wrist] of [["left", 33, 15], ["right", 54, 16]]) {
      const hand = result[side + "HandWorldLandmarks"];
      for (let k = 0; k < 21; k++) pts[start + k] = hand ? worldToModel(hand[k]) : pts[wrist].clone();
    }
    const centre = mid(pts[this.L.left_hip], pts[this.L.right_hip]);
    pts.forEach((p) => p.sub(centre));

    const glob = new Array(body.count).fill(null);
    const obs = this.torsoFrames(pts);
    const rest = this.restFrames;
    const hips = relative(obs.hips, rest.hips);
    const chest = relative(obs.chest, rest.chest);
    const third = new THREE.Quaternion().slerp(hips.clone().invert().multiply(chest), 1 / 3);
    glob[0] = hips;
    for (const name of ["Spine", "Spine1", "Spine2"]) {
      glob[idx[name]] = glob[body.parents[idx[name]]].clone().multiply(third);
    }
    glob[idx.Neck] = glob[idx.Spine2].clone();
    glob[idx.Head] = relative(obs.head, rest.head);
    ["left", "right"].forEach((side, k) => {
      const joint = idx[(side === "left" ? "Left" : "Right") + "Hand"];
      glob[joint] = relative(this.handFrame(pts, side, present[side]), this.restHands[k]);
    });

    // Leg segments whose far end BlazePose marks as unseen stay at rest (webcam framing).
    const vis = (i) => (result.poseWorldLandmarks[i].visibility ?? 1);
    for (let j = 1; j < body.count; j++) {
      if (glob[j]) continue;
      const parent = glob[body.parents[j]];
      const seg = this.segments.get(j);
      const usable = seg && (seg.hand ? present[seg.hand] : !(seg.b >= 25 && seg.b < 33 && vis(seg.b) < 0.3));
      if (!usable) {
        glob[j] = parent.clone();
        continue;
      }
      const observed = pts[seg.b].clone().sub(pts[seg.a]).applyQuaternion(parent.clone().invert()).normalize();
      const restDir = this.rest[seg.b].clone().sub(this.rest[seg.a]).normalize();
      glob[j] = parent.clone().multiply(new THREE.Quaternion().setFromUnitVectors(restDir, observed));
    }
    return glob.map((g, j) => (j === 0 ? g : glob[body.parents[j]].clone().invert().multiply(g)));
  }
}

// ----------------------------------------------------------------------- drawing topology
/** MediaPipe's pose connections (33 landmarks). */
export const POSE_CONNECTIONS = [
  [0, 1], [1, 2], [2, 3], [3, 7], [0, 4], [4, 5], [5, 6], [6, 8], [9, 10],
  [11, 12], [11, 13], [13, 15], [15, 17], [15, 19], [15, 21], [17, 19],
  [12, 14], [14, 16], [16, 18], [16, 20], [16, 22], [18, 20],
  [11, 23], [12, 24], [23, 24], [23, 25], [24, 26], [25, 27], [26, 28],
  [27, 29], [28, 30], [29, 31], [30, 32], [27, 31], [28, 32],
];

/** MediaPipe's hand connections (21 landmarks). */
export const HAND_CONNECTIONS = [
  [0, 1], [1, 2], [2, 3], [3, 4], [0, 5], [5, 6], [6, 7], [7, 8], [5, 9], [9, 10], [10, 11],
  [11, 12], [9, 13], [13, 14], [14, 15], [15, 16], [13, 17], [0, 17], [17, 18], [18, 19], [19, 20],
];

/** Which side a pose landmark belongs to: "left", "right" or "centre". */
export function poseLandmarkSide(i) {
  if (i === 0 || i === 9 || i === 10) return i === 0 ? "centre" : i === 9 ? "left" : "right";
  if (i <= 3) return "left";
  if (i <= 6) return "right";
  if (i <= 8) return i === 7 ? "left" : "right";
  return i % 2 === 1 ? "left" : "right";
}
