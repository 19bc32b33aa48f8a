// The demo page: the tracker (BlazePoseHolistic, the script-tag build loaded by index.html)
// turns frames into landmarks and body-model rotations; those drive an avatar.
//
// Reading order: state and elements -> start-up -> the frame loop -> results -> inputs,
// avatars, controls, recording -> the test hooks on window.demo.
//
// URL parameters: ?avatar=<url> (.glb .gltf .fbx .vrm), ?source=sample|webcam,
// ?complexity=0|1|2, ?hands=0, ?smooth=0, ?solver=lifter|analytic, ?backend=wasm|webgpu,
// ?mirror=1.

import { createMannequin } from "./mannequin.js";
import { Avatar, SEGMENT_CHILD, avatarKind, loadAvatar } from "./avatar.js";
import { BodyModel } from "./body-model.js";
import { AvatarView, InputView, WorldView } from "./views.js";
import { CameraError, hasCamera, openImage, openVideo, openWebcam } from "./sources.js";
import { Recorder, download, toBVH, toGLB } from "./export.js";

const $ = (id) => document.getElementById(id);
const params = new URLSearchParams(location.search);

const options = {
  modelComplexity: Number(params.get("complexity") ?? 1),
  smoothLandmarks: params.get("smooth") !== "0",
  enableHands: params.get("hands") !== "0",
  backend: params.get("backend") || "wasm",
  solver: params.get("solver") || "lifter",
  mirror: params.has("mirror") ? params.get("mirror") === "1" : null, // null: per source
  showFit: true,
};

const state = {
  body: null,
  tracker: null,
  trackerGeneration: 0,
  restarts: 0, // trackers started again after their worker died
  source: null,
  busy: false,
  lastVideoTime: -1,
  stillDone: false,
  pose: null,
  fps: 0,
  lastResultAt: 0,
  timings: {},
};

const MAX_RESTARTS = 3; // a worker that keeps dying is not worth restarting for ever
const frameCanvas = document.createElement("canvas"); // the frame being tracked
const frameCtx = frameCanvas.getContext("2d");
const recorder = new Recorder();

let inputView;
let worldView;
let avatarView;

// The test hooks (see the end of this file for the helpers).
const demo = {
  lastResult: null,
  frameCount: 0,
  boneRotations: {},
  status: "loading",
  error: null,
  messages: [],
  options,
  recorder,
};
window.demo = demo;

// ------------------------------------------------------------------------------ start-up
async function main() {
  inputView = new InputView($("input-canvas"));
  worldView = new WorldView($("world-stage"));
  avatarView = new AvatarView($("avatar-stage"));
  wireControls();
  requestAnimationFrame(tick);

  state.body = await BodyModel.load("body_model.json");
  demo.body = state.body;
  const avatarUrl = params.get("avatar");
  await (avatarUrl ? useAvatarUrl(avatarUrl, avatarUrl) : useMannequin());

  // The input starts while the tracker loads (the page is alive at once).
  await chooseStartSource();
  await startTracker();
}

async function chooseStartSource() {
  const wanted = params.get("source");
  if (wanted === "sample") return useSample();
  if (wanted === "webcam" || (wanted === null && (await hasCamera()))) {
    try {
      return await useWebcam();
    } catch (e) {
      showMessage(e.message, e instanceof CameraError ? "" : "error");
      return useSample({ keepMessage: true });
    }
  }
  showMessage("No camera found: playing the bundled sample. Use the buttons on the right (or drop a file) to track your own video or image.");
  return useSample({ keepMessage: true });
}

/** (Re)create the tracker with the current options, showing load progress. */
async function startTracker() {
  const generation = ++state.trackerGeneration;
  const old = state.tracker;
  state.tracker = null;
  if (old) old.close().catch(() => {});
  demo.status = "loading";
  setProgress({ stage: "start", loaded: 0, total: 0 });
  let tracker;
  try {
    tracker = await BlazePoseHolistic.create({
      modelComplexity: options.modelComplexity,
      smoothLandmarks: options.smoothLandmarks,
      enableHands: options.enableHands,
      backend: options.backend,
      onProgress: (event) => generation === state.trackerGeneration && !state.tracker && setProgress(event),
    });
  } catch (e) {
    if (generation !== state.trackerGeneration) return;
    demo.status = "error";
    demo.error = `${e.name}: ${e.message}`;
    setProgress(null);
    showMessage(`The tracker could not start: ${e.message}`, "error");
    return;
  }
  if (generation !== state.trackerGeneration) {
    tracker.close();
    return;
  }
  state.tracker = tracker;
  state.stillDone = false;
  state.lastVideoTime = -1;
  demo.tracker = tracker;
  demo.status = "running";
  setProgress(null);
  updateInfo();
}

