"""The browser's wheel under Pyodide 0.17 (Python 3.8, numpy 1.17), outside our worker: every
module it ships imports, and the body-model decoding (the lifter's output maths, which the parity
tests only reach once the lifter model is in the manifest) gives CPython's numbers."""
from __future__ import annotations

import json

import numpy as np
import pytest

pytestmark = pytest.mark.browser

# The browser's wheel leaves out the CPython-only modules; on CPython, importing __main__
# would run the command line.
SKIP_ON_CPYTHON = {"blazepose_holistic.__main__"}

PROBE = r'''
import importlib, json, pkgutil
import numpy as np
import blazepose_holistic

failures = {}
for m in pkgutil.walk_packages(blazepose_holistic.__path__, "blazepose_holistic."):
    if m.name in SKIP:
        continue
    try:
        importlib.import_module(m.name)
    except Exception as e:  # noqa: BLE001 - reported to the test
        failures[m.name] = "%s: %s" % (type(e).__name__, e)

from blazepose_holistic import lifter
from blazepose_holistic.body_model import shape, skeleton

rs = np.random.RandomState(7)
outputs = {
    "root_6d": rs.normal(size=(1, 6)),
    "translation": rs.normal(scale=0.05, size=(1, 3)),
    "beta": rs.normal(scale=0.05, size=(1, len(shape.SHAPE_NAMES))),
    "body_global_6d": rs.normal(size=(1, len(skeleton.BODY_JOINTS), 6)),
    "left_hand_global_6d": rs.normal(size=(1, len(skeleton.LEFT_HAND_JOINTS), 6)),
    "right_hand_global_6d": rs.normal(size=(1, len(skeleton.RIGHT_HAND_JOINTS), 6)),
}
outputs = {k: v.astype(np.float32) for k, v in outputs.items()}
points = rs.normal(scale=0.3, size=(75, 3))
points[54:] = np.nan
inputs = lifter.prepare_input(points)
body = lifter.decode_output(outputs)
RESULT = json.dumps({
    "failures": failures,
    "python": __import__("sys").version.split()[0],
    "numpy": np.__version__,
    "inputs": {k: v.tolist() for k, v in inputs.items()},
    "body": body.to_dict(),
})
'''


def _cpython_probe(skip) -> dict:
    scope = {"SKIP": set(skip)}
    exec(PROBE, scope)
    return json.loads(scope["RESULT"])


def test_package_runs_under_pyodide(browser, server, dist):
    from bph_browser import PageSession

    wheel = next((dist / "python").glob("*.whl")).name
    s = PageSession(browser, server)
    try:
        s.page.goto(server + "test-pages/compat.html")
        out = s.page.evaluate("(msg) => probe(msg)",
                              {"wheel": f"/python/{wheel}", "skip": [], "probe": PROBE})
    finally:
        s.close()
    assert "ok" in out, out.get("error")
    browser_run = json.loads(out["ok"])
    assert browser_run["python"].startswith("3.8") and browser_run["numpy"].startswith("1.17")
    assert browser_run["failures"] == {}, browser_run["failures"]

    here = _cpython_probe(SKIP_ON_CPYTHON)
    for key, value in here["inputs"].items():
        np.testing.assert_allclose(browser_run["inputs"][key], value, atol=1e-6, err_msg=key)
    for key, value in here["body"].items():
        if key == "joint_names":
            assert browser_run["body"][key] == value
        else:
            np.testing.assert_allclose(browser_run["body"][key], value, atol=1e-9, err_msg=key)
