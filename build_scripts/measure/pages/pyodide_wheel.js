// Pyodide with numpy and our wheel, outside our worker (web/src/worker/boot.js verifies and
// installs the wheel its own way): for bench_profile.py's page and the Pyodide compatibility
// test's worker (tests/web/pages/compat_worker.js), in a page or a worker alike. Needs
// /pyodide/pyodide.js loaded first.
async function pyodideWithWheel(wheelUrl) {
  const py = await loadPyodide({ indexURL: new URL("/pyodide/", location.href).href });
  await py.loadPackage(["numpy"]);
  const wheel = new Uint8Array(await (await fetch(wheelUrl)).arrayBuffer());
  // A pure-Python wheel is a zip whose top level belongs in site-packages.
  py.runPython(`
def _install_wheel(data):
    import importlib, io, os, sys, sysconfig, zipfile
    target = sysconfig.get_paths()["purelib"]
    os.makedirs(target, exist_ok=True)
    with zipfile.ZipFile(io.BytesIO(bytes(data.to_py()))) as zf:
        zf.extractall(target)
    if target not in sys.path:
        sys.path.append(target)
    importlib.invalidate_caches()
`);
  const install = py.globals.get("_install_wheel");
  try {
    install(wheel);
  } finally {
    install.destroy();
    py.runPython("del _install_wheel");
  }
  return py;
}