// ------------------------------------------------------------------------- the frame loop
let lastTick = performance.now();

function tick(now) {
  const dt = Math.min(0.1, (now - lastTick) / 1000);
  lastTick = now;
  const src = state.source;
  if (src && src.ready()) {
    if (!state.tracker && !src.still) inputView.draw(src.element, null); // live preview while loading
    if (state.tracker && !state.busy) trackCurrentFrame(src);
  }
  // 3D views redraw when something changed (a result, orbiting, resizing, a VRM's springs).
  worldView.render();
  avatarView.render(dt);
  requestAnimationFrame(tick);
}

/** Send the source's current frame to the tracker (one frame in flight at a time). */
async function trackCurrentFrame(src) {
  const videoTime = src.still ? null : src.frameTime();
  if (src.still) {
    if (state.stillDone) return;
  } else {
    const t = videoTime;
    if (t === state.lastVideoTime) return; // no new frame yet
    if (t < state.lastVideoTime) state.tracker.reset(); // the video looped: start over
    state.lastVideoTime = t;
  }
  const tracker = state.tracker;
  state.busy = true;
  try {
    // Snapshot the frame: the overlay is drawn on exactly the pixels that were tracked.
    const el = src.element;
    const w = el.naturalWidth || el.videoWidth;
    const h = el.naturalHeight || el.videoHeight;
    if (frameCanvas.width !== w || frameCanvas.height !== h) {
      frameCanvas.width = w;
      frameCanvas.height = h;
    }
    frameCtx.drawImage(el, 0, 0, w, h);
    const result = await tracker.send(frameCanvas, performance.now());
    if (tracker !== state.tracker || src !== state.source) return; // options or input changed
    if (result.dropped) return;
    if (src.still) state.stillDone = true;
    demo.lastFrameTime = videoTime; // the tracked frame's time in the video (tests)
    onResult(result);
  } catch (e) {
    if (tracker !== state.tracker) return;
    demo.error = `${e.name}: ${e.message}`;
    if (!tracker.error) {
      showMessage(`Tracking failed: ${e.message}`, "error"); // this frame only
    } else if (++state.restarts <= MAX_RESTARTS) {
      // The worker itself died (a crash, out of memory): a new one carries on.
      showMessage(`The tracker stopped (${e.message}); restarting it.`, "error");
      startTracker();
    } else {
      showMessage(`The tracker stopped again (${e.message}); reload the page.`, "error");
    }
  } finally {
    state.busy = false;
  }
}

// ------------------------------------------------------------------------------ results
function onResult(result) {
  demo.lastResult = result;
  demo.frameCount++;
  const now = performance.now();
  if (state.lastResultAt) {
    const fps = 1000 / Math.max(1, now - state.lastResultAt);
    state.fps = state.fps ? 0.9 * state.fps + 0.1 * fps : fps;
  }
  state.lastResultAt = now;
  // Per-stage latency, smoothed; a stage that did not run this frame (the detector while
  // tracking, hands when none is visible) leaves the table.
  const timings = result.timings || {};
  for (const k of Object.keys(state.timings)) if (!(k in timings)) delete state.timings[k];
  for (const [k, v] of Object.entries(timings)) {
    state.timings[k] = state.timings[k] === undefined ? v : 0.8 * state.timings[k] + 0.2 * v;
  }

  const mirrored = isMirrored();
  inputView.draw(frameCanvas, result);
  worldView.showFit = options.showFit;
  worldView.update(result, mirrored);

  if (result.poseWorldLandmarks) {
    const useLifter = options.solver === "lifter" && result.bodyModel;
    let pose = useLifter ? state.body.poseFromBodyModel(result.bodyModel) : state.body.poseFromLandmarks(result);
    if (mirrored) pose = state.body.mirrorPose(pose);
    state.pose = pose;
    demo.pose = { rotations: pose.rotations.map((q) => q.toArray()), hips: pose.hips.toArray(), source: pose.source };
    const avatar = avatarView.avatar;
    if (avatar) {
      avatar.apply(pose);
      avatarView.invalidate();
      demo.boneRotations = avatar.boneRotations();
      recorder.add(result.timestampMs ?? now, pose, avatar);
    }
  }
  updateStatus(result);
}

