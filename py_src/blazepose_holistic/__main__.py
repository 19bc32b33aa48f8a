from __future__ import annotations

import sys

from .cli import main

# Guarded: --workers starts processes with "spawn", which imports this module again.
if __name__ == "__main__":
    sys.exit(main(prog="python -m blazepose_holistic"))
