// What a web developer writes after `npm install blazepose-holistic`: import create from the
// package, point baseUrl at the runtime files copied to public/ (the one bundler step).
import { create } from "blazepose-holistic";

async function run() {
  const tracker = await create({ baseUrl: "/blazepose-holistic/", runningMode: "IMAGE" });
  const img = new Image();
  img.src = "/photo.jpg";
  await img.decode();
  const results = await tracker.send(img);
  const info = tracker.info;
  await tracker.close();
  return { poseLandmarks: results.poseLandmarks?.length ?? 0, hands: [results.leftHandLandmarks, results.rightHandLandmarks].filter(Boolean).length, models: info.models };
}

window.app = { status: "loading" };
run().then(
  (value) => { window.app = { status: "done", ...value }; },
  (e) => { window.app = { status: "error", error: `${e.name}: ${e.message}` }; },
);
