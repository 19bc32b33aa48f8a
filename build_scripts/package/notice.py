"""The licence notice both packages carry for the MediaPipe models inside them."""
from __future__ import annotations

MEDIAPIPE_PACKAGE = "@mediapipe/holistic@0.5.1675471629"


def models_notice(models: dict) -> str:
    """NOTICE text for the shipped models: their origin, licence, the changes we made (the
    Apache License asks for both) and each file's sha256, as in the manifest."""
    rows = "\n".join(f"| {e['file']} | {e['bytes']} | {e['sha256']} |"
                     for _name, e in sorted(models.items()))
    return f"""# Models shipped with blazepose-holistic

The converted MediaPipe models below are derived from the TFLite models in the npm package
{MEDIAPIPE_PACKAGE} (MediaPipe Holistic), Copyright Google LLC, licensed under the
Apache License, Version 2.0 (the LICENSE file of this package; also
https://www.apache.org/licenses/LICENSE-2.0).

Changes: converted from TFLite to ONNX (tf2onnx), sparse weights densified, float16 weight
storage restored, and an ONNX crop-and-resize graph fused in front of every model; each was
verified against the TFLite interpreter (see the project's models/conversion_report.json).

lifter.onnx is this project's own model (Apache-2.0), trained on CMU motion capture: "The
data used in this project was obtained from mocap.cs.cmu.edu. The database was created
with funding from NSF EIA-0196217."

Every file is checked against its sha256 before it is loaded:

| file | bytes | sha256 |
|---|---:|---|
{rows}
"""
