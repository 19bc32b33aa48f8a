// The default avatar: a mannequin generated from the body model's rest pose, skinned to a
// Mixamo-named skeleton. No third-party character file: every vertex is made here.
//
// It is built from body_model.json (the rest pose of py_src/blazepose_holistic/body_model,
// written by build_scripts/bundle/demo.py), so its bones sit exactly on the body model's
// joints with identity rest orientations: the body model's local rotations apply to it
// unchanged. Each body part (ellipsoids and tapered capsules) is bound rigidly to one bone;
// ball-shaped joints hide the seams. It is dressed and shaded like a person (skin, a shirt,
// trousers, shoes, hair, a face) so that the pose detector recognises it in the rendered
// sample clip (build_scripts/bundle/demo.py, demo/tools/render-sample.js).

import * as THREE from "three";
import { mergeGeometries } from "three/addons/utils/BufferGeometryUtils.js";

export const COLORS = {
  skin: 0xd8a27f,
  shirt: 0x2f6db5,
  trousers: 0x3a3f4b,
  shoes: 0x1d1d1f,
  hair: 0x3b2416,
  eyeWhite: 0xf4f1ec,
  iris: 0x2a1b10,
  brows: 0x2b1a10,
  lips: 0xa9564d,
};

const SIDES = [["Left", 1], ["Right", -1]];
const FINGERS = ["Thumb", "Index", "Middle", "Ring", "Pinky"];

/**
 * Build the mannequin.
 * body: the parsed body_model.json. options.prefix: prepended to every bone name (e.g.
 * "mixamorig:" to imitate a Mixamo export); options.colors: overrides of COLORS (the
 * lifter's rendered evaluation dresses each take). Returns {root, mesh, skeleton, bones}
 * where bones maps the body model's joint names to THREE.Bone. The root stands on y = 0.
 */
