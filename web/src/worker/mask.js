// The segmentation mask (float, frame-aligned, reduced resolution) as a frame-sized
// ImageBitmap: white with alpha = person probability, like MediaPipe's segmentationMask
// used with globalCompositeOperation "source-in".

export class MaskRenderer {
  constructor() {
    this.canvas = null; // reused: the mask's size only changes with the frame's
  }

  toImageBitmap(maskData, width, height) {
    const { width: mw, height: mh, data } = maskData;
    if (!this.canvas) this.canvas = new OffscreenCanvas(mw, mh);
    const mc = this.canvas;
    if (mc.width !== mw || mc.height !== mh) {
      mc.width = mw;
      mc.height = mh;
    }
    const rgba = new ImageData(mw, mh);
    const px = new Uint32Array(rgba.data.buffer);
    for (let i = 0; i < data.length; i++) {
      const a = Math.max(0, Math.min(255, Math.round(data[i] * 255)));
      px[i] = (a << 24) | 0xffffff; // little-endian RGBA: R=G=B=255, A=a
    }
    mc.getContext("2d").putImageData(rgba, 0, 0);
    const out = new OffscreenCanvas(width, height);
    out.getContext("2d").drawImage(mc, 0, 0, width, height);
    return out.transferToImageBitmap();
  }
}
