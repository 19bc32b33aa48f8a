"""The contract: one home for options, model specs and result fields, and its JS view."""
from __future__ import annotations

import dataclasses
import json
import re

import pytest

from blazepose_holistic import contract
from blazepose_holistic.contract import Options, PipelineError
from blazepose_holistic.results import HolisticResult
from build_scripts.bundle import contract_js
from build_scripts.common.paths import ROOT


def test_defaults_are_mediapipes_and_need_the_default_models():
    o = Options()
    assert (o.model_complexity, o.min_detection_confidence, o.enable_hands) == (1, 0.5, True)
    assert o.models() == ["pose_detector", "pose_landmark_full", "hand_recrop",
                          "hand_landmark_full", "lifter"]
    assert Options(model_complexity=2, enable_segmentation=True, enable_hands=False,
                   enable_body_model=False).models() == ["pose_detector", "pose_landmark_heavy_seg"]


@pytest.mark.parametrize("values, message", [
    ({"model_complexity": 3}, "model_complexity must be 0, 1 or 2"),
    ({"model_complexity": True}, "model_complexity"),
    ({"min_tracking_confidence": 1.5}, r"min_tracking_confidence must be a number in \[0, 1\]"),
    ({"min_detection_confidence": float("nan")}, "min_detection_confidence"),
    ({"enable_hands": 1}, "enable_hands must be true or false"),
    ({"enable_hand": True}, "unknown option"),
])
def test_bad_options_are_named(values, message):
    with pytest.raises(PipelineError, match=message):
        Options.from_mapping(values)


_ALIAS_CASES = json.loads((ROOT / "tests" / "fixtures" / "option_aliases.json").read_text())["cases"]
_PY_NAME = {**{s.js_name: s.name for s in contract.OPTION_SPECS},
            **{a.js_name: a.name for a in contract.OPTION_ALIASES}}


@pytest.mark.parametrize("case", _ALIAS_CASES, ids=lambda c: json.dumps(c["given"]))
def test_mediapipe_tasks_aliases_resolve_as_in_the_page_api(case):
    """The same cases as tests/web/node/tasks.test.mjs, in Python's names."""
    given = {_PY_NAME[k]: v for k, v in case["given"].items()}
    if "error" in case:
        with pytest.raises(PipelineError) as e:
            Options.from_mapping(given)
        for part in case["error"]:
            assert _PY_NAME.get(part, part) in str(e.value)
    else:
        want = dataclasses.asdict(Options())
        want.update(case["expect"])
        assert dataclasses.asdict(Options.from_mapping(given)) == want


def test_running_mode_takes_mediapipes_python_enum():
    import enum

    class VisionTaskRunningMode(enum.Enum):  # as mediapipe.tasks.python.vision names it
        IMAGE = "IMAGE"
        VIDEO = "VIDEO"

    assert Options.from_mapping({"running_mode": VisionTaskRunningMode.IMAGE}).static_image_mode
    assert not Options.from_mapping({"running_mode": VisionTaskRunningMode.VIDEO}).static_image_mode


def test_every_alias_names_an_option_and_no_option_name():
    for alias in contract.OPTION_ALIASES:
        assert alias.option in contract.OPTION_NAMES
        assert alias.name not in contract.OPTION_NAMES and alias.doc
        assert alias.js_name == re.sub(r"_([a-z])", lambda m: m.group(1).upper(), alias.name)


def test_every_option_has_a_camel_case_name_and_a_doc():
    for spec in contract.OPTION_SPECS:
        assert spec.js_name == re.sub(r"_([a-z])", lambda m: m.group(1).upper(), spec.name)
        assert spec.doc and spec.kind in ("bool", "int", "float")
        spec.check(spec.default)


def test_model_choices_cover_every_combination_once():
    table = contract.model_choices()
    assert len(table) == 3 * 2 * 2 * 2 * 2
    assert len({combo for combo, _ in table}) == len(table)
    assert set(contract.possible_models()) == set(contract.MODEL_SPECS) | {contract.LIFTER}


def test_the_palm_detector_is_needed_only_for_hand_recovery():
    """The worker downloads and opens a session only for the models the options name."""
    def models(**o):
        return Options(**o).models()

    assert contract.PALM_DETECTOR not in models()
    assert contract.PALM_DETECTOR in models(enable_hand_recovery=True)
    assert contract.PALM_DETECTOR not in models(enable_hand_recovery=True, enable_hands=False)


def test_result_fields_are_the_results_fields():
    fields = [f.name for f in dataclasses.fields(HolisticResult)]
    assert fields == ["image_size", *contract.RESULT_FIELD_NAMES, "timings_ms"]


def test_the_manifest_describes_the_models_the_contract_expects():
    manifest = json.loads((ROOT / "models" / "manifest.json").read_text())["models"]
    for name in contract.MODEL_SPECS:
        contract.check_manifest_entry(name, manifest[name])
    wrong = dict(manifest["hand_recrop"], crop=dict(manifest["hand_recrop"]["crop"], size=224))
    with pytest.raises(PipelineError, match="hand_recrop"):
        contract.check_manifest_entry("hand_recrop", wrong)


def test_generated_js_is_not_stale():
    assert contract_js.TARGET.read_text() == contract_js.render(), (
        "web/src/generated/contract.js is stale: run ./run web (or "
        "python -m build_scripts.bundle.contract_js)")


def test_typescript_and_readme_name_every_option_and_result_field():
    dts = (ROOT / "web" / "src" / "blazepose-holistic.d.ts").read_text()
    readme = (ROOT / "README.md").read_text()
    for spec in contract.OPTION_SPECS:
        assert re.search(rf"\b{spec.js_name}\?:", dts), spec.js_name
        assert f"`{spec.name}`" in readme, spec.name
    for f in contract.RESULT_FIELDS:
        assert re.search(rf"\b{f.js_name}\?:", dts), f.js_name
    web_md = (ROOT / "docs" / "web.md").read_text()
    for alias in contract.OPTION_ALIASES:
        assert re.search(rf"\b{alias.js_name}\?:", dts), alias.js_name
        assert f"`{alias.js_name}`" in web_md, f"docs/web.md's migration table misses {alias.js_name}"
        assert f"`{alias.name}`" in readme, alias.name
