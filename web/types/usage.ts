// Compiled (not run) by `npm run typecheck` / tests/browser/test_types.py: the declarations
// in src/blazepose-holistic.d.ts must describe the API as the examples and docs use it.
import { create, type Results, type DroppedFrame, type ProgressEvent } from "../src/blazepose-holistic";

async function esm(video: HTMLVideoElement, still: ImageData): Promise<number> {
  const tracker = await create({
    modelComplexity: 1,
    smoothLandmarks: true,
    enableSegmentation: false,
    minDetectionConfidence: 0.5,
    minTrackingConfidence: 0.5,
    staticImageMode: false,
    enableHands: true,
    enableBodyModel: true,
    mirrored: false,
    backend: "wasm",
    numThreads: 0,
    onProgress: (e: ProgressEvent) => console.log(e.stage, e.loaded / e.total),
  });
  tracker.onResults((r: Results) => console.log(r.poseLandmarks?.[0].visibility));
  const r: Results | DroppedFrame = await tracker.send(video, performance.now());
  let n = 0;
  if (!r.dropped) {
    n += r.poseLandmarks?.length ?? 0;
    n += r.leftHandLandmarks?.reduce((s, p) => s + p.x + p.y + p.z, 0) ?? 0;
    n += r.bodyModel ? r.bodyModel.jointRotations[0][3] + r.bodyModel.jointNames.length : 0;
    n += r.timings.total + (r.timings.detector ?? 0);
    if (r.segmentationMask) n += r.segmentationMask.width;
  } else {
    n += r.timestampMs;
  }
  await tracker.send(still);
  await tracker.reset();
  const stats = await tracker.stats();
  n += stats.wasmMemoryBytes + tracker.info.numThreads;
  await tracker.close();
  return n;
}

async function fromMediaPipeTasks(video: HTMLVideoElement): Promise<number> {
  // MediaPipe Tasks' option names and detectForVideo (awaited: ours runs in a worker).
  const tracker = await create({ runningMode: "VIDEO", minPoseDetectionConfidence: 0.5, minPosePresenceConfidence: 0.5, outputSegmentationMasks: false });
  const r = await tracker.detectForVideo(video, performance.now());
  return r.dropped ? 0 : r.poseLandmarks?.length ?? 0;
}

async function scriptTag(img: HTMLImageElement): Promise<void> {
  // The script-tag build's global.
  const tracker = await BlazePoseHolistic.create({ staticImageMode: true });
  const r = await tracker.send(img);
  if (!r.dropped) console.log(r.poseWorldLandmarks?.[0].z, BlazePoseHolistic.version);
}

// @ts-expect-error modelComplexity is 0, 1 or 2
create({ modelComplexity: 3 });
// @ts-expect-error Tasks' LIVE_STREAM has no counterpart (send() with onResults is that)
create({ runningMode: "LIVE_STREAM" });
// @ts-expect-error there is no such option
create({ modelComplexty: 1 });

export { esm, fromMediaPipeTasks, scriptTag };
