// The worker's own downloads (assets.json, the manifest, the wheel, the models). A failure
// names the file and the URL: a LoadError the page can act on, not a bare TypeError.
import { namedError } from "../errors.js";

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
