// Type declarations for blazepose-holistic.mjs (ES module) and blazepose-holistic.js
// (script tag: the same API on the global `BlazePoseHolistic`).

/** A landmark in image coordinates: x, y in [0, 1] over the image; z in x's scale,
 * hips near 0, negative towards the camera. */
export interface NormalizedLandmark {
  x: number;
  y: number;
  z: number;
  visibility?: number;
  presence?: number;
}

/** A landmark in metres; pose: origin between the hips, y down. Pose world landmarks carry
 * the image landmarks' visibility and presence (as in Python). */
export interface Landmark {
  x: number;
  y: number;
  z: number;
  visibility?: number;
  presence?: number;
}

/** MediaPipe's NormalizedRect: centre and size as fractions of the image, rotation in
 * radians (positive turns clockwise on screen). */
export interface NormalizedRect {
  xCenter: number;
  yCenter: number;
  width: number;
  height: number;
  rotation: number;
}

export interface PoseDetection {
  score: number;
  box: { xMin: number; yMin: number; xMax: number; yMax: number };
  keypoints: { x: number; y: number }[];
}

export interface BodyModel {
  /** Mixamo-style joint names; index i names jointRotations[i]. */
  jointNames: string[];
  /** Per joint local rotation relative to the rest pose, quaternion [x, y, z, w], in the
   * parent's frame (model frame: y up). Row 0 (Hips) equals rootRotation. */
  jointRotations: [number, number, number, number][];
  rootRotation: [number, number, number, number];
  /** Hips position in metres (model frame) relative to the landmark hip midpoint. */
  rootTranslation: [number, number, number];
  /** Shape: log segment-length factors. */
  beta: number[];
  /** The model's reconstruction of the 75 input points (MediaPipe world frame, metres). */
  landmarks: Landmark[];
}

export interface SegmentationMaskData {
  /** At most 512 px on the long side, aligned with the whole frame. */
  width: number;
  height: number;
  /** Person probability per pixel, row-major. */
  data: Float32Array;
}

export interface Timings {
  /** Reading the frame's pixels in the worker. */
  frame: number;
  /** onnxruntime-web time per pipeline stage (present when the stage ran). */
  detector?: number;
  poseLandmarks?: number;
  handRecrop?: number;
  handLandmarks?: number;
  /** enableHandRecovery: the palm search at a wrist, and the hand model on what it found. */
  palmDetector?: number;
  handRecovery?: number;
  lifter?: number;
  inference: number;
  /** Python (Pyodide) pipeline time, including the JS/Python crossings. */
  python: number;
  total: number;
}

export interface Results {
  imageSize: { width: number; height: number };
  timestampMs: number;
  /** 33 pose landmarks; absent when no person was found. */
  poseLandmarks?: NormalizedLandmark[];
  poseWorldLandmarks?: Landmark[];
  /** 21 landmarks each; the person's own left / right hand. */
  leftHandLandmarks?: NormalizedLandmark[];
  rightHandLandmarks?: NormalizedLandmark[];
  leftHandWorldLandmarks?: Landmark[];
  rightHandWorldLandmarks?: Landmark[];
  poseRoi?: NormalizedRect;
  leftHandRoi?: NormalizedRect;
  rightHandRoi?: NormalizedRect;
  /** Present on frames where the pose detector ran. */
  poseDetection?: PoseDetection;
  /** With enableSegmentation: frame-sized, white with alpha = person probability. */
  segmentationMask?: ImageBitmap;
  /** The same mask as numbers. */
  segmentationMaskData?: SegmentationMaskData;
  /** With the body model: its parameters (joint rotations drive an avatar). */
  bodyModel?: BodyModel;
  timings: Timings;
  dropped?: undefined;
}

/** What send() resolves with when a newer frame replaced this one while it waited. */
export interface DroppedFrame {
  dropped: true;
  timestampMs: number;
  reason: string;
}

export interface ProgressEvent {
  /** "start" | "pyodide" | "numpy" | "package" | "sessions" | "pipeline" | "ready" */
  stage: string;
  /** e.g. the model whose session is being created. */
  detail?: string;
  /** Bytes downloaded so far / expected in total, over every file this tracker loads. */
  loaded: number;
  total: number;
  /** The file (relative to baseUrl) whose bytes just arrived. */
  file?: string;
}

