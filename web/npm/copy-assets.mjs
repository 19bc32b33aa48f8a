#!/usr/bin/env node
// npx blazepose-holistic-assets DIR: copy the runtime files (worker, Pyodide, onnxruntime-web,
// wheel, models: everything assets.json lists) into DIR, checking each sha256 on the way, so
// that an app's bundler serves them from the app's own origin. Then create({ baseUrl: "<DIR's URL>/" }).
import { createHash } from "node:crypto";
import { copyFileSync, mkdirSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const target = process.argv[2];
if (!target || process.argv.length > 3) {
  console.error("usage: blazepose-holistic-assets DIR   (e.g. public/blazepose-holistic for Vite)");
  process.exit(2);
}
const { files } = JSON.parse(readFileSync(join(here, "assets.json"), "utf8"));
const out = resolve(target);
for (const [file, { sha256 }] of Object.entries(files)) {
  const data = readFileSync(join(here, file));
  const got = createHash("sha256").update(data).digest("hex");
  if (got !== sha256) {
    console.error(`blazepose-holistic-assets: ${file} does not match assets.json (sha256 ${got.slice(0, 12)}..., expected ${sha256.slice(0, 12)}...); reinstall the package`);
    process.exit(1);
  }
  mkdirSync(dirname(join(out, file)), { recursive: true });
  copyFileSync(join(here, file), join(out, file));
}
copyFileSync(join(here, "assets.json"), join(out, "assets.json"));
console.error(`copied ${Object.keys(files).length + 1} files to ${out}`);
