// The browser tests' helpers (bph_browser.PAGE_HELPERS, evaluated in a page that has the
// script-tag bundle): fetch raw RGBA as ImageData, run a list of frames through a tracker.
window.bph = {
  trackers: {},
  async raw(url, width, height) {
    const r = await fetch(url);
    if (!r.ok) throw new Error('fetch ' + url + ': ' + r.status);
    return new ImageData(new Uint8ClampedArray(await r.arrayBuffer()), width, height);
  },
  async create(name, options) {
    const t = await BlazePoseHolistic.create(options);
    this.trackers[name] = t;
    return t.info;
  },
  async run(name, frames) {
    // frames: [{url, width, height, t}] processed one after the other (awaited).
    const t = this.trackers[name];
    const out = [];
    for (const f of frames) {
      const img = await this.raw(f.url, f.width, f.height);
      const r = await t.send(img, f.t);
      out.push(r);
    }
    return out;
  },
};
