// Avatars: load a rigged character (GLB/glTF, FBX, VRM, or our mannequin), find its
// Mixamo-named bones, and drive them from body-model poses.
//
// Retargeting, relative to each rig's own bind pose:
// The body model's joints all have identity rest orientations in a T-pose, so a pose gives,
// per joint, a global rotation G_j (model frame) relative to the T-pose. A rig's bone b has
// its own bind rotation B_b (in the avatar's root space) and its own rest bone directions:
// a Mixamo FBX binds in a T-pose with each bone's y axis along the bone, many characters
// bind in an A-pose, a VRM 0.x faces -z. At load time we measure
//   R   the rig's body frame (left = left hip - right hip, up = hips -> neck) in root space;
//   C_b the rotation taking the bone's bind direction onto the body model's rest direction
//       of the same segment (expressed through R); for hands and hips a full two-axis frame
//       (the palm's across direction, the hip line) so palm-down vs palm-in binds agree.
// C_b * B_b is the bone in a "virtual T-pose" that matches the body model's. A pose then
// sets the bone's root-space rotation to  W_b = (R G_j R^-1) C_b B_b  and its local
// rotation to W_parent^-1 W_b, where W_parent follows the nearest mapped ancestor through
// any unmapped bones in between (twist bones, extra spine joints keep their bind rotation).
// The Hips move by the pose's Hips displacement (model frame, metres), turned by R and
// scaled by the ratio of the rig's hip height to the body model's.

import * as THREE from "three";
import { GLTFLoader } from "three/addons/loaders/GLTFLoader.js";
import { FBXLoader } from "three/addons/loaders/FBXLoader.js";
import { VRMLoaderPlugin, VRMUtils } from "@pixiv/three-vrm";

/** Body model joint -> VRM humanoid bone (VRM 1.0 names; three-vrm maps VRM 0.x to them). */
export const VRM_BONES = (() => {
  const map = {
    Hips: "hips", Spine: "spine", Spine1: "chest", Spine2: "upperChest", Neck: "neck", Head: "head",
  };
  for (const [Side, side] of [["Left", "left"], ["Right", "right"]]) {
    Object.assign(map, {
      [Side + "Shoulder"]: side + "Shoulder", [Side + "Arm"]: side + "UpperArm",
      [Side + "ForeArm"]: side + "LowerArm", [Side + "Hand"]: side + "Hand",
      [Side + "UpLeg"]: side + "UpperLeg", [Side + "Leg"]: side + "LowerLeg",
      [Side + "Foot"]: side + "Foot", [Side + "ToeBase"]: side + "Toes",
      [Side + "HandThumb1"]: side + "ThumbMetacarpal", [Side + "HandThumb2"]: side + "ThumbProximal",
      [Side + "HandThumb3"]: side + "ThumbDistal",
    });
    for (const f of ["Index", "Middle", "Ring", "Little"]) {
      const ours = f === "Little" ? "Pinky" : f;
      map[`${Side}Hand${ours}1`] = `${side}${f}Proximal`;
      map[`${Side}Hand${ours}2`] = `${side}${f}Intermediate`;
      map[`${Side}Hand${ours}3`] = `${side}${f}Distal`;
    }
  }
  return map;
})();

/**
 * A bone name without its rig prefix: "mixamorig:Hips", "mixamorigHips", "mixamorig_Hips",
 * "mixamorig1:Hips", "Armature|mixamorig:Hips" and "Hips" (Ready Player Me) all give "Hips".
 * Loaders may already have removed the ":" (three.js sanitises node names).
 */
export function normalizeBoneName(name) {
  let n = String(name || "");
  n = n.replace(/^.*[:|]/, "");
  n = n.replace(/^mixamorig\d*_?/i, "");
  return n;
}

/** Map the body model's joints to a rig's bones by (normalised, case-insensitive) name. */
export function mapBonesByName(root, jointNames) {
  const wanted = new Map(jointNames.map((n) => [n.toLowerCase(), n]));
  const found = new Map();
  root.traverse((obj) => {
    const joint = wanted.get(normalizeBoneName(obj.name).toLowerCase());
    if (!joint) return;
    const prev = found.get(joint);
    // Prefer real bones over meshes or empties that happen to share a name.
    if (!prev || (obj.isBone && !prev.isBone)) found.set(joint, obj);
  });
  return found;
}

