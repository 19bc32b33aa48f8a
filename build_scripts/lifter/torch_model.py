"""Torch side of the lifter: the MLP-Mixer and a differentiable copy of the body model.

The forward kinematics and landmark map mirror body_model.kinematics exactly (same tables,
same level-by-level order); tests/build_scripts/lifter/test_torch_model.py checks them against numpy.
"""
from __future__ import annotations

import torch
from torch import nn

from blazepose_holistic.body_model.landmarks import (
    LANDMARK_JOINTS,
    LANDMARK_OFFSETS,
    LANDMARK_SHAPE,
    NUM_LANDMARKS,
)
from blazepose_holistic.body_model.shape import JOINT_SHAPE, NUM_SHAPE
from blazepose_holistic.body_model.skeleton import (
    BODY_JOINTS,
    LEFT_HAND_JOINTS,
    LEVELS,
    NUM_JOINTS,
    PARENTS,
    REST_OFFSETS,
    RIGHT_HAND_JOINTS,
)

_IDENTITY_6D = (1.0, 0.0, 0.0, 0.0, 1.0, 0.0)


def matrix_from_6d(d6: torch.Tensor) -> torch.Tensor:
    """(..., 6) -> (..., 3, 3), the same Gram-Schmidt as body_model.rotations."""
    a1, a2 = d6[..., 0:3], d6[..., 3:6]
    b1 = nn.functional.normalize(a1, dim=-1, eps=1e-12)
    b2 = nn.functional.normalize(a2 - (b1 * a2).sum(-1, keepdim=True) * b1, dim=-1, eps=1e-12)
    b3 = torch.cross(b1, b2, dim=-1)
    return torch.stack([b1, b2, b3], dim=-1)


class BodyModel(nn.Module):
    """Differentiable forward kinematics + landmark map (float32)."""

    def __init__(self):
        super().__init__()
        f32 = torch.float32
        self.register_buffer("rest_offsets", torch.tensor(REST_OFFSETS, dtype=f32))
        self.register_buffer("joint_shape", torch.tensor(JOINT_SHAPE, dtype=f32))
        self.register_buffer("lm_offsets", torch.tensor(LANDMARK_OFFSETS, dtype=f32))
        self.register_buffer("lm_shape", torch.tensor(LANDMARK_SHAPE, dtype=f32))
        self.lm_joints = torch.tensor(LANDMARK_JOINTS)
        self.levels = [torch.tensor(level) for level in LEVELS]
        self.parents = [torch.tensor(PARENTS[level]) for level in LEVELS]

    def forward(self, local: torch.Tensor, beta: torch.Tensor, translation: torch.Tensor):
        """local (N, J, 3, 3), beta (N, K), translation (N, 3) -> landmarks (N, 75, 3)."""
        offsets = self.rest_offsets * torch.exp(beta @ self.joint_shape.T)[..., None]
        n = local.shape[0]
        # Writing level by level into preallocated tensors is autograd-safe: every read is
        # an advanced-index copy of rows that are never written again.
        glob_t = local.new_zeros((n, NUM_JOINTS, 3, 3))
        pos_t = local.new_zeros((n, NUM_JOINTS, 3))
        glob_t[:, 0] = local[:, 0]
        pos_t[:, 0] = translation
        for level, parent in zip(self.levels, self.parents):
            g_parent = glob_t[:, parent]
            glob_t[:, level] = g_parent @ local[:, level]
            pos_t[:, level] = pos_t[:, parent] + (g_parent @ offsets[:, level, :, None])[..., 0]
        scale = torch.exp(beta @ self.lm_shape.T)[..., None]
        lm_local = self.lm_offsets * scale
        g_lm = glob_t[:, self.lm_joints]
        return pos_t[:, self.lm_joints] + (g_lm @ lm_local[..., None])[..., 0]


class MixerBlock(nn.Module):
    """Token-mixing MLP then channel-mixing MLP, each pre-LayerNorm with a skip connection."""

    def __init__(self, tokens: int, channels: int, token_hidden: int, channel_hidden: int):
        super().__init__()
        self.norm_tokens = nn.LayerNorm(channels)
        self.token_mlp = nn.Sequential(
            nn.Linear(tokens, token_hidden), nn.GELU(), nn.Linear(token_hidden, tokens))
        self.norm_channels = nn.LayerNorm(channels)
        self.channel_mlp = nn.Sequential(
            nn.Linear(channels, channel_hidden), nn.GELU(), nn.Linear(channel_hidden, channels))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = self.norm_tokens(x).transpose(1, 2)
        x = x + self.token_mlp(y).transpose(1, 2)
        return x + self.channel_mlp(self.norm_channels(x))


