// Script-tag build: `<script src=".../blazepose-holistic.js">` defines one global,
// BlazePoseHolistic. Assets resolve relative to this script's own URL.
import { setScriptUrl } from "./api.js";

setScriptUrl(typeof document !== "undefined" && document.currentScript ? document.currentScript.src : undefined);

export { create, HolisticTracker, version } from "./api.js";