export interface Options {
  /** 0 lite, 1 full (default), 2 heavy pose landmark model. */
  modelComplexity?: 0 | 1 | 2;
  /** One Euro smoothing across frames (video mode). Default true. */
  smoothLandmarks?: boolean;
  enableSegmentation?: boolean;
  /** Blend the mask with the previous frame's where uncertain (video mode). Default true. */
  smoothSegmentation?: boolean;
  /** Default 0.5. */
  minDetectionConfidence?: number;
  /** Default 0.5. */
  minTrackingConfidence?: number;
  /** Every frame unrelated: detect, no tracking, no smoothing. Default false. */
  staticImageMode?: boolean;
  /** Default true. */
  enableHands?: boolean;
  /** Where the pose-seeded hand is missed at a visible wrist, track it from its own
   * landmarks or search for its palm around that wrist (adds the palm detector model).
   * Default false. */
  enableHandRecovery?: boolean;
  /** Run the lifter (body-model joint rotations). Default true. */
  enableBodyModel?: boolean;
  /** Default true. */
  smoothBodyModel?: boolean;
  /** Selfie view: left/right still name the person's own sides. Default false. */
  mirrored?: boolean;
  /** MediaPipe Tasks' names for the options above (docs/web.md, "Moving from MediaPipe
   * Tasks"); an alias and its option given different values is refused (TypeError). */
  /** = minDetectionConfidence. */
  minPoseDetectionConfidence?: number;
  /** = minTrackingConfidence (the pose presence threshold that triggers re-detection). */
  minPosePresenceConfidence?: number;
  /** "IMAGE" = staticImageMode: true, "VIDEO" = staticImageMode: false. */
  runningMode?: "IMAGE" | "VIDEO";
  /** PoseLandmarker's name: = enableSegmentation. */
  outputSegmentationMasks?: boolean;
  /** HolisticLandmarker's name: = enableSegmentation. */
  outputPoseSegmentationMasks?: boolean;
  /** Where the bundle's files are; default: the directory of the script / module. */
  baseUrl?: string;
  /** Another Pyodide distribution (its directory or pyodide.js URL); it needs numpy. */
  indexURL?: string;
  /** "litert" (default): MediaPipe's networks on LiteRT.js (XNNPACK WebAssembly), crops
   * and the lifter on onnxruntime-web; "wasm": everything on onnxruntime-web's WASM build;
   * "webgpu": onnxruntime-web's WebGPU build (falls back to "litert", with a note in
   * info.notes, when there is no adapter). */
  backend?: "litert" | "wasm" | "webgpu";
  /** WASM threads when the page is cross-origin isolated; 0 (default) = automatic. */
  numThreads?: number;
  /** Run the second hand's re-crop and landmarks in a second worker, beside the first
   * (backend "litert"): "auto" (default) with two cores or more and (navigator.deviceMemory)
   * 4 GB or more; the helper costs about 100 MiB. Until that worker is ready, or if it
   * fails (stats().helper), both hands run in the tracker's worker. */
  parallelHands?: boolean | "auto";
  /** Declare the worker dead when it has not answered a waiting request for this long
   * (it was terminated or hangs); 0 = never. Default 30000. Loading is not timed. */
  workerTimeoutMs?: number;
  onProgress?: (event: ProgressEvent) => void;
}

export interface TrackerInfo {
  backend: "litert" | "wasm" | "webgpu";
  numThreads: number;
  /** Whether a second worker shares the hands (the parallelHands option). */
  parallelHands: boolean;
  crossOriginIsolated: boolean;
  models: string[];
  notes: string[];
  /** onnxruntime: only when a model runs on it (backend "wasm" or "webgpu"). */
  versions: { python: string; pyodide: string; onnxruntime?: string };
  loadMs: number;
  /** When Python and the models were ready (ms since start) and each session's creation. */
  /** Milliseconds since start-up began: Pyodide alone, numpy's package loaded and then
   * imported, our wheel fetched, Python
   * with our package imported, LiteRT.js loaded (backend "litert"), every model's engine;
   * and each engine's creation. */
  loadTimings: {
    pyodideReadyMs: number;
    numpyLoadedMs: number;
    numpyReadyMs: number;
    wheelFetchedMs: number;
    pythonReadyMs: number;
    litertReadyMs?: number;
    modelsReadyMs: number;
    sessionsMs: Record<string, number>;
  };
}

export interface WorkerStats {
  frames: number;
  /** The WebAssembly memory the worker can measure: Pyodide's. onnxruntime-web's own
   * memory has no public handle and is not included (docs/web.md#memory). */
  wasmMemoryBytes: number;
  pyodideHeapBytes: number;
  pythonObjects: number;
  liveProxies: number;
  /** parallelHands' second worker: "off", "starting", "ready", or "failed" (the hands
   * then run in the tracker's worker; helperFailure says why). */
  helper: "off" | "starting" | "ready" | "failed";
  helperFailure: string | null;
  /** Model runs the second worker answered. */
  helperRuns: number;
}

export type Frame =
  | HTMLVideoElement
  | HTMLImageElement
  | HTMLCanvasElement
  | OffscreenCanvas
  | ImageBitmap
  | VideoFrame
  | ImageData;

export declare class HolisticTracker {
  readonly info: TrackerInfo;
  /** The WorkerError that ended the worker (crashed, terminated, hung), else null. Once set,
   * every call rejects with it: create a new tracker. */
  readonly error: Error | null;
  /** True after close(); later calls reject with "the tracker is closed". */
  readonly closed: boolean;
  /** At most one frame is processed and one waits; a newer frame replaces the waiting
   * one, whose promise resolves with a DroppedFrame. Default timestamp: performance.now(). */
  send(frame: Frame | { image: Frame }, timestampMs?: number): Promise<Results | DroppedFrame>;
  /** MediaPipe Tasks' name: send(frame, timestampMs) with the timestamp required; a Promise,
   * since the work happens in a worker. */
  detectForVideo(frame: Frame | { image: Frame }, timestampMs: number): Promise<Results | DroppedFrame>;
  onResults(callback: ((results: Results) => void) | null): this;
  reset(): Promise<void>;
  stats(): Promise<WorkerStats>;
  close(): Promise<void>;
}

export declare function create(options?: Options): Promise<HolisticTracker>;
export declare const version: string;

declare global {
  /** The script-tag build's global. */
  const BlazePoseHolistic: {
    create: typeof create;
    HolisticTracker: typeof HolisticTracker;
    version: string;
  };
}
