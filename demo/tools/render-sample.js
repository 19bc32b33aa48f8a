// Renders the demo's bundled sample clip, one frame at a time, for build_demo.py.
//
// The scene is a plain room (a wall and a floor) lit like an indoor photo; the camera is
// fixed at chest height a few metres away, as a webcam on a desk would see a person who
// stepped back. The mannequin (demo/mannequin.js) is posed from motion.json: per frame the
// body model's local joint quaternions and the Hips position (model frame, floor y = 0).
// renderFrame(i) poses, renders and returns the frame as a PNG data URL.

import * as THREE from "three";
import { createMannequin } from "../mannequin.js";

const params = new URLSearchParams(location.search);
const width = Number(params.get("w") || 640);
const height = Number(params.get("h") || 480);

async function main() {
  const [body, motion] = await Promise.all(
    ["body_model.json", "motion.json"].map((f) => fetch(f).then((r) => r.json())),
  );
  const renderer = new THREE.WebGLRenderer({ antialias: true, preserveDrawingBuffer: true });
  renderer.setPixelRatio(1);
  renderer.setSize(width, height);
  renderer.outputColorSpace = THREE.SRGBColorSpace;
  renderer.shadowMap.enabled = true;
  renderer.shadowMap.type = THREE.PCFSoftShadowMap;
  document.body.appendChild(renderer.domElement);

  const scene = new THREE.Scene();
  scene.background = new THREE.Color(0xcfc8bd);
  const wall = new THREE.Mesh(new THREE.PlaneGeometry(14, 6), new THREE.MeshStandardMaterial({ color: 0xd9d2c5, roughness: 0.95 }));
  wall.position.set(0, 3, -2.2);
  wall.receiveShadow = true;
  scene.add(wall);
  const floor = new THREE.Mesh(new THREE.PlaneGeometry(14, 10), new THREE.MeshStandardMaterial({ color: 0x9c8a74, roughness: 0.85 }));
  floor.rotation.x = -Math.PI / 2;
  floor.receiveShadow = true;
  scene.add(floor);

  scene.add(new THREE.HemisphereLight(0xfffaf0, 0x6b5a48, 1.4));
  const key = new THREE.DirectionalLight(0xffffff, 2.2);
  key.position.set(-1.8, 3.2, 3.0);
  key.castShadow = true;
  key.shadow.mapSize.set(1024, 1024);
  Object.assign(key.shadow.camera, { left: -2.5, right: 2.5, top: 2.5, bottom: -1, near: 0.5, far: 10 });
  scene.add(key);
  const fill = new THREE.DirectionalLight(0xdfe8ff, 0.6);
  fill.position.set(2.5, 1.5, 2.0);
  scene.add(fill);

  const cam = motion.camera;
  const camera = new THREE.PerspectiveCamera(cam.fov, width / height, 0.1, 30);
  camera.position.fromArray(cam.position);
  camera.lookAt(...cam.target);

  const man = createMannequin(body);
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
      renderer.render(scene, camera);
      return renderer.domElement.toDataURL("image/png");
    },
  };
}

main().catch((e) => {
  console.error(e);
  window.renderError = String(e);
  throw e;
});
