// The worker's own downloads (assets.json, the manifest, the wheel, the models). A failure
// names the file and the URL: a LoadError the page can act on, not a bare TypeError.
import { namedError } from "../errors.js";
import { sha256Hex } from "./sha256.js";

export async function fetchBytes(url, what) {
  let response;
  try {
    response = await fetch(url);
  } catch (e) {
    throw namedError("LoadError", `could not fetch ${what} from ${url}: ${e.message}`);
  }
  if (!response.ok) {
    throw namedError("LoadError", `could not fetch ${what} from ${url}: HTTP ${response.status}`);
  }
  // Progress is counted by the fetch wrapper (progress.js) as the body streams in.
  const buffer = await response.arrayBuffer();
  return new Uint8Array(buffer);
}

export async function fetchJson(url, what) {
  const bytes = await fetchBytes(url, what);
  try {
    return JSON.parse(new TextDecoder().decode(bytes));
  } catch (e) {
    throw namedError("LoadError", `${what} at ${url} is not valid JSON: ${e.message}`);
  }
}

/**
 * A file the manifest lists ({sha256, bytes}), checked: a ModelError names what is wrong
 * (truncated, or other bytes than the manifest's).
 */
export async function fetchChecked(url, entry, what) {
  let bytes;
  try {
    bytes = await fetchBytes(url, what);
  } catch (e) {
    throw namedError("ModelError", `${what}: ${e.message}`);
  }
  const digest = await sha256Hex(bytes);
  if (digest !== entry.sha256) {
    const why = bytes.length < entry.bytes ? "the file is truncated" : "the file differs from the one the manifest names";
    throw namedError("ModelError", `${what} (${url}) failed its checksum: sha256 ${digest.slice(0, 12)}..., manifest ${entry.sha256.slice(0, 12)}...; ${why}`);
  }
  return bytes;
}
