// Frame size limits, shared by the API (checked before any pixel is copied) and the worker
// (checked again on what arrives). The same numbers as frames.MAX_SIDE / MAX_PIXELS in the
// Python package: larger frames would cost hundreds of MB per copy for no accuracy, since
// every model sees a 256 px or smaller crop.
import { namedError } from "./errors.js";

export const MAX_SIDE = 16384;
export const MAX_PIXELS = 40000000;

/** Throws a FrameError naming the problem when a width x height frame is empty or too large. */
export function checkFrameSize(width, height) {
  if (!(width > 0 && height > 0)) throw namedError("FrameError", `the frame is empty (${width}x${height})`);
  if (width > MAX_SIDE || height > MAX_SIDE || width * height > MAX_PIXELS) {
    throw namedError(
      "FrameError",
      `a frame of ${width}x${height} is too large (at most ${MAX_SIDE} px a side and ${MAX_PIXELS} pixels); downscale it first`,
    );
  }
}
