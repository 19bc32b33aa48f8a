"""Write a Mixamo-style rigged GLB for the demo's avatar tests, from scratch (no third-party
character file).

The rig is deliberately unlike our mannequin in every way the demo's retargeting must
handle:

- bone names carry Mixamo's prefix (``mixamorig:Hips``; three.js's loader turns it into
  ``mixamorigHips``);
- it binds in an A-pose (upper arms 40 degrees down) with the hands twisted 60 degrees
  about the forearm, so its rest pose differs from the body model's T-pose;
- every bone's local y axis points along the bone (Mixamo's convention), so bind
  rotations are far from the identity;
- an "Armature" node scales centimetres to metres (0.01) and turns a Z-up skeleton Y-up,
  and the character faces -z (away from a default three.js camera).

A skinned box per bone makes it visible. With ``vrm=True`` the file is a VRM 1.0 instead:
the bones get meaningless names ("bone07") and only the VRMC_vrm humanoid map says which is
which, so the demo must take its bone mapping from three-vrm.
"""

from __future__ import annotations

import json
import struct

import numpy as np

from blazepose_holistic.body_model import kinematics, rotations, skeleton

A_POSE_DEG = 40.0
HAND_TWIST_DEG = 60.0


def _rot(axis: str, deg: float) -> np.ndarray:
    v = np.zeros(3)
    v["xyz".index(axis)] = np.deg2rad(deg)
    return rotations.matrix_from_axis_angle(v)


def bind_local_rotations() -> np.ndarray:
    """(J, 3, 3) the rig's bind pose as body-model local rotations (A-pose, twisted hands)."""
    local = np.broadcast_to(np.eye(3), (skeleton.NUM_JOINTS, 3, 3)).copy()
    j = skeleton.JOINT_INDEX
    local[j["LeftArm"]] = _rot("z", -A_POSE_DEG)
    local[j["RightArm"]] = _rot("z", A_POSE_DEG)
    local[j["LeftHand"]] = _rot("x", HAND_TWIST_DEG)
    local[j["RightHand"]] = _rot("x", -HAND_TWIST_DEG)
    return local


def vrm_bone_names() -> dict:
    """Body-model joint -> VRM 1.0 humanoid bone name."""
    out = {
        "Hips": "hips",
        "Spine": "spine",
        "Spine1": "chest",
        "Spine2": "upperChest",
        "Neck": "neck",
        "Head": "head",
    }
    for side, s in (("Left", "left"), ("Right", "right")):
        out.update(
            {
                side + "Shoulder": s + "Shoulder",
                side + "Arm": s + "UpperArm",
                side + "ForeArm": s + "LowerArm",
                side + "Hand": s + "Hand",
                side + "UpLeg": s + "UpperLeg",
                side + "Leg": s + "LowerLeg",
                side + "Foot": s + "Foot",
                side + "ToeBase": s + "Toes",
            }
        )
        for k, part in enumerate(("Metacarpal", "Proximal", "Distal"), start=1):
            out[f"{side}HandThumb{k}"] = f"{s}Thumb{part}"
        for finger, vrm in (("Index", "Index"), ("Middle", "Middle"), ("Ring", "Ring"), ("Pinky", "Little")):
            for k, part in enumerate(("Proximal", "Intermediate", "Distal"), start=1):
                out[f"{side}Hand{finger}{k}"] = f"{s}{vrm}{part}"
    return out


def _main_child() -> list:
    """Per joint: the child its bone points at (None for leaves)."""
    prefer = {
        "Hips": "Spine",
        "Spine2": "Neck",
        "LeftHand": "LeftHandMiddle1",
        "RightHand": "RightHandMiddle1",
    }
    out = []
    for j, name in enumerate(skeleton.JOINT_NAMES):
        kids = [k for k in range(skeleton.NUM_JOINTS) if skeleton.PARENTS[k] == j]
        if name in prefer:
            out.append(skeleton.JOINT_INDEX[prefer[name]])
        else:
            out.append(kids[0] if kids else None)
    return out