class Lifter(nn.Module):
    """75 tokens (x, y, z, hand-missing flag) -> body-model parameters (joint rotations as
    global orientations in the model frame, see lifter.OUTPUT_NAMES).

    A shared linear projection embeds each token into C channels; N Mixer blocks follow; a
    final LayerNorm, a learned linear pooling of the 75 tokens into P tokens, and one
    linear head per parameter group on the flattened P x C features. Rotation heads output
    6D offsets from the identity, so an untrained network predicts the rest pose.
    """

    def __init__(self, channels: int = 64, layers: int = 3, token_hidden: int = 64,
                 channel_hidden: int = 128, pooled: int = 8):
        super().__init__()
        self.config = dict(channels=channels, layers=layers, token_hidden=token_hidden,
                           channel_hidden=channel_hidden, pooled=pooled)
        self.embed = nn.Linear(4, channels)
        self.blocks = nn.Sequential(*[
            MixerBlock(NUM_LANDMARKS, channels, token_hidden, channel_hidden)
            for _ in range(layers)])
        self.norm = nn.LayerNorm(channels)
        self.pool = nn.Linear(NUM_LANDMARKS, pooled)
        features = pooled * channels
        self.sizes = {
            "root_6d": (6,), "translation": (3,), "beta": (NUM_SHAPE,),
            "body_global_6d": (len(BODY_JOINTS), 6),
            "left_hand_global_6d": (len(LEFT_HAND_JOINTS), 6),
            "right_hand_global_6d": (len(RIGHT_HAND_JOINTS), 6),
        }
        self.heads = nn.ModuleDict({
            name: nn.Linear(features, int(torch.tensor(shape).prod()))
            for name, shape in self.sizes.items()})
        for _name, head in self.heads.items():
            nn.init.normal_(head.weight, std=1e-3)
            nn.init.zeros_(head.bias)
        # Which of [pose, left hand, right hand] each token belongs to.
        owner = torch.zeros(NUM_LANDMARKS, dtype=torch.long)
        owner[33:54] = 1
        owner[54:75] = 2
        self.register_buffer("token_owner", owner, persistent=False)
        self.register_buffer("identity_6d", torch.tensor(_IDENTITY_6D), persistent=False)

    def forward(self, points: torch.Tensor, hand_present: torch.Tensor):
        """points (N, 75, 3), hand_present (N, 2) -> tuple in lifter.OUTPUT_NAMES order."""
        missing = torch.cat([torch.zeros_like(hand_present[:, :1]), 1.0 - hand_present], 1)
        flags = missing[:, self.token_owner][..., None]
        x = self.embed(torch.cat([points, flags], dim=-1))
        x = self.norm(self.blocks(x))
        x = self.pool(x.transpose(1, 2)).flatten(1)
        out = []
        for name, shape in self.sizes.items():
            y = self.heads[name](x).reshape((-1,) + shape)
            if name.endswith("_6d"):
                y = y + self.identity_6d
            out.append(y)
        return tuple(out)


def local_from_global(glob: torch.Tensor) -> torch.Tensor:
    """(N, J, 3, 3) global -> local rotations, as body_model.kinematics.local_from_global."""
    parents = torch.tensor(PARENTS[1:])
    rest = glob[:, parents].transpose(-1, -2) @ glob[:, 1:]
    return torch.cat([glob[:, :1], rest], dim=1)


def assemble_global(root6, body6, left6, right6) -> torch.Tensor:
    """6D outputs -> (N, J, 3, 3) global rotations in joint order."""
    n = root6.shape[0]
    parts = torch.cat([root6[:, None], body6, left6, right6], dim=1)
    order = torch.cat([torch.tensor([0]), torch.tensor(BODY_JOINTS),
                       torch.tensor(LEFT_HAND_JOINTS), torch.tensor(RIGHT_HAND_JOINTS)])
    inverse = torch.empty_like(order)
    inverse[order] = torch.arange(NUM_JOINTS)
    return matrix_from_6d(parts[:, inverse]).reshape(n, NUM_JOINTS, 3, 3)


def check_against_numpy(samples: int = 16, seed: int = 0) -> None:
    """Raise AssertionError unless this module's rotation assembly, local rotations and
    forward kinematics reproduce the numpy body model the runtime decodes with."""
    import numpy as np

    from blazepose_holistic.body_model.kinematics import forward_kinematics
    from blazepose_holistic.body_model.rotations import sixd_from_matrix
    from build_scripts.lifter.prior import pose_to_sample, sample_poses

    rng = np.random.default_rng(seed)
    local, beta = sample_poses(rng, samples, np.zeros((0, NUM_JOINTS, 3, 3)))
    points, trans = pose_to_sample(local, beta)
    _, glob = forward_kinematics(local, beta)
    six = torch.tensor(sixd_from_matrix(glob))
    g = assemble_global(six[:, 0], six[:, BODY_JOINTS], six[:, LEFT_HAND_JOINTS],
                        six[:, RIGHT_HAND_JOINTS])
    got_local = local_from_global(g)
    np.testing.assert_allclose(got_local.numpy(), local, atol=1e-9)
    got = BodyModel()(got_local.float(), torch.tensor(beta).float(), torch.tensor(trans).float())
    np.testing.assert_allclose(got.numpy(), points, atol=1e-5)
