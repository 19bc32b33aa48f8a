"""Reader for Acclaim ASF (skeleton) / AMC (motion) files, as used by the CMU mocap database.

Conventions (Acclaim format as written by VICON/CMU): a bone's ``axis a b c XYZ`` defines
its local frame C = Rz(c) Ry(b) Rx(a); a frame's dof angles (degrees) give
M = Rz(rz) Ry(ry) Rx(rx) (missing dofs are zero); a bone's global rotation is
``G = G_parent @ C @ M @ C^T`` (the root's is C_root @ M_root @ C_root^T). With all dofs zero
every global rotation is the identity, so the rest pose is the ASF's bone directions.
CMU's frame is y up with the subject facing +z and their left at +x, as in our model.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass
class AsfBone:
    name: str
    parent: str
    direction: np.ndarray  # (3,) unit rest direction in the global frame
    length: float
    axis: np.ndarray  # (3,) degrees, XYZ order
    dofs: tuple[str, ...]  # subset of ("rx", "ry", "rz") in file order


@dataclass
class AsfSkeleton:
    bones: dict[str, AsfBone]  # includes "root" (no parent, dofs rx ry rz)
    order: list[str]  # parents before children


def _euler_xyz(deg: np.ndarray) -> np.ndarray:
    """(..., 3) degrees (rx, ry, rz) -> (..., 3, 3) = Rz @ Ry @ Rx."""
    x, y, z = np.deg2rad(deg[..., 0]), np.deg2rad(deg[..., 1]), np.deg2rad(deg[..., 2])
    cx, sx, cy, sy, cz, sz = np.cos(x), np.sin(x), np.cos(y), np.sin(y), np.cos(z), np.sin(z)
    rows = [
        cz * cy, cz * sy * sx - sz * cx, cz * sy * cx + sz * sx,
        sz * cy, sz * sy * sx + cz * cx, sz * sy * cx - cz * sx,
        -sy, cy * sx, cy * cx,
    ]
    return np.stack(rows, axis=-1).reshape(deg.shape[:-1] + (3, 3))


def parse_asf(text: str) -> AsfSkeleton:
    """Parse the text of an .asf file."""
    bones = {"root": AsfBone("root", "", np.zeros(3), 0.0, np.zeros(3), ("rx", "ry", "rz"))}
    section = None
    current = None
    children: dict[str, list[str]] = {}
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith(":"):
            section = line.split()[0]
            continue
        words = line.split()
        if section == ":root" and words[0] == "orientation":
            bones["root"].axis = np.array([float(v) for v in words[1:4]])
        elif section == ":bonedata":
            if words[0] == "begin":
                current = {}
            elif words[0] == "end":
                bones[current["name"]] = AsfBone(
                    current["name"], "", current["direction"], current["length"],
                    current["axis"], current.get("dofs", ()))
            elif words[0] == "name":
                current["name"] = words[1]
            elif words[0] == "direction":
                d = np.array([float(v) for v in words[1:4]])
                current["direction"] = d / np.linalg.norm(d)
            elif words[0] == "length":
                current["length"] = float(words[1])
            elif words[0] == "axis":
                current["axis"] = np.array([float(v) for v in words[1:4]])
            elif words[0] == "dof":
                current["dofs"] = tuple(w.lower() for w in words[1:])
        elif section == ":hierarchy" and words[0] not in ("begin", "end"):
            children.setdefault(words[0], []).extend(words[1:])
    order = ["root"]
    for name in order:
        for child in children.get(name, []):
            bones[child].parent = name
            order.append(child)
    return AsfSkeleton(bones, order)


def parse_amc(text: str, skeleton: AsfSkeleton) -> dict[str, np.ndarray]:
    """Parse the text of an .amc file -> {bone: (F, 3) rx, ry, rz degrees}, plus
    "root_position": (F, 3) in ASF length units."""
    values: dict[str, list[list[float]]] = {}
    for raw in text.splitlines():
        if not raw or raw[0] in "#:" or raw[0].isdigit():
            continue
        words = raw.split()
        values.setdefault(words[0], []).append([float(v) for v in words[1:]])
    frames = len(values["root"])
    out = {}
    root = np.array(values["root"])
    out["root_position"] = root[:, :3]
    out["root"] = root[:, 3:6]
    for name, bone in skeleton.bones.items():
        if name == "root":
            continue
        angles = np.zeros((frames, 3))
        if bone.dofs:
            data = np.array(values[name])
            for k, dof in enumerate(bone.dofs):
                angles[:, "xyz".index(dof[1])] = data[:, k]
        out[name] = angles
    return out


def global_rotations(skeleton: AsfSkeleton, motion: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """{bone: (F, 3, 3)} global rotation of every bone relative to its rest orientation."""
    out = {}
    for name in skeleton.order:
        bone = skeleton.bones[name]
        c = _euler_xyz(bone.axis)
        local = c @ _euler_xyz(motion[name]) @ c.T
        out[name] = local if name == "root" else out[bone.parent] @ local
    return out
