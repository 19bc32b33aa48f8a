// Input sources: the webcam, a video file, an image file, and the bundled sample clip.
// Each source exposes `element` (what is sent to the tracker) and `live`/`still` flags.

/** A friendly error for camera failures: .message is shown to the user as is. */
export class CameraError extends Error {
  constructor(message, cause) {
    super(message);
    this.name = "CameraError";
    this.cause = cause;
  }
}

/** True when the browser lists at least one camera (no permission prompt needed). */
export async function hasCamera() {
  if (!navigator.mediaDevices || !navigator.mediaDevices.enumerateDevices) return false;
  try {
    const devices = await navigator.mediaDevices.enumerateDevices();
    return devices.some((d) => d.kind === "videoinput");
  } catch {
    return false;
  }
}

function cameraMessage(e) {
  switch (e && e.name) {
    case "NotAllowedError":
    case "SecurityError":
    case "PermissionDeniedError":
      return "Camera access was denied. Allow the camera for this page in the browser's site settings, or use the sample, a video or an image.";
    case "NotFoundError":
    case "DevicesNotFoundError":
    case "OverconstrainedError":
      return "No camera found. Playing the bundled sample instead; you can also open a video or an image.";
    case "NotReadableError":
    case "TrackStartError":
    case "AbortError":
      return "The camera could not be started (is another application using it?).";
    default:
      return `The camera could not be started: ${e && e.message ? e.message : e}`;
  }
}

class VideoSource {
  constructor(kind, video, label) {
    this.kind = kind;
    this.element = video;
    this.label = label;
    this.live = kind === "webcam";
    this.still = false;
    // The presentation time of the frame on screen (requestVideoFrameCallback), which is
    // what drawImage() copies; currentTime can run ahead of it on a busy machine.
    this.mediaTime = null;
    this.stopped = false;
    if (video.requestVideoFrameCallback) {
      const onFrame = (now, meta) => {
        if (this.stopped) return;
        this.mediaTime = meta.mediaTime;
        video.requestVideoFrameCallback(onFrame);
      };
      video.requestVideoFrameCallback(onFrame);
    }
  }

  /** The time of the frame the video shows now (seconds). */
  frameTime() {
    return this.mediaTime ?? this.element.currentTime;
  }

  ready() {
    const v = this.element;
    return v.readyState >= 2 && v.videoWidth > 0;
  }

  stop() {
    this.stopped = true;
    const v = this.element;
    v.pause();
    if (v.srcObject) {
      for (const t of v.srcObject.getTracks()) t.stop();
      v.srcObject = null;
    }
    if (this.objectUrl) URL.revokeObjectURL(this.objectUrl);
    v.removeAttribute("src");
    v.load();
  }
}

/** Start the webcam in `video`. Throws CameraError with a message for the user. */
export async function openWebcam(video) {
  if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
    throw new CameraError("The camera needs a secure page: open the demo over https or from http://localhost / 127.0.0.1.");
  }
  let stream;
  try {
    stream = await navigator.mediaDevices.getUserMedia({
      video: { width: { ideal: 1280 }, height: { ideal: 720 }, facingMode: "user" },
      audio: false,
    });
  } catch (e) {
    throw new CameraError(cameraMessage(e), e);
  }
  video.srcObject = stream;
  video.muted = true;
  video.playsInline = true;
  await video.play();
  const track = stream.getVideoTracks()[0];
  return new VideoSource("webcam", video, track ? track.label || "webcam" : "webcam");
}

/** Play a video URL (the sample, or a blob: URL of a chosen file) in a loop. */
export async function openVideo(video, url, { kind = "video", label = url, objectUrl = false } = {}) {
  video.srcObject = null;
  video.src = url;
  video.loop = true;
  video.muted = true;
  video.playsInline = true;
  await new Promise((resolve, reject) => {
    const ok = () => {
      cleanup();
      resolve();
    };
    const fail = () => {
      cleanup();
      const err = video.error;
      reject(new Error(`${label}: this video cannot be played here${err ? ` (${err.message || "code " + err.code})` : ""}`));
    };
    const cleanup = () => {
      video.removeEventListener("loadeddata", ok);
      video.removeEventListener("error", fail);
    };
    video.addEventListener("loadeddata", ok);
    video.addEventListener("error", fail);
  });
  await video.play();
  const source = new VideoSource(kind, video, label);
  if (objectUrl) source.objectUrl = url;
  return source;
}

/** Show an image URL (a blob: URL of a chosen file, or a same-origin URL). */
export async function openImage(img, url, { label = url, objectUrl = false } = {}) {
  img.src = url;
  try {
    await img.decode();
  } catch {
    throw new Error(`${label}: this image cannot be decoded`);
  }
  return {
    kind: "image",
    element: img,
    label,
    live: false,
    still: true,
    ready: () => img.complete && img.naturalWidth > 0,
    stop: () => objectUrl && URL.revokeObjectURL(url),
  };
}