def _y_along(direction: np.ndarray, x_hint: np.ndarray) -> np.ndarray:
    y = direction / np.linalg.norm(direction)
    x = x_hint - y * (x_hint @ y)
    if np.linalg.norm(x) < 1e-6:
        x = np.array([0.0, 0.0, 1.0]) - y * y[2]
    x = x / np.linalg.norm(x)
    z = np.cross(x, y)
    return np.stack([x, y, z], axis=1)


def _quat(m: np.ndarray) -> list:
    return [float(v) for v in rotations.quaternion_from_matrix(m)]


def _box(a: np.ndarray, b: np.ndarray, half: float):
    """24 vertices, normals and 36 indices of a box around segment a -> b."""
    y = b - a
    length = np.linalg.norm(y)
    frame = _y_along(y, np.array([1.0, 0.0, 0.0]) if abs(y[0]) < 0.9 * length else np.array([0.0, 0.0, 1.0]))
    verts, norms, idx = [], [], []
    for axis in range(3):
        for sign in (-1.0, 1.0):
            n = np.zeros(3)
            n[axis] = sign
            u = np.zeros(3)
            u[(axis + 1) % 3] = 1.0
            w = np.cross(n, u)
            base = len(verts)
            for du, dw in ((-1, -1), (1, -1), (1, 1), (-1, 1)):
                local = n + du * u + dw * w  # in [-1, 1]^3
                p = np.array([local[0] * half, (local[1] + 1) * 0.5 * length, local[2] * half])
                verts.append(a + frame @ p)
                norms.append(frame @ n)
            idx += [base, base + 1, base + 2, base, base + 2, base + 3]
    return verts, norms, idx


