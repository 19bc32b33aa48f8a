"""ASF/AMC reading and retargeting CMU motion capture onto the body model."""
from __future__ import annotations

import numpy as np
import pytest

from blazepose_holistic.body_model.kinematics import forward_kinematics
from blazepose_holistic.body_model.rotations import axis_angle_from_matrix
from blazepose_holistic.body_model.skeleton import JOINT_INDEX, NUM_JOINTS
from build_scripts.common.paths import SHARED_DATA
from build_scripts.lifter.asf_amc import global_rotations, parse_amc, parse_asf
from build_scripts.lifter.retarget import load_cmu_clip

CMU = SHARED_DATA / "mocap" / "cmu"

ASF = """# two bones
:version 1.10
:units
  angle deg
:root
   order TX TY TZ RX RY RZ
   axis XYZ
   position 0 0 0
   orientation 0 0 0
:bonedata
  begin
     id 1
     name upper
     direction 1 0 0
     length 2
     axis 0 0 90 XYZ
    dof rx
    limits (-90 90)
  end
  begin
     id 2
     name lower
     direction 0 2 0
     length 1
     axis 0 0 0 XYZ
    dof rx rz
    limits (-90 90)
           (-90 90)
  end
:hierarchy
  begin
    root upper
    upper lower
  end
"""

AMC = """:FULLY-SPECIFIED
:DEGREES
1
root 1 2 3 0 0 0
upper 0
lower 0 0
2
root 1 2 3 0 90 0
upper 90
lower 0 30
"""


def test_asf_amc_parse_and_global_rotations():
    skel = parse_asf(ASF)
    assert skel.order == ["root", "upper", "lower"]
    assert skel.bones["lower"].parent == "upper"
    np.testing.assert_allclose(skel.bones["lower"].direction, [0, 1, 0])
    motion = parse_amc(AMC, skel)
    np.testing.assert_allclose(motion["root_position"], [[1, 2, 3], [1, 2, 3]])
    np.testing.assert_allclose(motion["lower"], [[0, 0, 0], [0, 0, 30]])
    glob = global_rotations(skel, motion)
    # All dofs zero: every bone at its rest orientation.
    for name in skel.order:
        np.testing.assert_allclose(glob[name][0], np.eye(3), atol=1e-12)
    # Frame 2: root 90 deg about y. "upper" rotates 90 deg about its local x axis, which the
    # bone's axis (0 0 90) turns onto the global y axis: in total 180 deg about y.
    aa = axis_angle_from_matrix(glob["upper"][1])
    np.testing.assert_allclose(np.abs(aa), [0, np.pi, 0], atol=1e-9)
    lower_local = glob["upper"][1].T @ glob["lower"][1]
    np.testing.assert_allclose(axis_angle_from_matrix(lower_local), [0, 0, np.radians(30)],
                               atol=1e-9)


@pytest.mark.skipif(not (CMU / "02" / "02_01.amc").is_file(), reason="CMU mocap not present")
def test_retargeted_walk_is_plausible():
    local = load_cmu_clip(CMU / "02" / "02.asf", CMU / "02" / "02_01.amc")
    assert local.shape[1:] == (NUM_JOINTS, 3, 3)
    np.testing.assert_allclose(np.linalg.det(local), 1.0, atol=1e-9)
    aa = np.degrees(axis_angle_from_matrix(local))
    knee = aa[:, JOINT_INDEX["LeftLeg"]]
    # Walking: knees flex (+x) between ~10 and ~70 degrees, never hyperextend much.
    assert np.percentile(knee[:, 0], 5) > 0 and 50 < knee[:, 0].max() < 100
    pos, _ = forward_kinematics(local)
    # Upright all along: the head stays 1.15-1.36 m above the left ankle (1.36 m at rest;
    # lowest when that foot swings forward under a bent knee).
    head_above_ankle = pos[:, JOINT_INDEX["Head"], 1] - pos[:, JOINT_INDEX["LeftFoot"], 1]
    assert head_above_ankle.min() > 1.15 and head_above_ankle.max() < 1.37