// Along which body-model joint each joint's bone direction is measured (its segment), as
// in build_scripts/lifter/retarget.py; fingers point to their next joint.
export const SEGMENT_CHILD = (() => {
  const c = { Hips: "Spine", Spine: "Spine1", Spine1: "Spine2", Spine2: "Neck", Neck: "Head" };
  for (const S of ["Left", "Right"]) {
    Object.assign(c, {
      [S + "Shoulder"]: S + "Arm", [S + "Arm"]: S + "ForeArm", [S + "ForeArm"]: S + "Hand",
      [S + "Hand"]: S + "HandMiddle1", [S + "UpLeg"]: S + "Leg", [S + "Leg"]: S + "Foot",
      [S + "Foot"]: S + "ToeBase",
    });
    for (const f of ["Thumb", "Index", "Middle", "Ring", "Pinky"]) {
      c[`${S}Hand${f}1`] = `${S}Hand${f}2`;
      c[`${S}Hand${f}2`] = `${S}Hand${f}3`;
    }
  }
  return c;
})();

const _m = new THREE.Matrix4();

export class Avatar {
  /**
   * root: the character's top object (not yet in a scene); bones: Map joint name -> bone.
   * kind: "mannequin" | "glb" | "fbx" | "vrm"; vrm: the three-vrm VRM, if any.
   */
  constructor({ root, bones, kind, name, vrm = null, body }) {
    this.root = root;
    this.bones = bones;
    this.kind = kind;
    this.name = name;
    this.vrm = vrm;
    this.body = body;
    this.calibrate();
    this.place();
  }

  get mappedCount() {
    return this.bones.size;
  }

  /** Measure the rig in its bind pose (root at the identity; root space = world space). */
  calibrate() {
    const root = this.root;
    const body = this.body;
    if (!this.bones.has("Hips")) throw new Error("no Hips bone found: is this a humanoid rig with Mixamo-style bone names?");
    root.position.set(0, 0, 0);
    root.quaternion.identity();
    root.scale.set(1, 1, 1);
    root.updateMatrixWorld(true);

    const pos = (joint) => new THREE.Vector3().setFromMatrixPosition(this.bones.get(joint).matrixWorld);
    const rot = (obj) => {
      const q = new THREE.Quaternion();
      obj.matrixWorld.decompose(new THREE.Vector3(), q, new THREE.Vector3());
      return q;
    };
    const has = (j) => this.bones.has(j);
    const first = (...names) => names.find(has);

    // The rig's body frame R in root space: columns left, up, forward.
    const pair = has("LeftUpLeg") && has("RightUpLeg") ? ["LeftUpLeg", "RightUpLeg"] : ["LeftArm", "RightArm"];
    if (!has(pair[0]) || !has(pair[1])) throw new Error("no left/right legs or arms found in the rig");
    const left = pos(pair[0]).sub(pos(pair[1])).normalize();
    const top = first("Neck", "Head", "Spine2", "Spine1", "Spine");
    if (!top) throw new Error("no spine, neck or head bone found in the rig");
    const up = pos(top).sub(pos("Hips"));
    up.sub(left.clone().multiplyScalar(up.dot(left))).normalize();
    const forward = new THREE.Vector3().crossVectors(left, up);
    this.frame = new THREE.Quaternion().setFromRotationMatrix(new THREE.Matrix4().makeBasis(left, up, forward));
    this.frameInverse = this.frame.clone().invert();
    this.up = up;

    // Hip height and the floor, from the bind pose's bounding box along "up" (from the
    // bones themselves for a skeleton without a mesh).
    const box = new THREE.Box3().setFromObject(root, true);
    const hipsPos = pos("Hips");
    const points = [];
    if (box.isEmpty()) {
      for (const joint of this.bones.keys()) points.push(pos(joint));
    } else {
      for (const x of [box.min.x, box.max.x]) for (const y of [box.min.y, box.max.y]) for (const z of [box.min.z, box.max.z]) points.push(new THREE.Vector3(x, y, z));
    }
    const heights = points.map((c) => c.dot(up));
    const floor = Math.min(...heights);
    this.height = Math.max(...heights) - floor;
    this.hipHeight = hipsPos.dot(up) - floor;
    if (!(this.hipHeight > 0)) throw new Error("could not measure the rig's hip height");
    this.scale = this.hipHeight / body.hipHeight;

    // Per mapped joint: bind rotation, rest-direction correction, parent chain.
    const modelDir = (a, b) => new THREE.Vector3().fromArray(body.restPositions[body.index[b]])
      .sub(new THREE.Vector3().fromArray(body.restPositions[body.index[a]])).applyQuaternion(this.frame);
    const chainChild = (joint) => {
      // the next mapped joint along this joint's segment (skips joints the rig lacks)
      let c = SEGMENT_CHILD[joint];
      while (c && !has(c)) c = SEGMENT_CHILD[c];
      return c;
    };
    const frameOf = (primary, secondary) => {
      const x = primary.clone().normalize();
      const z = new THREE.Vector3().crossVectors(x, secondary).normalize();
      const y = new THREE.Vector3().crossVectors(z, x);
      return new THREE.Quaternion().setFromRotationMatrix(new THREE.Matrix4().makeBasis(x, y, z));
    };

    this.joints = [];
    for (const [joint, bone] of this.bones) {
      const j = body.index[joint];
      const bind = rot(bone);
      let correction = new THREE.Quaternion();
      const child = chainChild(joint);
      const side = joint.startsWith("Left") ? "Left" : "Right";
      if (joint.endsWith("Hand") && has(side + "HandIndex1") && has(side + "HandPinky1") && child) {
        const across = (a, b, f) => f(b).sub(f(a));
        const rig = frameOf(pos(child).sub(pos(joint)), across(side + "HandPinky1", side + "HandIndex1", pos));
        const model = frameOf(modelDir(joint, child), modelDir(side + "HandPinky1", side + "HandIndex1"));
        correction = model.multiply(rig.invert());
      } else if (joint === "Hips" && child) {
        const rig = frameOf(pos(child).sub(pos(joint)), pos(pair[0]).sub(pos(pair[1])));
        const model = frameOf(modelDir(joint, child), modelDir(pair[1], pair[0]));
        correction = model.multiply(rig.invert());
      } else if (child) {
        const rigDir = pos(child).sub(pos(joint));
        if (rigDir.lengthSq() > 1e-12) {
          correction.setFromUnitVectors(rigDir.normalize(), modelDir(joint, child).normalize());
        }
      }
      // Nearest mapped ancestor, and the constant rotation from it to this bone's parent.
      let anc = bone.parent;
      while (anc && anc !== root && !this._jointOf(anc)) anc = anc.parent;
      const parentBind = bone.parent ? rot(bone.parent) : new THREE.Quaternion();
      const ancJoint = anc && anc !== root ? this._jointOf(anc) : null;
      const link = ancJoint ? rot(anc).invert().multiply(parentBind) : parentBind;
      this.joints.push({
        joint, j, bone, bind, correction, target: correction.clone().multiply(bind),
        ancestor: ancJoint ? body.index[ancJoint] : -1, link,
        bindLocal: bone.quaternion.clone(), bindPosition: bone.position.clone(),
      });
    }
    const hips = this.bones.get("Hips");
    this.hipsBindWorld = hipsPos;
    this.hipsParentInverse = hips.parent ? hips.parent.matrixWorld.clone().invert() : new THREE.Matrix4();
    this.applied = new Map();
  }

