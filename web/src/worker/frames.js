// Frame intake: what the page transfers ({kind: "rgba", buffer, width, height} for
// ImageData, {bitmap} for an ImageBitmap or VideoFrame) as RGBA uint8 pixels, [H, W, 4].
// The size limits are checked again here: the page's check is not a guarantee.
import { namedError } from "../errors.js";
import { checkFrameSize } from "../limits.js";

export class FrameReader {
  constructor() {
    // Reused across frames: reading pixels back is what costs, not the canvas.
    this.canvas = null;
    this.ctx = null;
  }

  /** Returns {pixels: Uint8Array, width, height}; closes a transferred bitmap. */
  read(frame) {
    if (frame.kind === "rgba") {
      const { width, height } = frame;
      checkFrameSize(width, height);
      const pixels = new Uint8Array(frame.buffer);
      if (pixels.length !== width * height * 4) {
        throw namedError("FrameError", `ImageData of ${width}x${height} must hold ${width * height * 4} bytes, not ${pixels.length}`);
      }
      return { pixels, width, height };
    }
    const source = frame.bitmap; // ImageBitmap or VideoFrame (transferred, ours to close)
    try {
      const width = source.displayWidth || source.width;
      const height = source.displayHeight || source.height;
      checkFrameSize(width, height);
      const ctx = this._context(width, height);
      ctx.clearRect(0, 0, width, height);
      ctx.drawImage(source, 0, 0, width, height);
      let data;
      try {
        data = ctx.getImageData(0, 0, width, height);
      } catch (e) {
        throw namedError("FrameError", `the frame's pixels cannot be read (${e.name}: a cross-origin image must be served with CORS)`);
      }
      return { pixels: new Uint8Array(data.data.buffer, data.data.byteOffset, data.data.byteLength), width, height };
    } finally {
      if (source && source.close) source.close();
    }
  }

  _context(width, height) {
    if (!this.canvas) {
      this.canvas = new OffscreenCanvas(width, height);
      this.ctx = this.canvas.getContext("2d", { willReadFrequently: true, alpha: true });
    }
    if (this.canvas.width !== width || this.canvas.height !== height) {
      this.canvas.width = width;
      this.canvas.height = height;
    }
    return this.ctx;
  }
}
