// Frame size limits and the named errors the API throws.
import assert from "node:assert/strict";
import { test } from "node:test";

import { namedError } from "../../../web/src/errors.js";
import { checkFrameSize, MAX_PIXELS, MAX_SIDE } from "../../../web/src/limits.js";

const EMPTY = { name: "FrameError", message: /empty/ };
const LARGE = { name: "FrameError", message: /too large/ };

test("the limits match the Python package (frames.MAX_SIDE / MAX_PIXELS)", () => {
  assert.equal(MAX_SIDE, 16384);
  assert.equal(MAX_PIXELS, 40000000);
});

test("empty or meaningless sizes are a FrameError", () => {
  for (const [w, h] of [
    [0, 10],
    [10, 0],
    [0, 0],
    [-1, 5],
    [NaN, 5],
    [5, undefined],
  ]) {
    assert.throws(() => checkFrameSize(w, h), EMPTY, `${w}x${h}`);
  }
});

test("a side over MAX_SIDE or an area over MAX_PIXELS is a FrameError", () => {
  for (const [w, h] of [
    [MAX_SIDE + 1, 1],
    [1, MAX_SIDE + 1],
    [MAX_SIDE, MAX_SIDE],
    [8001, 5000],
    [Infinity, 1],
  ]) {
    assert.throws(() => checkFrameSize(w, h), LARGE, `${w}x${h}`);
  }
});

test("sizes up to the limits pass", () => {
  for (const [w, h] of [
    [1, 1],
    [MAX_SIDE, 1],
    [1, MAX_SIDE],
    [8000, 5000], // exactly MAX_PIXELS
    [MAX_SIDE, 2441],
  ]) {
    assert.doesNotThrow(() => checkFrameSize(w, h), `${w}x${h}`);
  }
});

test("namedError is an Error told apart by name", () => {
  const e = namedError("WorkerError", "gone");
  assert.ok(e instanceof Error);
  assert.equal(e.name, "WorkerError");
  assert.equal(e.message, "gone");
  assert.match(String(e), /^WorkerError: gone/);
});
