// The page's three views: the input with landmarks drawn over it (2D canvas), the world
// landmarks in 3D, and the avatar stage (three.js, orbit controls).

import * as THREE from "three";
import { OrbitControls } from "three/addons/controls/OrbitControls.js";
import { HAND_CONNECTIONS, POSE_CONNECTIONS, poseLandmarkSide, worldToModel } from "./body-model.js";

const SIDE_COLORS = { left: "#ff9f1c", right: "#2ec4f1", centre: "#ffffff" };
const LEFT_3D = 0xff9f1c;
const RIGHT_3D = 0x2ec4f1;
const FIT_3D = 0x7bd88f;

// --------------------------------------------------------------------------- input view
/** Draws a frame and its landmarks onto a canvas that keeps the frame's aspect ratio. */
export class InputView {
  constructor(canvas) {
    this.canvas = canvas;
    this.ctx = canvas.getContext("2d");
  }

  /** Draw `image` (a canvas or image) and, when given, the result's landmarks. */
  draw(image, result) {
    const w = image.naturalWidth || image.videoWidth || image.width;
    const h = image.naturalHeight || image.videoHeight || image.height;
    if (!w || !h) return;
    const canvas = this.canvas;
    if (canvas.width !== w || canvas.height !== h) {
      canvas.width = w;
      canvas.height = h;
    }
    const ctx = this.ctx;
    ctx.drawImage(image, 0, 0, w, h);
    if (!result) return;
    const scale = Math.max(1.5, Math.min(w, h) / 300);
    if (result.poseLandmarks) this.drawPose(result.poseLandmarks, w, h, scale);
    for (const side of ["left", "right"]) {
      const hand = result[side + "HandLandmarks"];
      if (hand) this.drawHand(hand, w, h, scale, SIDE_COLORS[side]);
    }
  }

  drawPose(lms, w, h, scale) {
    const ctx = this.ctx;
    const visible = (lm) => (lm.visibility ?? 1) > 0.5;
    ctx.lineWidth = 2 * scale;
    for (const [a, b] of POSE_CONNECTIONS) {
      if (!visible(lms[a]) || !visible(lms[b])) continue;
      const sa = poseLandmarkSide(a);
      const sb = poseLandmarkSide(b);
      ctx.strokeStyle = sa === sb ? SIDE_COLORS[sa] : "rgba(255,255,255,0.9)";
      ctx.beginPath();
      ctx.moveTo(lms[a].x * w, lms[a].y * h);
      ctx.lineTo(lms[b].x * w, lms[b].y * h);
      ctx.stroke();
    }
    lms.forEach((lm, i) => {
      if (!visible(lm)) return;
      ctx.fillStyle = SIDE_COLORS[poseLandmarkSide(i)];
      ctx.beginPath();
      ctx.arc(lm.x * w, lm.y * h, 2.6 * scale, 0, 2 * Math.PI);
      ctx.fill();
      ctx.strokeStyle = "rgba(0,0,0,0.6)";
      ctx.lineWidth = 0.8 * scale;
      ctx.stroke();
    });
  }

  drawHand(lms, w, h, scale, color) {
    const ctx = this.ctx;
    ctx.strokeStyle = color;
    ctx.lineWidth = 1.4 * scale;
    for (const [a, b] of HAND_CONNECTIONS) {
      ctx.beginPath();
      ctx.moveTo(lms[a].x * w, lms[a].y * h);
      ctx.lineTo(lms[b].x * w, lms[b].y * h);
      ctx.stroke();
    }
    ctx.fillStyle = "#ffffff";
    for (const lm of lms) {
      ctx.beginPath();
      ctx.arc(lm.x * w, lm.y * h, 1.6 * scale, 0, 2 * Math.PI);
      ctx.fill();
    }
  }
}

// ------------------------------------------------------------------------ shared 3D stage
/**
 * A three.js renderer, scene, camera and orbit controls in a container element. It renders
 * on demand (after invalidate(), orbiting or resizing), which leaves the CPU to the tracker
 * on machines that draw WebGL in software.
 */
