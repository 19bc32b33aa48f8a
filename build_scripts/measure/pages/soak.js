// The soak's page (build_scripts/measure/soak.py serves it with soak.html): soak.load once,
// then soak.start per chunk of frames, which returns at once; Python polls soak.done, so that
// its own deadline, not one long page.evaluate, bounds a stuck chunk.
window.soak = {
  tracker: null,
  images: [],
  done: null,
  frameMs: 0,
  async load(frames, options, fps) {
    this.frameMs = 1000 / fps;
    for (const f of frames) {
      const r = await fetch(f.url);
      if (!r.ok) throw new Error('fetch ' + f.url + ': ' + r.status);
      this.images.push(new ImageData(new Uint8ClampedArray(await r.arrayBuffer()), f.width, f.height));
    }
    const t0 = performance.now();
    this.tracker = await BlazePoseHolistic.create(options);
    const info = this.tracker.info;
    return {loadMs: Math.round(performance.now() - t0), backend: info.backend, numThreads: info.numThreads,
            versions: info.versions, notes: info.notes};
  },
  // items: [[frame index, image index]]; per frame
  // [pose, hands, detector ran, worker ms, wall ms, dropped, error] (soak.py's ROW_FIELDS).
  start(items) {
    this.done = null;
    this.run(items).then((out) => { this.done = out; });
  },
  async run(items) {
    const out = [];
    for (const [i, k] of items) {
      const t0 = performance.now();
      try {
        const r = await this.tracker.send(this.images[k], i * this.frameMs);
        out.push([r.poseLandmarks ? 1 : 0, !!r.leftHandLandmarks + !!r.rightHandLandmarks,
                  r.poseDetection ? 1 : 0, r.timings ? r.timings.total : null,
                  performance.now() - t0, r.dropped ? 1 : 0, null]);
      } catch (e) {
        out.push([0, 0, 0, null, performance.now() - t0, 0, e.name + ': ' + e.message]);
      }
    }
    return out;
  },
};
