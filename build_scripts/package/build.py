"""``./run package``: the installable packages into dist/ (git-ignored), reproducibly.

    python -m build_scripts.package.build [--out dist]

dist/blazepose_holistic-<version>-py3-none-any.whl   pip: package + models + console script
dist/blazepose-holistic-<version>.tgz                npm: web/dist as a package (./run web first)
dist/sizes.json                                      bytes of each, the numbers the README quotes
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from build_scripts.common.paths import ROOT
from build_scripts.package import npm, wheel


def build(out: Path) -> dict:
    out.mkdir(parents=True, exist_ok=True)
    built = {"wheel": wheel.build(out), "npm": npm.build(out)}
    sizes = {kind: {"file": p.name, "bytes": p.stat().st_size} for kind, p in built.items()}
    (out / "sizes.json").write_text(json.dumps(sizes, indent=1, sort_keys=True) + "\n")
    return sizes


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=ROOT / "dist")
    args = ap.parse_args(argv)
    try:
        sizes = build(args.out)
    except npm.NpmError as e:
        print(f"package: {e}", file=sys.stderr)
        return 1
    for kind, entry in sizes.items():
        print(f"{kind}: {args.out / entry['file']} ({entry['bytes'] / 1e6:.1f} MB)", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
