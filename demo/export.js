// Record the avatar's motion and export it, for animators: BVH (the body model's
// Mixamo-named skeleton, T-pose rest) and a glTF binary with the avatar and an animation
// clip of its bones.

import * as THREE from "three";
import { GLTFExporter } from "three/addons/exporters/GLTFExporter.js";

/** Frames of a recording: what the avatar was driven with, and what its bones received. */
export class Recorder {
  constructor() {
    this.frames = [];
    this.recording = false;
    this.avatar = null;
  }

  start(avatar) {
    this.frames = [];
    this.avatar = avatar;
    this.recording = true;
  }

  stop() {
    this.recording = false;
  }

  /** Add one frame: timeMs, the body-model pose, and the avatar's applied bone transforms. */
  add(timeMs, pose, avatar) {
    if (!this.recording || avatar !== this.avatar) return;
    const bones = {};
    for (const info of avatar.joints) bones[info.bone.uuid] = info.bone.quaternion.toArray();
    const hips = avatar.bones.get("Hips");
    this.frames.push({
      time: timeMs,
      rotations: pose.rotations.map((q) => q.toArray()),
      hips: pose.hips.toArray(),
      bones,
      hipsPosition: hips.position.toArray(),
    });
  }

  get duration() {
    const f = this.frames;
    return f.length > 1 ? (f[f.length - 1].time - f[0].time) / 1000 : 0;
  }
}

// --------------------------------------------------------------------------------- BVH
const fmt = (x) => (Math.abs(x) < 5e-7 ? "0.000000" : x.toFixed(6));

/**
 * BVH text of a recording on the body model's skeleton. Offsets and positions are in
 * centimetres (as Mixamo's BVH); rotation channels Zrotation Xrotation Yrotation (the
 * rotation is Rz * Rx * Ry, three.js Euler order "ZXY"), the root adds X/Y/Z position.
 * The rest pose is the body model's T-pose, so each frame's rotations are exactly the
 * body model's local joint rotations. Frame Time is the recording's mean frame interval.
 */
export function toBVH(body, recorder) {
  const frames = recorder.frames;
  if (!frames.length) throw new Error("nothing recorded");
  const children = body.jointNames.map(() => []);
  body.parents.forEach((p, j) => p >= 0 && children[p].push(j));
  const endSite = (j) => {
    // Leaves: the head's top, the toe tip, the fingertips (from the landmark map).
    const name = body.jointNames[j];
    if (name === "Head") return [0, 18, 0];
    if (name.endsWith("ToeBase")) return [0, 0, 6];
    const lm = body.landmarkNames.findIndex((n, l) => body.landmarkJoints[l] === j && n.endsWith("_tip"));
    if (lm >= 0) return body.landmarkOffsets[lm].map((v) => v * 100);
    return [0, 2, 0];
  };
  const lines = ["HIERARCHY"];
  const order = [];
  const write = (j, depth) => {
    const pad = "  ".repeat(depth);
    const name = body.jointNames[j];
    order.push(j);
    if (depth === 0) {
      lines.push(`ROOT ${name}`, "{", `${pad}  OFFSET 0.000000 0.000000 0.000000`);
      lines.push(`${pad}  CHANNELS 6 Xposition Yposition Zposition Zrotation Xrotation Yrotation`);
    } else {
      const o = body.restOffsets[j].map((v) => fmt(v * 100)).join(" ");
      lines.push(`${pad}JOINT ${name}`, `${pad}{`, `${pad}  OFFSET ${o}`);
      lines.push(`${pad}  CHANNELS 3 Zrotation Xrotation Yrotation`);
    }
    if (children[j].length) {
      for (const c of children[j]) write(c, depth + 1);
    } else {
      lines.push(`${pad}  End Site`, `${pad}  {`, `${pad}    OFFSET ${endSite(j).map(fmt).join(" ")}`, `${pad}  }`);
    }
    lines.push(depth === 0 ? "}" : `${pad}}`);
  };
  write(0, 0);
  const dt = frames.length > 1 ? recorder.duration / (frames.length - 1) : 1 / 30;
  lines.push("MOTION", `Frames: ${frames.length}`, `Frame Time: ${dt.toFixed(6)}`);
  const q = new THREE.Quaternion();
  const e = new THREE.Euler();
  const deg = 180 / Math.PI;
  for (const f of frames) {
    const values = f.hips.map((v) => fmt(v * 100));
    for (const j of order) {
      e.setFromQuaternion(q.fromArray(f.rotations[j]), "ZXY");
      values.push(fmt(e.z * deg), fmt(e.x * deg), fmt(e.y * deg));
    }
    lines.push(values.join(" "));
  }
  return lines.join("\n") + "\n";
}

// -------------------------------------------------------------------------------- glTF
/** An AnimationClip of the avatar's bones over a recording (times in seconds). */
export function toClip(recorder, name = "blazepose-holistic") {
  const frames = recorder.frames;
  if (!frames.length) throw new Error("nothing recorded");
  const avatar = recorder.avatar;
  const t0 = frames[0].time;
  const times = frames.map((f) => (f.time - t0) / 1000);
  const tracks = [];
  for (const info of avatar.joints) {
    const values = frames.flatMap((f) => f.bones[info.bone.uuid]);
    // Track names use the uuid: bone names may hold characters track paths do not allow.
    tracks.push(new THREE.QuaternionKeyframeTrack(`${info.bone.uuid}.quaternion`, times, values));
  }
  const hips = avatar.bones.get("Hips");
  tracks.push(new THREE.VectorKeyframeTrack(`${hips.uuid}.position`, times, frames.flatMap((f) => f.hipsPosition)));
  return new THREE.AnimationClip(name, times[times.length - 1], tracks);
}

/** A GLB (ArrayBuffer) of the avatar in its bind pose with the recording as an animation. */
export async function toGLB(recorder) {
  const avatar = recorder.avatar;
  const clip = toClip(recorder);
  const saved = avatar.joints.map((info) => [info.bone.quaternion.clone(), info.bone.position.clone()]);
  for (const info of avatar.joints) {
    info.bone.quaternion.copy(info.bindLocal);
    info.bone.position.copy(info.bindPosition);
  }
  try {
    return await new GLTFExporter().parseAsync(avatar.root, { binary: true, animations: [clip], onlyVisible: true });
  } finally {
    avatar.joints.forEach((info, k) => {
      info.bone.quaternion.copy(saved[k][0]);
      info.bone.position.copy(saved[k][1]);
    });
  }
}

/** Offer `data` (string or ArrayBuffer) as a file download. */
export function download(data, filename, type) {
  const blob = new Blob([data], { type });
  const url = URL.createObjectURL(blob);
  const a = document.createElement("a");
  a.href = url;
  a.download = filename;
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10000);
}