export function createMannequin(body, options = {}) {
  const prefix = options.prefix || "";
  const C = { ...COLORS, ...(options.colors || {}) };
  const names = body.jointNames;
  const index = Object.fromEntries(names.map((n, i) => [n, i]));
  const P = (name) => new THREE.Vector3(...body.restPositions[index[name]]);
  const floorY = body.floorY;

  // ---- skeleton: one bone per joint, rest offsets, identity rotations
  const bones = names.map((name, i) => {
    const bone = new THREE.Bone();
    bone.name = prefix + name;
    bone.position.fromArray(body.restOffsets[i]);
    return bone;
  });
  names.forEach((_, i) => {
    const parent = body.parents[i];
    if (parent >= 0) bones[parent].add(bones[i]);
  });

  // ---- body parts, in the rest pose's coordinates (Hips at the origin)
  const parts = [];
  const add = (geometry, joint, color) => parts.push(paint(geometry, index[joint], color));

  // Torso: overlapping ellipsoids, pelvis to chest
  const hipHalf = Math.abs(P("LeftUpLeg").x);
  const shoulderHalf = Math.abs(P("LeftArm").x);
  add(ellipsoid(P("Hips").add(v(0, -0.03, 0)), v(hipHalf + 0.065, 0.12, 0.1)), "Hips", C.trousers);
  add(ellipsoid(mid(P("Spine"), P("Spine1")).add(v(0, 0.01, 0)), v(0.135, 0.14, 0.092)), "Spine", C.shirt);
  add(ellipsoid(mid(P("Spine1"), P("Spine2")), v(0.145, 0.15, 0.098)), "Spine1", C.shirt);
  add(ellipsoid(P("Spine2").add(v(0, 0.065, 0)), v(shoulderHalf + 0.012, 0.135, 0.105)), "Spine2", C.shirt);
  add(capsule(P("Neck").add(v(0, -0.02, 0)), P("Head"), 0.047, 0.045), "Neck", C.skin);

  // Head and face
  const head = P("Head");
  const hc = head.clone().add(v(0, 0.05, 0));
  const hr = v(0.077, 0.102, 0.094);
  add(ellipsoid(hc, hr), "Head", C.skin);
  add(hair(hc.clone().add(v(0, 0.006, -0.006)), v(hr.x + 0.006, hr.y + 0.006, hr.z + 0.006)), "Head", C.hair);
  const onFace = (x, y, inset) => {
    // a point on the head ellipsoid's front surface at (x, y) from its centre
    const k = 1 - (x / hr.x) ** 2 - (y / hr.y) ** 2;
    return hc.clone().add(v(x, y, hr.z * Math.sqrt(Math.max(k, 0)) - inset));
  };
  add(ellipsoid(onFace(0, -0.03, 0.0).add(v(0, 0, 0.006)), v(0.014, 0.024, 0.02)), "Head", C.skin); // nose
  add(ellipsoid(onFace(0, -0.068, 0.004), v(0.021, 0.007, 0.008)), "Head", C.lips); // mouth
  for (const [, s] of SIDES) {
    const eye = onFace(s * 0.03, 0.005, 0.009);
    add(ellipsoid(eye, v(0.013, 0.011, 0.011)), "Head", C.eyeWhite);
    add(ellipsoid(eye.clone().add(v(0, 0, 0.008)), v(0.0065, 0.0065, 0.005)), "Head", C.iris);
    add(ellipsoid(onFace(s * 0.031, 0.026, 0.0), v(0.018, 0.0045, 0.006)), "Head", C.brows);
    add(ellipsoid(hc.clone().add(v(s * (hr.x - 0.002), -0.005, -0.01)), v(0.012, 0.026, 0.018)), "Head", C.skin); // ear
  }

  for (const [side, s] of SIDES) {
    const J = (n) => side + n;
    // Arm: shoulder, sleeve, upper arm, elbow, forearm
    add(capsule(P(J("Shoulder")), P(J("Arm")), 0.052, 0.056), J("Shoulder"), C.shirt);
    const arm = P(J("Arm"));
    const elbow = P(J("ForeArm"));
    const wrist = P(J("Hand"));
    add(capsule(arm, arm.clone().lerp(elbow, 0.45), 0.058, 0.052), J("Arm"), C.shirt);
    add(capsule(arm, elbow, 0.044, 0.038), J("Arm"), C.skin);
    add(sphere(elbow, 0.038), J("ForeArm"), C.skin);
    add(capsule(elbow, wrist, 0.037, 0.027), J("ForeArm"), C.skin);
    add(sphere(wrist, 0.027), J("Hand"), C.skin);
    // Hand: palm, then three phalanges per finger (the last one to the fingertip)
    const knuckles = ["Index", "Middle", "Ring", "Pinky"].map((f) => P(J("Hand" + f + "1")));
    const palmEnd = knuckles.reduce((a, b) => a.add(b), v(0, 0, 0)).multiplyScalar(1 / 4);
    const palmWidth = Math.abs(knuckles[0].z - knuckles[3].z);
    add(ellipsoid(mid(wrist, palmEnd), v(0.5 * Math.abs(palmEnd.x - wrist.x) + 0.012, 0.016, 0.5 * palmWidth + 0.012)), J("Hand"), C.skin);
    for (const f of FINGERS) {
      const r = f === "Thumb" ? 0.011 : 0.0085;
      for (let k = 1; k <= 3; k++) {
        const a = P(J(`Hand${f}${k}`));
        const b = k < 3 ? P(J(`Hand${f}${k + 1}`)) : fingertip(body, index, side, f);
        add(capsule(a, b, r, r * 0.92), J(`Hand${f}${k}`), C.skin);
      }
    }
    // Leg: thigh, knee, shin, shoe
    const hip = P(J("UpLeg"));
    const knee = P(J("Leg"));
    const ankle = P(J("Foot"));
    const toe = P(J("ToeBase"));
    add(capsule(hip, knee, 0.085, 0.06), J("UpLeg"), C.trousers);
    add(sphere(knee, 0.058), J("Leg"), C.trousers);
    add(capsule(knee, ankle.clone().add(v(0, 0.02, 0)), 0.055, 0.044), J("Leg"), C.trousers);
    const heelZ = ankle.z - 0.06;
    add(ellipsoid(v(ankle.x, floorY + 0.04, 0.5 * (heelZ + toe.z)), v(0.043, 0.04, 0.5 * (toe.z - heelZ))), J("Foot"), C.shoes);
    add(ellipsoid(v(toe.x, floorY + 0.026, toe.z + 0.025), v(0.041, 0.026, 0.05)), J("ToeBase"), C.shoes);
    add(sphere(ankle.clone().add(v(0, 0.005, 0)), 0.04), J("Foot"), C.trousers);
  }

  const geometry = mergeGeometries(parts, false);
  parts.forEach((g) => g.dispose());
  geometry.computeBoundingSphere();
  const material = new THREE.MeshStandardMaterial({ vertexColors: true, roughness: 0.62, metalness: 0.0 });
  const mesh = new THREE.SkinnedMesh(geometry, material);
  mesh.name = "MannequinMesh";
  mesh.castShadow = true;
  mesh.receiveShadow = true;
  mesh.frustumCulled = false; // the bounding sphere is the rest pose's

  const root = new THREE.Group();
  root.name = "Mannequin";
  root.position.y = -floorY; // stand on y = 0
  root.add(bones[0]);
  root.add(mesh);
  root.updateMatrixWorld(true);
  const skeleton = new THREE.Skeleton(bones);
  mesh.bind(skeleton);
  return { root, mesh, skeleton, bones: new Map(names.map((n, i) => [n, bones[i]])) };
}