def make_glb(prefix: str = "mixamorig:", vrm: bool = False) -> bytes:
    local = bind_local_rotations()
    pos, glob = kinematics.forward_kinematics(local[None])
    pos, glob = pos[0], glob[0]
    yaw = _rot("y", 180.0)  # the character faces -z
    world_pos = pos @ yaw.T
    children = _main_child()
    world_rot = []
    for j in range(skeleton.NUM_JOINTS):
        c = children[j]
        if c is None:
            world_rot.append(world_rot[skeleton.PARENTS[j]])
        else:
            world_rot.append(_y_along(world_pos[c] - world_pos[j], yaw @ glob[j][:, 0]))
    # Armature: Z-up centimetres -> Y-up metres (rotate -90 degrees about x), then the yaw.
    arm_rot = _rot("x", -90.0)
    arm_scale = 0.01
    author_pos = world_pos @ arm_rot / arm_scale  # arm_rot^T applied to rows
    author_rot = [arm_rot.T @ r for r in world_rot]

    nodes = [{"name": "Armature", "rotation": _quat(arm_rot), "scale": [arm_scale] * 3, "children": [1]}]
    node_of = {}
    for j, name in enumerate(skeleton.JOINT_NAMES):
        node_of[j] = len(nodes)
        p = skeleton.PARENTS[j]
        if p < 0:
            t, r = author_pos[j], author_rot[j]
        else:
            t = author_rot[p].T @ (author_pos[j] - author_pos[p])
            r = author_rot[p].T @ author_rot[j]
        label = f"bone{j:02d}" if vrm else prefix + name
        nodes.append({"name": label, "translation": [float(v) for v in t], "rotation": _quat(r)})
    for j in range(skeleton.NUM_JOINTS):
        kids = [node_of[k] for k in range(skeleton.NUM_JOINTS) if skeleton.PARENTS[k] == j]
        if kids:
            nodes[node_of[j]]["children"] = kids

    # One box per bone, rigidly skinned to it (bind = world coordinates).
    verts, norms, idx, joints = [], [], [], []
    for j in range(skeleton.NUM_JOINTS):
        c = children[j]
        end = world_pos[c] if c is not None else world_pos[j] + world_rot[j][:, 1] * 0.03
        half = 0.012 if "Hand" in skeleton.JOINT_NAMES[j][4:] else 0.045
        v, n, i = _box(world_pos[j], end, half)
        idx += [k + len(verts) for k in i]
        verts += v
        norms += n
        joints += [j] * len(v)
    verts = np.asarray(verts, np.float32)
    norms = np.asarray(norms, np.float32)
    joints4 = np.zeros((len(joints), 4), np.uint16)
    joints4[:, 0] = joints
    weights4 = np.zeros((len(joints), 4), np.float32)
    weights4[:, 0] = 1.0
    indices = np.asarray(idx, np.uint32)
    ibms = []
    for j in range(skeleton.NUM_JOINTS):
        m = np.eye(4)
        m[:3, :3] = world_rot[j] * arm_scale
        m[:3, 3] = world_pos[j]
        ibms.append(np.linalg.inv(m).T.reshape(-1))  # column-major
    ibms = np.asarray(ibms, np.float32)

    blobs = [verts, norms, joints4, weights4, indices, ibms]
    buffer = b""
    views = []
    for blob in blobs:
        data = blob.tobytes()
        views.append({"buffer": 0, "byteOffset": len(buffer), "byteLength": len(data)})
        buffer += data + b"\0" * (-len(data) % 4)
    n = len(verts)
    accessors = [
        {
            "bufferView": 0,
            "componentType": 5126,
            "count": n,
            "type": "VEC3",
            "min": verts.min(0).tolist(),
            "max": verts.max(0).tolist(),
        },
        {"bufferView": 1, "componentType": 5126, "count": n, "type": "VEC3"},
        {"bufferView": 2, "componentType": 5123, "count": n, "type": "VEC4"},
        {"bufferView": 3, "componentType": 5126, "count": n, "type": "VEC4"},
        {"bufferView": 4, "componentType": 5125, "count": len(indices), "type": "SCALAR"},
        {"bufferView": 5, "componentType": 5126, "count": skeleton.NUM_JOINTS, "type": "MAT4"},
    ]
    mesh_node = len(nodes)
    nodes.append({"name": "Body", "mesh": 0, "skin": 0})
    gltf = {
        "asset": {"version": "2.0", "generator": "blazepose-holistic tests/demo/rig_glb.py"},
        "scene": 0,
        "scenes": [{"nodes": [0, mesh_node]}],
        "nodes": nodes,
        "meshes": [
            {
                "name": "Body",
                "primitives": [
                    {
                        "attributes": {"POSITION": 0, "NORMAL": 1, "JOINTS_0": 2, "WEIGHTS_0": 3},
                        "indices": 4,
                        "material": 0,
                    }
                ],
            }
        ],
        "materials": [
            {
                "name": "Clay",
                "pbrMetallicRoughness": {
                    "baseColorFactor": [0.75, 0.55, 0.45, 1.0],
                    "metallicFactor": 0.0,
                    "roughnessFactor": 0.7,
                },
                "doubleSided": True,
            }
        ],
        "skins": [
            {
                "joints": [node_of[j] for j in range(skeleton.NUM_JOINTS)],
                "inverseBindMatrices": 5,
                "skeleton": node_of[0],
            }
        ],
        "buffers": [{"byteLength": len(buffer)}],
        "bufferViews": views,
        "accessors": accessors,
    }
    if vrm:
        gltf["extensionsUsed"] = ["VRMC_vrm"]
        gltf["extensions"] = {
            "VRMC_vrm": {
                "specVersion": "1.0",
                "meta": {
                    "name": "blazepose-holistic test rig",
                    "authors": ["tests/demo/rig_glb.py"],
                    "licenseUrl": "https://vrm.dev/licenses/1.0/",
                },
                "humanoid": {
                    "humanBones": {
                        v: {"node": node_of[skeleton.JOINT_INDEX[j]]} for j, v in vrm_bone_names().items()
                    }
                },
            }
        }
    js = json.dumps(gltf).encode()
    js += b" " * (-len(js) % 4)
    total = 12 + 8 + len(js) + 8 + len(buffer)
    return (
        struct.pack("<4sII", b"glTF", 2, total)
        + struct.pack("<I4s", len(js), b"JSON")
        + js
        + struct.pack("<I4s", len(buffer), b"BIN\0")
        + buffer
    )


