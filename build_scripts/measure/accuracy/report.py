"""Writing the report: JSON file, and the Markdown rows used in docs/accuracy.md."""

from __future__ import annotations

import json
from pathlib import Path


def write_json(report: dict, path: Path) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(report, indent=1, sort_keys=False) + "\n")
    return path


def _pct(value) -> str:
    return "n/a" if value is None else f"{100.0 * value:.1f}"


def markdown_rows(report: dict) -> list:
    """One table row per dataset: model, dataset, images, annotated, matched, PCK@0.2 %."""
    rows = []
    for name, d in report["datasets"].items():
        rows.append(
            f"| {report['model']} | {name} | {d['images']} | {d['annotated_people']} | "
            f"{d['matched_people']} | {_pct(d['pck@0.2'])} | {d['mean_frame_ms']:.0f} |"
        )
    return rows


def summary_lines(report: dict) -> list:
    """Human-readable lines: body PCK, 3D, hands, timing."""
    lines = [f"model {report['model']}"]
    for name, d in report["datasets"].items():
        lines.append(
            f"  {name:10s} images {d['images']}  annotated {d['annotated_people']}  "
            f"matched {d['matched_people']}  PCK@0.2 {_pct(d['pck@0.2'])}%  "
            f"{d['mean_frame_ms']:.0f} ms/frame"
        )
        if "3d" in d:
            lines.append(
                f"  {'':10s} PA-MPJPE {d['3d']['pa_mpjpe_mm']:.1f} mm  root-aligned MPJPE "
                f"{d['3d']['root_mpjpe_mm']:.1f} mm ({d['3d']['frames']} frames)"
            )
    wb = report["hands"]["coco_wholebody"]
    lines.append(
        f"  hands (COCO-WholeBody) found {wb['found']}/{wb['annotated_hands']} "
        f"(wrist not visible: {wb['wrist_not_visible']})  "
        f"PCK@0.2 {_pct(wb['pck@0.2'])}%  swapped-side PCK {_pct(wb['swapped_side']['pck@0.2'])}%"
    )
    mc = wb["model_check"]
    lines.append(
        f"  COCO-WholeBody model check (annotation ROI, all {mc['hands']} valid hands, median "
        f"{mc['median_hand_box_px']:.0f} px): PCK@0.2 {_pct(mc['pck@0.2'])}%  hand flag > 0.5 "
        f"on {mc['hand_flag_passed']}/{mc['hands']}"
    )
    fh = report["hands"]["freihand"]
    lines.append(
        f"  FreiHAND pipeline: poses {fh['pipeline']['poses_found']}/{fh['pipeline']['images']}"
        f", hands {fh['pipeline']['hands_found']}"
    )
    for kind, check in fh["model_check"].items():
        lines.append(
            f"  FreiHAND model check ({kind} ROI): PCK@0.2 {_pct(check['pck@0.2'])}%  "
            f"hand flag > 0.5 on {check['hand_flag_passed']}/{check['hands']}"
        )
    v = report["video"]["posetrack18"]
    lines.append(
        f"  PoseTrack18 video: poses {v['poses_returned']}/{v['frames']}  detector runs "
        f"{v['detector_runs']}  hands {v['hands_returned']}"
    )
    lines.append(f"  mean frame {report['timing']['mean_frame_ms_body_datasets']:.0f} ms "
                 f"(body datasets), wall {report['timing']['wall_seconds']:.1f} s")
    return lines