  _jointOf(obj) {
    for (const [joint, bone] of this.bones) if (bone === obj) return joint;
    return null;
  }

  /** Stand the avatar on y = 0 at the origin, facing +z, at a viewable size. */
  place() {
    const root = this.root;
    root.quaternion.copy(this.frameInverse);
    // Keep real sizes (metres); rescale rigs in other units (an FBX in centimetres).
    const s = this.height > 0.4 && this.height < 3 ? 1 : 1.7 / this.height;
    root.scale.setScalar(s);
    root.position.set(0, 0, 0);
    root.updateMatrixWorld(true);
    const box = new THREE.Box3().setFromObject(root, true);
    if (box.isEmpty()) for (const bone of this.bones.values()) box.expandByPoint(new THREE.Vector3().setFromMatrixPosition(bone.matrixWorld));
    const hips = new THREE.Vector3().setFromMatrixPosition(this.bones.get("Hips").matrixWorld);
    root.position.set(-hips.x, -box.min.y, -hips.z);
    root.updateMatrixWorld(true);
  }

  /** Pose the rig. pose: {rotations (local, model frame), hips (model frame, floor 0)}. */
  apply(pose) {
    const globals = this.body.globalRotations(pose.rotations);
    const world = new Map();
    const r = this.frame;
    const rInv = this.frameInverse;
    for (const info of this.joints) {
      // W_b = (R G_j R^-1) C_b B_b
      const w = r.clone().multiply(globals[info.j]).multiply(rInv).multiply(info.target);
      world.set(info.j, w);
    }
    for (const info of this.joints) {
      const parent = info.ancestor >= 0 ? world.get(info.ancestor).clone().multiply(info.link) : info.link.clone();
      info.bone.quaternion.copy(parent.invert().multiply(world.get(info.j)));
      this.applied.set(info.bone.name, info.bone.quaternion);
    }
    // Hips: bind position + R * (hips displacement from the rest stance) * scale.
    const d = pose.hips.clone().sub(new THREE.Vector3(0, this.body.hipHeight, 0));
    d.applyQuaternion(r).multiplyScalar(this.scale);
    const hips = this.bones.get("Hips");
    hips.position.copy(this.hipsBindWorld.clone().add(d).applyMatrix4(this.hipsParentInverse));
  }

