// ES module build: `import { create } from ".../blazepose-holistic.mjs"`. Assets resolve
// relative to the module's own URL.
import { setScriptUrl } from "./api.js";

setScriptUrl(import.meta.url);

export { create, HolisticTracker, version } from "./api.js";
