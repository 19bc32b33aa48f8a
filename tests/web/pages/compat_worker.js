// test_pyodide_compat.py's worker: the browser's wheel under Pyodide, outside our worker.
// Message {wheel: url, skip: [module names], probe: Python source}; it answers {ok: RESULT}
// (the JSON the probe leaves in RESULT) or {error}.
importScripts("/pyodide/pyodide.js", "/measure-pages/pyodide_wheel.js");
onmessage = async (e) => {
  try {
    const py = await pyodideWithWheel(e.data.wheel);
    py.runPython("SKIP = " + JSON.stringify(e.data.skip));
    py.runPython(e.data.probe);
    postMessage({ ok: py.globals.get("RESULT") });
  } catch (err) {
    postMessage({ error: String(err) });
  }
};