def _euler_zyx_deg(m: np.ndarray) -> list:
    """Angles (x, y, z) in degrees with m = Rz(z) Ry(y) Rx(x): FBX's default rotation order
    (eEulerXYZ), which three.js's FBXLoader reads as Euler order "ZYX"."""
    y = np.arcsin(-np.clip(m[2, 0], -1.0, 1.0))
    x = np.arctan2(m[2, 1], m[2, 2])
    z = np.arctan2(m[1, 0], m[0, 0])
    return [float(np.degrees(v)) for v in (x, y, z)]


def make_fbx(prefix: str = "mixamorig:") -> str:
    """The same A-pose rig as an ASCII FBX 7.4 skeleton (LimbNodes only, no mesh): Mixamo
    names with the colon, centimetres, y-along-bone orientations, facing -z."""
    local = bind_local_rotations()
    pos, glob = kinematics.forward_kinematics(local[None])
    pos, glob = pos[0], glob[0]
    yaw = _rot("y", 180.0)
    world_pos = pos @ yaw.T * 100.0  # centimetres
    children = _main_child()
    world_rot = []
    for j in range(skeleton.NUM_JOINTS):
        c = children[j]
        if c is None:
            world_rot.append(world_rot[skeleton.PARENTS[j]])
        else:
            world_rot.append(_y_along(world_pos[c] - world_pos[j], yaw @ glob[j][:, 0]))
    lines = [
        "; FBX 7.4.0 project file",
        "; written by blazepose-holistic tests/demo/rig_glb.py",
        "FBXHeaderExtension:  {",
        "\tFBXHeaderVersion: 1003",
        "\tFBXVersion: 7400",
        "}",
        "GlobalSettings:  {",
        "\tVersion: 1000",
        "\tProperties70:  {",
        '\t\tP: "UpAxis", "int", "Integer", "",1',
        '\t\tP: "UpAxisSign", "int", "Integer", "",1',
        '\t\tP: "UnitScaleFactor", "double", "Number", "",1',
        "\t}",
        "}",
        "Objects:  {",
    ]
    ids = {j: 1000 + j for j in range(skeleton.NUM_JOINTS)}
    for j, name in enumerate(skeleton.JOINT_NAMES):
        p = skeleton.PARENTS[j]
        if p < 0:
            t, r = world_pos[j], world_rot[j]
        else:
            t = world_rot[p].T @ (world_pos[j] - world_pos[p])
            r = world_rot[p].T @ world_rot[j]
        tx, ty, tz = (f"{v:.6f}" for v in t)
        rx, ry, rz = (f"{v:.6f}" for v in _euler_zyx_deg(r))
        lines += [
            f'\tModel: {ids[j]}, "Model::{prefix}{name}", "LimbNode" {{',
            "\t\tVersion: 232",
            "\t\tProperties70:  {",
            f'\t\t\tP: "Lcl Translation", "Lcl Translation", "", "A",{tx},{ty},{tz}',
            f'\t\t\tP: "Lcl Rotation", "Lcl Rotation", "", "A",{rx},{ry},{rz}',
            "\t\t}",
            "\t}",
        ]
    lines += ["}", "Connections:  {"]
    for j in range(skeleton.NUM_JOINTS):
        parent = skeleton.PARENTS[j]
        lines.append(f'\tC: "OO",{ids[j]},{0 if parent < 0 else ids[parent]}')
    lines.append("}")
    return "\n".join(lines) + "\n"