export class Stage {
  constructor(container, { background = 0x1b1f27 } = {}) {
    this.container = container;
    this.renderer = new THREE.WebGLRenderer({ antialias: true, preserveDrawingBuffer: true });
    this.renderer.setPixelRatio(Math.min(window.devicePixelRatio || 1, 2));
    this.renderer.outputColorSpace = THREE.SRGBColorSpace;
    container.appendChild(this.renderer.domElement);
    this.scene = new THREE.Scene();
    this.scene.background = new THREE.Color(background);
    this.camera = new THREE.PerspectiveCamera(35, 1, 0.05, 100);
    this.controls = new OrbitControls(this.camera, this.renderer.domElement);
    this.controls.enableDamping = true;
    this.controls.addEventListener("change", () => this.invalidate());
    this.fitBox = null;
    this.dirty = true;
    this.resize();
    new ResizeObserver(() => this.resize()).observe(container);
  }

  invalidate() {
    this.dirty = true;
  }

  /**
   * Point the camera at a box (min, max corners as arrays) from a direction, at the
   * distance where it fits the view whatever the view's aspect ratio.
   */
  frame(min, max, direction = [0.25, 0.2, 1]) {
    this.fitBox = { min, max, direction };
    const c = new THREE.Vector3().fromArray(min).add(new THREE.Vector3().fromArray(max)).multiplyScalar(0.5);
    const size = new THREE.Vector3().fromArray(max).sub(new THREE.Vector3().fromArray(min));
    const vfov = THREE.MathUtils.degToRad(this.camera.fov);
    const hfov = 2 * Math.atan(Math.tan(vfov / 2) * this.camera.aspect);
    const dist = 1.05 * Math.max(size.y / 2 / Math.tan(vfov / 2), Math.max(size.x, size.z) / 2 / Math.tan(hfov / 2)) + size.z / 2;
    this.controls.target.copy(c);
    this.camera.position.copy(c).add(new THREE.Vector3().fromArray(direction).normalize().multiplyScalar(dist));
    this.controls.update();
    this.invalidate();
  }

  resize() {
    const w = Math.max(1, this.container.clientWidth);
    const h = Math.max(1, this.container.clientHeight);
    this.renderer.setSize(w, h, false);
    this.camera.aspect = w / h;
    this.camera.updateProjectionMatrix();
    if (this.fitBox) this.frame(this.fitBox.min, this.fitBox.max, this.fitBox.direction);
    this.invalidate();
  }

  render() {
    this.controls.update(); // damping: emits "change" while the view still moves
    if (!this.dirty) return;
    this.dirty = false;
    this.renderer.render(this.scene, this.camera);
  }
}

function addFloor(scene, radius = 2.5) {
  const grid = new THREE.GridHelper(radius * 2, 20, 0x4a5260, 0x2d333d);
  scene.add(grid);
  return grid;
}

// --------------------------------------------------------------------- world landmarks
/** The 33 pose + 2 x 21 hand world landmarks as points and bones (model frame, y up). */
export class WorldView {
  constructor(container) {
    this.stage = new Stage(container);
    this.stage.frame([-0.55, -0.9, -0.3], [0.55, 0.75, 0.3], [0.35, 0.25, 1]);
    const scene = this.stage.scene;
    scene.add(new THREE.AmbientLight(0xffffff, 1.2));
    const light = new THREE.DirectionalLight(0xffffff, 1.5);
    light.position.set(1, 2, 3);
    scene.add(light);
    const grid = addFloor(scene, 1.5);
    grid.position.y = -0.9;
    this.group = new THREE.Group();
    scene.add(this.group);

    this.pose = this._skeleton(33, POSE_CONNECTIONS, (i) => {
      const s = poseLandmarkSide(i);
      return s === "left" ? LEFT_3D : s === "right" ? RIGHT_3D : 0xffffff;
    }, 0.018);
    this.hands = [LEFT_3D, RIGHT_3D].map((c) => this._skeleton(21, HAND_CONNECTIONS, () => c, 0.007));
    this.fit = this._skeleton(75, [], () => FIT_3D, 0.009); // the body model's reconstruction
    this.showFit = true;
  }

  _skeleton(n, connections, colorOf, radius) {
    const points = new THREE.InstancedMesh(new THREE.SphereGeometry(radius, 10, 8), new THREE.MeshStandardMaterial({ roughness: 0.5 }), n);
    for (let i = 0; i < n; i++) points.setColorAt(i, new THREE.Color(colorOf(i)));
    const positions = new Float32Array(connections.length * 6);
    const colors = new Float32Array(connections.length * 6);
    connections.forEach(([a, b], k) => {
      const ca = new THREE.Color(colorOf(a));
      const cb = new THREE.Color(colorOf(b));
      colors.set([ca.r, ca.g, ca.b, cb.r, cb.g, cb.b], k * 6);
    });
    const geometry = new THREE.BufferGeometry();
    geometry.setAttribute("position", new THREE.BufferAttribute(positions, 3));
    geometry.setAttribute("color", new THREE.BufferAttribute(colors, 3));
    const lines = new THREE.LineSegments(geometry, new THREE.LineBasicMaterial({ vertexColors: true }));
    const group = new THREE.Group();
    group.add(points, lines);
    group.visible = false;
    this.group.add(group);
    return { group, points, lines, connections };
  }

