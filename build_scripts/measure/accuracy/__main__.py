"""python -m build_scripts.measure.accuracy [--model lite|full|heavy] [--json OUT] [--data DIR]"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .report import summary_lines, write_json
from .runner import MODELS, evaluate


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m build_scripts.measure.accuracy",
        description="Accuracy of the Holistic pipeline on the ../shared/data/eval fixtures.",
    )
    parser.add_argument("--model", choices=sorted(MODELS), default="full",
                        help="pose landmark model (default: full)")
    parser.add_argument("--json", type=Path, default=None,
                        help="report path (default: out/eval_<model>.json)")
    parser.add_argument("--data", type=Path, default=None,
                        help="fixture root (default: ../shared/data/eval beside the repo)")
    parser.add_argument("--threads", type=int, default=1,
                        help="onnxruntime intra-op threads (default: 1)")
    args = parser.parse_args(argv)
    report = evaluate(args.model, args.data, threads=args.threads)
    path = write_json(report, args.json or Path("out") / f"eval_{args.model}.json")
    print("\n".join(summary_lines(report)))
    print(f"report: {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
