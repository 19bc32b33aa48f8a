// Errors cross to the page as plain {name, message, detail} (an Error does not survive
// postMessage with its name). Python exceptions arrive as one PythonError whose message is
// the whole traceback: the page gets the Python exception's own name and message instead
// (PipelineError, ValueError, ...; docs/web.md#errors), the traceback as detail.
export function serializeError(e) {
  if (!e) return { name: "Error", message: "unknown error" };
  let name = e.name || "Error";
  let message = String(e.message || e);
  let detail;
  if ((e.constructor && e.constructor.name === "PythonError") || name === "PythonError") {
    // "Traceback ...\n  ...\nblazepose_holistic.pipeline.PipelineError: the message"
    detail = message;
    const lines = message.trim().split("\n");
    const last = lines[lines.length - 1];
    const m = /^([\w.]+?)(?::\s*(.*))?$/.exec(last);
    if (m) {
      name = m[1].split(".").pop();
      message = m[2] || m[1];
    }
  }
  return { name, message, detail };
}