// ------------------------------------------------------------------------------- inputs
async function switchSource(open) {
  const previous = state.source;
  state.source = null;
  if (previous) previous.stop();
  hideMessage();
  const source = await open();
  state.source = source;
  state.stillDone = false;
  state.lastVideoTime = -1;
  if (state.tracker) await state.tracker.reset();
  $("source-label").textContent = source.label;
  for (const id of ["src-webcam", "src-sample"]) $(id).classList.toggle("active", id === "src-" + source.kind);
  $("input-canvas").classList.toggle("mirrored", isMirrored());
  $("opt-mirror").checked = isMirrored();
  return source;
}

function useSample({ keepMessage = false } = {}) {
  const message = keepMessage ? $("input-message").textContent : null;
  return switchSource(() => openVideo($("video"), "sample.mp4", { kind: "sample", label: "bundled sample (our mannequin, CMU clip 02_07)" })).then((s) => {
    if (message) showMessage(message, $("input-message").dataset.kind);
    return s;
  });
}

function useWebcam() {
  return switchSource(() => openWebcam($("video")));
}

function useFile(file) {
  const url = URL.createObjectURL(file);
  if (file.type.startsWith("image/")) {
    return switchSource(() => openImage($("image"), url, { label: file.name, objectUrl: true }));
  }
  return switchSource(() => openVideo($("video"), url, { label: file.name, objectUrl: true }));
}

function isMirrored() {
  if (options.mirror !== null) return options.mirror;
  return !!state.source && state.source.kind === "webcam"; // a selfie view for the webcam
}

// ------------------------------------------------------------------------------ avatars
async function useMannequin() {
  const man = createMannequin(state.body);
  setAvatar(new Avatar({ root: man.root, bones: man.bones, kind: "mannequin", name: "Mannequin", body: state.body }));
}

async function useAvatarUrl(url, name, files = null) {
  try {
    setAvatar(await loadAvatar(url, state.body, { name, files }));
  } catch (e) {
    demo.error = `avatar: ${e.message}`;
    showMessage(`Could not load the avatar ${name}: ${e.message}`, "error");
    if (!avatarView.avatar) await useMannequin();
  }
}

function setAvatar(avatar) {
  if (recorder.recording) toggleRecording();
  avatarView.setAvatar(avatar);
  if (state.pose) avatar.apply(state.pose);
  avatarView.invalidate();
  demo.avatar = avatar;
  demo.boneRotations = avatar.boneRotations();
  const label = `${avatar.name} · ${avatar.kind} · ${avatar.mappedCount}/${state.body.count} bones mapped`;
  $("avatar-label").textContent = label;
  updateInfo();
}

/** Files chosen or dropped: an avatar (with a .gltf's side files), a video or an image. */
function handleFiles(fileList) {
  const files = [...fileList];
  const avatarFile = files.find((f) => avatarKind(f.name));
  if (avatarFile) {
    const side = new Map(files.filter((f) => f !== avatarFile).map((f) => [f.name, URL.createObjectURL(f)]));
    return useAvatarUrl(URL.createObjectURL(avatarFile), avatarFile.name, side);
  }
  const media = files.find((f) => f.type.startsWith("video/") || f.type.startsWith("image/"));
  if (media) return useFile(media).catch((e) => showMessage(e.message, "error"));
  showMessage(`Not a video, an image or an avatar: ${files.map((f) => f.name).join(", ")}`, "error");
}

