"""The page-side API logic (web/src/api.js, limits.js, errors.js) under Node's built-in test
runner with a fake worker (tests/web/node/*.test.mjs): back-pressure, reset, close, worker
failures and the watchdog in seconds, without building the bundle or starting Chromium."""
from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
NODE_TESTS = ROOT / "tests" / "web" / "node"


def test_node_units():
    node = shutil.which("node")
    # Not a skip: Node 20 is a project requirement (README), and a skip would hide these tests.
    assert node, "node not found on PATH: the project requires Node 20 (see README.md)"
    files = sorted(NODE_TESTS.glob("*.test.mjs"))
    assert files, f"no *.test.mjs in {NODE_TESTS}"
    # Files rather than the folder: newer Node versions take globs, not folders, after --test.
    # TAP explicitly, since the default reporter differs between Node versions and terminals.
    cmd = [node, "--test", "--test-reporter=tap", *(str(f.relative_to(ROOT)) for f in files)]
    try:
        proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=300)
    except subprocess.TimeoutExpired as e:
        partial = b"".join(x for x in (e.stdout, e.stderr) if x)  # bytes even with text=True
        pytest.fail(f"node --test did not finish in {e.timeout} s:\n{partial.decode(errors='replace')}")
    out = proc.stdout + proc.stderr
    # Cancelled tests (a promise that never settles) fail the run without counting in "# fail".
    assert proc.returncode == 0, f"node --test failed (exit {proc.returncode}):\n{out}"
    ran = re.search(r"^# tests (\d+)$", proc.stdout, re.MULTILINE)
    assert ran and int(ran.group(1)) > 0, f"node --test ran no tests:\n{out}"
