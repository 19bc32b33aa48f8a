// The crop in front of each LiteRT.js network: the arithmetic of our crop graph
// (build_scripts/models/crop_graph.py; its numpy twin is crop_graph.reference_crop), on the
// worker's RGBA frame. onnxruntime-web ran that graph at 6-7 ms a crop; this loop takes a
// fraction of it. tests/web/test_crop_js.py holds it to the reference crop.
//
// matrices: Float32Array (B * 6), row-major (B, 2, 3): the output pixel centred at (u, v)
// samples the frame at matrix @ [u, v, 1] (pixel k covers [k, k + 1)). Bilinear taps; a tap
// outside the frame is the nearest edge pixel ("replicate") or black ("zero"). Output:
// Float32Array (B, S, S, 3), values mapped from [0, 255] to [lo, hi].
export function cropFrame(pixels, width, height, matrices, batch, size, lo, hi, zeroBorder) {
  const out = new Float32Array(batch * size * size * 3);
  const scale = (hi - lo) / 255;
  let o = 0;
  for (let b = 0; b < batch; b++) {
    const m = matrices.subarray(b * 6, b * 6 + 6);
    for (let j = 0; j < size; j++) {
      const v = j + 0.5;
      for (let i = 0; i < size; i++) {
        const u = i + 0.5;
        const x = m[0] * u + m[1] * v + m[2] - 0.5;
        const y = m[3] * u + m[4] * v + m[5] - 0.5;
        const x0 = Math.floor(x);
        const y0 = Math.floor(y);
        const fx = x - x0;
        const fy = y - y0;
        let r = 0;
        let g = 0;
        let bl = 0;
        for (let dy = 0; dy < 2; dy++) {
          const yy = y0 + dy;
          const yc = yy < 0 ? 0 : yy > height - 1 ? height - 1 : yy;
          const wy = dy ? fy : 1 - fy;
          for (let dx = 0; dx < 2; dx++) {
            const xx = x0 + dx;
            const xc = xx < 0 ? 0 : xx > width - 1 ? width - 1 : xx;
            if (zeroBorder && (xc !== xx || yc !== yy)) continue;
            const w = wy * (dx ? fx : 1 - fx);
            const p = (yc * width + xc) * 4;
            r += w * pixels[p];
            g += w * pixels[p + 1];
            bl += w * pixels[p + 2];
          }
        }
        out[o++] = r * scale + lo;
        out[o++] = g * scale + lo;
        out[o++] = bl * scale + lo;
      }
    }
  }
  return out;
}