// ---------------------------------------------------------------------------- geometry
function v(x, y, z) {
  return new THREE.Vector3(x, y, z);
}

function mid(a, b) {
  return a.clone().add(b).multiplyScalar(0.5);
}

function fingertip(body, index, side, finger) {
  const stem = { Thumb: "thumb", Index: "index_finger", Middle: "middle_finger", Ring: "ring_finger", Pinky: "pinky" }[finger];
  const name = `${side.toLowerCase()}_hand.${stem}_tip`;
  const i = body.landmarkNames.indexOf(name);
  return new THREE.Vector3(...body.restLandmarks[i]);
}

/** Give a geometry per-vertex colour and rigid skin weights to one bone. */
function paint(geometry, boneIndex, color) {
  const g = geometry;
  const n = g.attributes.position.count;
  const c = new THREE.Color(color);
  const colors = new Float32Array(n * 3);
  const skinIndex = new Uint16Array(n * 4);
  const skinWeight = new Float32Array(n * 4);
  for (let i = 0; i < n; i++) {
    colors[3 * i] = c.r;
    colors[3 * i + 1] = c.g;
    colors[3 * i + 2] = c.b;
    skinIndex[4 * i] = boneIndex;
    skinWeight[4 * i] = 1;
  }
  g.setAttribute("color", new THREE.BufferAttribute(colors, 3));
  g.setAttribute("skinIndex", new THREE.BufferAttribute(skinIndex, 4));
  g.setAttribute("skinWeight", new THREE.BufferAttribute(skinWeight, 4));
  g.deleteAttribute("uv");
  return g;
}

function ellipsoid(center, radii) {
  const g = new THREE.SphereGeometry(1, 28, 18);
  g.scale(radii.x, radii.y, radii.z);
  g.translate(center.x, center.y, center.z);
  return g;
}

function sphere(center, r) {
  return ellipsoid(center, new THREE.Vector3(r, r, r));
}

/** The upper part of an ellipsoid, tilted back: a hair cap. */
function hair(center, radii) {
  const g = new THREE.SphereGeometry(1, 28, 14, 0, Math.PI * 2, 0, Math.PI * 0.56);
  g.rotateX(-0.5);
  g.scale(radii.x, radii.y, radii.z);
  g.translate(center.x, center.y, center.z);
  return g;
}

/** A capsule from a (radius ra) to b (radius rb): a lathe of two hemispheres and a cone. */
function capsule(a, b, ra, rb) {
  const length = a.distanceTo(b);
  const profile = [];
  const steps = 6;
  for (let i = 0; i <= steps; i++) {
    const t = -Math.PI / 2 + (i / steps) * (Math.PI / 2);
    profile.push(new THREE.Vector2(ra * Math.cos(t), ra * Math.sin(t)));
  }
  for (let i = 0; i <= steps; i++) {
    const t = (i / steps) * (Math.PI / 2);
    profile.push(new THREE.Vector2(rb * Math.cos(t), length + rb * Math.sin(t)));
  }
  profile[0].x = 1e-4;
  profile[profile.length - 1].x = 1e-4;
  const g = new THREE.LatheGeometry(profile, 18);
  g.computeVertexNormals();
  const dir = b.clone().sub(a).normalize();
  g.applyQuaternion(new THREE.Quaternion().setFromUnitVectors(new THREE.Vector3(0, 1, 0), dir));
  g.translate(a.x, a.y, a.z);
  return g;
}
