"""The TypeScript declarations shipped as dist/blazepose-holistic.d.ts compile, and describe
the API the way web/types/usage.ts (which mirrors docs/web.md) uses it. No browser."""
from __future__ import annotations

import subprocess

from bph_browser import DIST, ROOT


def test_declarations_typecheck():
    tsc = ROOT / "web" / "node_modules" / ".bin" / "tsc"
    assert tsc.exists(), "typescript missing: install the npm packages (./run web does)"
    proc = subprocess.run([str(tsc), "-p", str(ROOT / "web" / "types" / "tsconfig.json")],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_dist_ships_the_declarations():
    src = (ROOT / "web" / "src" / "blazepose-holistic.d.ts").read_bytes()
    assert (DIST / "blazepose-holistic.d.ts").read_bytes() == src