  _set(skel, lms) {
    if (!lms) {
      skel.group.visible = false;
      return;
    }
    skel.group.visible = true;
    const m = new THREE.Matrix4();
    const p = lms.map((lm) => worldToModel(lm));
    p.forEach((v, i) => skel.points.setMatrixAt(i, m.makeTranslation(v.x, v.y, v.z)));
    skel.points.instanceMatrix.needsUpdate = true;
    const pos = skel.lines.geometry.attributes.position;
    skel.connections.forEach(([a, b], k) => {
      pos.setXYZ(2 * k, p[a].x, p[a].y, p[a].z);
      pos.setXYZ(2 * k + 1, p[b].x, p[b].y, p[b].z);
    });
    pos.needsUpdate = true;
  }

  update(result, mirrored) {
    this.group.scale.x = mirrored ? -1 : 1;
    const ok = result && result.poseWorldLandmarks;
    this._set(this.pose, ok ? result.poseWorldLandmarks : null);
    this._set(this.hands[0], ok ? result.leftHandWorldLandmarks : null);
    this._set(this.hands[1], ok ? result.rightHandWorldLandmarks : null);
    this._set(this.fit, ok && this.showFit && result.bodyModel ? result.bodyModel.landmarks : null);
    this.stage.invalidate();
  }

  render() {
    this.stage.render();
  }
}

// ---------------------------------------------------------------------------- avatar stage
export class AvatarView {
  constructor(container) {
    this.stage = new Stage(container, { background: 0x20242c });
    const { scene, renderer } = this.stage;
    renderer.shadowMap.enabled = true;
    scene.add(new THREE.HemisphereLight(0xfff6ea, 0x3a3f4a, 1.6));
    const key = new THREE.DirectionalLight(0xffffff, 2.0);
    key.position.set(-1.5, 3, 2.5);
    key.castShadow = true;
    key.shadow.mapSize.set(1024, 1024);
    Object.assign(key.shadow.camera, { left: -2, right: 2, top: 2.5, bottom: -0.5, near: 0.5, far: 10 });
    scene.add(key);
    const rim = new THREE.DirectionalLight(0xbcd4ff, 0.8);
    rim.position.set(2, 2, -2);
    scene.add(rim);
    const floor = new THREE.Mesh(new THREE.CircleGeometry(2.2, 64), new THREE.MeshStandardMaterial({ color: 0x3a404c, roughness: 0.9 }));
    floor.rotation.x = -Math.PI / 2;
    floor.receiveShadow = true;
    scene.add(floor);
    addFloor(scene, 2.2).position.y = 0.001;
    this.avatar = null;
  }

  setAvatar(avatar) {
    if (this.avatar) {
      this.stage.scene.remove(this.avatar.root);
      this.avatar.dispose();
    }
    if (this.helper) {
      this.stage.scene.remove(this.helper);
      this.helper.dispose();
      this.helper = null;
    }
    this.avatar = avatar;
    this.stage.scene.add(avatar.root);
    // A rig without a mesh (a bare skeleton) is drawn as its bones.
    let meshes = 0;
    avatar.root.traverse((o) => (meshes += o.isMesh ? 1 : 0));
    if (!meshes) {
      this.helper = new THREE.SkeletonHelper(avatar.root);
      this.helper.material.linewidth = 2;
      this.stage.scene.add(this.helper);
    }
    // Frame the new avatar with room for outstretched arms.
    const h = avatar.height * avatar.root.scale.y;
    this.stage.frame([-0.42 * h, 0, -0.2 * h], [0.42 * h, 1.04 * h, 0.2 * h], [0.3, 0.22, 1]);
  }

  /** The avatar was posed: draw it on the next frame. */
  invalidate() {
    this.stage.invalidate();
  }

  render(dt) {
    if (this.avatar && this.avatar.vrm) {
      this.avatar.vrm.update(dt); // spring bones move on their own
      this.stage.invalidate();
    }
    this.stage.render();
  }
}