  /** Back to the bind pose. */
  reset() {
    for (const info of this.joints) {
      info.bone.quaternion.copy(info.bindLocal);
      info.bone.position.copy(info.bindPosition);
    }
    this.applied.clear();
  }

  /** Bone name -> applied local quaternion [x, y, z, w] (the test hook). */
  boneRotations() {
    const out = {};
    for (const [name, q] of this.applied) out[name] = [q.x, q.y, q.z, q.w];
    return out;
  }

  /** Bone name -> bind local quaternion [x, y, z, w]. */
  bindRotations() {
    const out = {};
    for (const info of this.joints) out[info.bone.name] = info.bindLocal.toArray();
    return out;
  }

  /**
   * For checks: per mapped joint with a mapped segment child, the segment's direction in
   * the avatar's body frame (left, up, forward), which must match the body model's.
   */
  segmentDirections() {
    this.root.updateMatrixWorld(true);
    const out = {};
    const rootInv = this.root.matrixWorld.clone().invert();
    const p = (joint) => new THREE.Vector3().setFromMatrixPosition(_m.multiplyMatrices(rootInv, this.bones.get(joint).matrixWorld));
    for (const info of this.joints) {
      const child = SEGMENT_CHILD[info.joint];
      if (!child || !this.bones.has(child)) continue;
      const d = p(child).sub(p(info.joint)).applyQuaternion(this.frameInverse).normalize();
      out[info.joint] = d.toArray();
    }
    return out;
  }

  dispose() {
    this.root.traverse((obj) => {
      if (obj.geometry) obj.geometry.dispose();
      const mats = obj.material ? (Array.isArray(obj.material) ? obj.material : [obj.material]) : [];
      for (const m of mats) {
        for (const value of Object.values(m)) if (value && value.isTexture) value.dispose();
        m.dispose();
      }
    });
    if (this.vrm) VRMUtils.deepDispose(this.vrm.scene);
  }
}

// ----------------------------------------------------------------------------- loading
/** The file type of an avatar URL or file name: "glb" | "fbx" | "vrm" | null. */
export function avatarKind(name) {
  const m = /\.(glb|gltf|fbx|vrm)(?:$|[?#])/i.exec(String(name));
  if (!m) return null;
  const ext = m[1].toLowerCase();
  return ext === "gltf" ? "glb" : ext;
}

/**
 * Load an avatar from a URL (or a blob: URL of a dropped file; pass the file's name as
 * `name` so the type is known). `files` maps other dropped file names (a .gltf's .bin and
 * textures) to blob URLs.
 */
export async function loadAvatar(url, body, { name = url, files = null } = {}) {
  const kind = avatarKind(name);
  if (!kind) throw new Error(`${name}: unknown avatar type (use .glb, .gltf, .fbx or .vrm)`);
  const manager = new THREE.LoadingManager();
  if (files) {
    manager.setURLModifier((u) => {
      const base = decodeURIComponent(u.split(/[\\/]/).pop());
      return files.get(base) || u;
    });
  }
  let root;
  let vrm = null;
  if (kind === "fbx") {
    root = await new FBXLoader(manager).loadAsync(url);
  } else {
    const loader = new GLTFLoader(manager);
    if (kind === "vrm") loader.register((parser) => new VRMLoaderPlugin(parser));
    const gltf = await loader.loadAsync(url);
    if (kind === "vrm") {
      vrm = gltf.userData.vrm;
      if (!vrm) throw new Error(`${name}: not a VRM file (no VRM extension)`);
      VRMUtils.removeUnnecessaryVertices(gltf.scene);
      VRMUtils.combineSkeletons(gltf.scene);
      vrm.humanoid.autoUpdateHumanBones = false; // we write the raw bones ourselves
      root = vrm.scene;
    } else {
      root = gltf.scene;
    }
  }
  let bones;
  if (vrm) {
    bones = new Map();
    for (const [joint, vrmName] of Object.entries(VRM_BONES)) {
      const node = vrm.humanoid.getRawBoneNode(vrmName);
      if (node) bones.set(joint, node);
    }
  } else {
    bones = mapBonesByName(root, body.jointNames);
  }
  root.traverse((obj) => {
    if (obj.isMesh) {
      obj.castShadow = true;
      obj.frustumCulled = false; // skinned bounds follow the bind pose, not the animation
    }
  });
  const shortName = decodeURIComponent(String(name).split(/[\\/]/).pop().split(/[?#]/)[0]);
  return new Avatar({ root, bones, kind, name: shortName, vrm, body });
}
