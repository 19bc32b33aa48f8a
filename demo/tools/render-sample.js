// Renders our mannequin performing a retargeted motion, one frame at a time: the demo's
// bundled sample clip (build_scripts/bundle/demo.py) and the lifter's rendered takes
// (build_scripts/lifter/renders.py).
//
// The scene is a plain room (a wall and a floor) lit like an indoor photo; by default the
// camera is fixed at chest height a few metres away, as a webcam on a desk would see a
// person who stepped back. The mannequin (demo/mannequin.js) is posed from the motion file:
// per frame the body model's local joint quaternions and the Hips position (model frame,
// floor y = 0). Optional fields of the motion file change the take: `scene` (colours,
// lights, the mannequin's clothes) and `cameraPath` (per frame [position, target]).
// renderFrame(i) poses, renders and returns the frame as a data URL (PNG, or JPEG with
// ?format=jpeg). ?body= and ?motion= name the two JSON files.

import * as THREE from "three";
import { createMannequin } from "../mannequin.js";

const params = new URLSearchParams(location.search);
const width = Number(params.get("w") || 640);
const height = Number(params.get("h") || 480);
const format = params.get("format") === "jpeg" ? ["image/jpeg", 0.92] : ["image/png"];

// The demo sample's scene; a take's `scene` overrides any of these.
const SCENE = {
  background: 0xcfc8bd,
  wall: 0xd9d2c5,
  wallZ: -2.2,
  floor: 0x9c8a74,
  hemisphere: [0xfffaf0, 0x6b5a48, 1.4],
  key: { color: 0xffffff, intensity: 2.2, position: [-1.8, 3.2, 3.0] },
  fill: { color: 0xdfe8ff, intensity: 0.6, position: [2.5, 1.5, 2.0] },
  colors: {},
};

async function main() {
  const [body, motion] = await Promise.all(
    [params.get("body") || "body_model.json", params.get("motion") || "motion.json"].map((f) => fetch(f).then((r) => r.json())),
  );
  const look = { ...SCENE, ...(motion.scene || {}) };
  const renderer = new THREE.WebGLRenderer({ antialias: true, preserveDrawingBuffer: true });
  renderer.setPixelRatio(1);
  renderer.setSize(width, height);
  renderer.outputColorSpace = THREE.SRGBColorSpace;
  renderer.shadowMap.enabled = true;
  renderer.shadowMap.type = THREE.PCFSoftShadowMap;
  document.body.appendChild(renderer.domElement);

  const scene = new THREE.Scene();
  scene.background = new THREE.Color(look.background);
  const wall = new THREE.Mesh(new THREE.PlaneGeometry(14, 6), new THREE.MeshStandardMaterial({ color: look.wall, roughness: 0.95 }));
  wall.position.set(0, 3, look.wallZ);
  wall.receiveShadow = true;
  scene.add(wall);
  const floor = new THREE.Mesh(new THREE.PlaneGeometry(14, 10), new THREE.MeshStandardMaterial({ color: look.floor, roughness: 0.85 }));
  floor.rotation.x = -Math.PI / 2;
  floor.receiveShadow = true;
  scene.add(floor);

  scene.add(new THREE.HemisphereLight(...look.hemisphere));
  const key = new THREE.DirectionalLight(look.key.color, look.key.intensity);
  key.position.set(...look.key.position);
  key.castShadow = true;
  key.shadow.mapSize.set(1024, 1024);
  Object.assign(key.shadow.camera, { left: -2.5, right: 2.5, top: 2.5, bottom: -1, near: 0.5, far: 10 });
  scene.add(key);
  const fill = new THREE.DirectionalLight(look.fill.color, look.fill.intensity);
  fill.position.set(...look.fill.position);
  scene.add(fill);

  const cam = motion.camera;
  const camera = new THREE.PerspectiveCamera(cam.fov, width / height, 0.1, 30);
  camera.position.fromArray(cam.position);
  camera.lookAt(...cam.target);

  const man = createMannequin(body, { colors: look.colors });
  scene.add(man.root);
  const bones = body.jointNames.map((n) => man.bones.get(n));
  const hips = bones[0];

  window.renderer = {
    ready: true,
    frameCount: motion.rotations.length,
    renderFrame(i) {
      const q = motion.rotations[i];
      bones.forEach((bone, j) => bone.quaternion.fromArray(q[j]));
      const [x, y, z] = motion.hips[i];
      // The mannequin's root stands the rest pose on the floor; Hips is relative to it.
      hips.position.set(x, y + body.floorY, z);
      if (motion.cameraPath) {
        const [position, target] = motion.cameraPath[i];
        camera.position.fromArray(position);
        camera.lookAt(...target);
      }
      renderer.render(scene, camera);
      return renderer.domElement.toDataURL(...format);
    },
  };
}

main().catch((e) => {
  console.error(e);
  window.renderError = String(e);
  throw e;
});