// ----------------------------------------------------------------------------- controls
function wireControls() {
  $("src-webcam").onclick = () => useWebcam().catch((e) => {
    showMessage(e.message, e instanceof CameraError ? "" : "error");
    return useSample({ keepMessage: true });
  });
  $("src-sample").onclick = () => useSample();
  $("src-video").onchange = (e) => e.target.files[0] && useFile(e.target.files[0]).catch((err) => showMessage(err.message, "error"));
  $("src-image").onchange = (e) => e.target.files[0] && useFile(e.target.files[0]).catch((err) => showMessage(err.message, "error"));
  $("avatar-mannequin").onclick = () => useMannequin();
  $("avatar-file").onchange = (e) => e.target.files.length && handleFiles(e.target.files);

  document.addEventListener("dragover", (e) => {
    e.preventDefault();
    document.body.classList.add("dragging");
  });
  document.addEventListener("dragleave", (e) => {
    if (e.target === document.documentElement || !e.relatedTarget) document.body.classList.remove("dragging");
  });
  document.addEventListener("drop", (e) => {
    e.preventDefault();
    document.body.classList.remove("dragging");
    if (e.dataTransfer.files.length) handleFiles(e.dataTransfer.files);
  });

  const restartOn = (id, apply) => {
    $(id).onchange = (e) => {
      apply(e.target);
      startTracker();
    };
  };
  $("opt-complexity").value = String(options.modelComplexity);
  $("opt-smooth").checked = options.smoothLandmarks;
  $("opt-hands").checked = options.enableHands;
  $("opt-backend").value = options.backend;
  $("opt-solver").value = options.solver;
  restartOn("opt-complexity", (el) => (options.modelComplexity = Number(el.value)));
  restartOn("opt-smooth", (el) => (options.smoothLandmarks = el.checked));
  restartOn("opt-hands", (el) => (options.enableHands = el.checked));
  restartOn("opt-backend", (el) => (options.backend = el.value));
  $("opt-solver").onchange = (e) => {
    options.solver = e.target.value;
    state.stillDone = false; // an image is tracked again with the other solver
    updateInfo();
  };
  $("opt-mirror").onchange = (e) => {
    options.mirror = e.target.checked;
    $("input-canvas").classList.toggle("mirrored", options.mirror);
    state.stillDone = false;
  };
  $("opt-fit").onchange = (e) => (options.showFit = e.target.checked);

  $("rec-toggle").onclick = toggleRecording;
  $("rec-bvh").onclick = () => download(toBVH(state.body, recorder), "blazepose-holistic.bvh", "text/plain");
  $("rec-gltf").onclick = async () => download(await toGLB(recorder), "blazepose-holistic.glb", "model/gltf-binary");
}

// ---------------------------------------------------------------------------- recording
function toggleRecording() {
  const button = $("rec-toggle");
  if (recorder.recording) {
    recorder.stop();
    button.textContent = "● Record";
    button.classList.remove("recording");
  } else {
    recorder.start(avatarView.avatar);
    button.textContent = "■ Stop";
    button.classList.add("recording");
  }
  updateRecordingInfo();
}

function updateRecordingInfo() {
  const n = recorder.frames.length;
  const done = !recorder.recording && n > 0;
  $("rec-bvh").disabled = !done;
  $("rec-gltf").disabled = !done;
  if (recorder.recording || n) {
    $("rec-info").textContent = `${recorder.recording ? "Recording: " : "Recorded "}${n} frames, ${recorder.duration.toFixed(1)} s`;
  }
}

// --------------------------------------------------------------------- status & messages
function setProgress(event) {
  const box = $("progress");
  if (!event) {
    box.hidden = true;
    return;
  }
  box.hidden = false;
  const frac = event.total ? event.loaded / event.total : 0;
  $("progress-fill").style.width = `${(100 * frac).toFixed(1)}%`;
  const mb = (b) => (b / 1e6).toFixed(1);
  const stage = { start: "starting", pyodide: "Python runtime", numpy: "numpy", package: "our Python package", sessions: "models", pipeline: "pipeline", ready: "ready" }[event.stage] || event.stage;
  $("progress-text").textContent = `Loading ${stage}${event.detail ? ` (${event.detail})` : ""} · ${mb(event.loaded)} / ${mb(event.total)} MB`;
  demo.progress = event;
}

const TIMING_LABELS = {
  frame: "read frame", detector: "pose detector", poseLandmarks: "pose landmarks",
  handRecrop: "hand re-crop", handLandmarks: "hand landmarks", lifter: "lifter",
  inference: "inference (sum)", python: "Python pipeline", total: "total in worker",
};

function updateStatus(result) {
  const found = result.poseLandmarks ? "person found" : "no person";
  const hands = ["left", "right"].filter((s) => result[s + "HandLandmarks"]).join(" + ") || "none";
  const src = state.pose ? state.pose.source : "-";
  $("status-main").innerHTML = `<b>${state.fps.toFixed(1)}</b> fps · ${found} · hands: ${hands}<br>rotations: ${src === "lifter" ? "lifter" : src === "analytic" ? "bone directions" : src}`;
  const rows = Object.entries(state.timings)
    .filter(([k]) => k in TIMING_LABELS)
    .sort(([a], [b]) => Object.keys(TIMING_LABELS).indexOf(a) - Object.keys(TIMING_LABELS).indexOf(b))
    .map(([k, v]) => `<tr><td>${TIMING_LABELS[k]}</td><td>${v.toFixed(1)} ms</td></tr>`);
  $("timings").innerHTML = rows.join("");
  if (recorder.recording) updateRecordingInfo();
}

function updateInfo() {
  const t = state.tracker;
  const lines = [];
  if (t && t.info) {
    const i = t.info;
    const workers = i.parallelHands ? ", hands shared by two workers" : "";
    lines.push(`backend ${i.backend}, ${i.numThreads} thread${i.numThreads === 1 ? "" : "s"}${workers}; models: ${i.models.join(", ")}`);
    const ortVersion = i.versions && i.versions.onnxruntime ? `, onnxruntime-web ${i.versions.onnxruntime}` : "";
    if (i.versions) lines.push(`Pyodide ${i.versions.pyodide}${ortVersion}; loaded in ${(i.loadMs / 1000).toFixed(1)} s`);
    for (const n of i.notes || []) lines.push(`note: ${n}`);
  }
  $("status-info").innerHTML = lines.map((l) => `<div>${escapeHtml(l)}</div>`).join("");
}

function showMessage(text, kind = "") {
  const el = $("input-message");
  el.textContent = text;
  el.dataset.kind = kind;
  el.className = "message" + (kind ? " " + kind : "");
  el.hidden = false;
  demo.messages.push(text);
}

function hideMessage() {
  $("input-message").hidden = true;
}

function escapeHtml(s) {
  return String(s).replace(/[&<>"]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" })[c]);
}

// ------------------------------------------------------------------------- test hooks
Object.assign(demo, {
  /** Start or stop recording (like the button). */
  toggleRecording,
  /** The recording as BVH text. */
  exportBVH: () => toBVH(state.body, recorder),
  /** The recording as a GLB, base64 (for tests). */
  exportGLB: async () => {
    const bytes = new Uint8Array(await toGLB(recorder));
    let s = "";
    for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
    return btoa(s);
  },
  /** Segment directions of the current pose, the avatar's and the body model's (body frame). */
  segmentDirections: () => {
    const avatar = avatarView.avatar;
    const { positions } = state.body.forwardKinematics(state.pose.rotations);
    const at = (joint) => positions[state.body.index[joint]];
    const out = {};
    for (const [joint, dir] of Object.entries(avatar.segmentDirections())) {
      const model = at(SEGMENT_CHILD[joint]).clone().sub(at(joint)).normalize();
      out[joint] = { avatar: dir, model: model.toArray() };
    }
    return out;
  },
  useSample,
  useAvatarUrl: (url) => useAvatarUrl(url, url),
});
// A getter, not a copy (Object.assign would copy the value once): a script that pauses the
// input (build_scripts/bundle/screenshot.py) waits on it for the frame in flight to land.
Object.defineProperty(demo, "busy", { get: () => state.busy, enumerable: true });

main().catch((e) => {
  console.error(e);
  demo.status = "error";
  demo.error = `${e.name}: ${e.message}`;
  showMessage(`The demo failed to start: ${e.message}`, "error");
});
