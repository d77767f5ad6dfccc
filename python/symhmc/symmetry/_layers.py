"""Helpers of the data-driven alignment: samples held as per-layer (W, b) arrays, their neuron
vectors, and in-place signed permutations of one hidden layer across a stack of samples."""

from __future__ import annotations

import numpy as np

from ..model import MLP


def _unpack_copy(model: MLP, flat: np.ndarray) -> list[list[np.ndarray]]:
    return [[W.copy(), b.copy()] for W, b in model.unpack(flat[:, : model.n_params])]


def _neuron_vectors(layers, h: int) -> np.ndarray:
    """``(n, M_h, n_in + 1 + n_out)``: incoming weights, bias, outgoing weights of every neuron."""
    W, b = layers[h]
    V = layers[h + 1][0]
    return np.concatenate([W, b[..., None], np.swapaxes(V, -1, -2)], axis=-1)


def _apply_layer(layers, h: int, perm: np.ndarray, sign: np.ndarray | None) -> None:
    """New neuron j of layer h (per sample) = sign[:, j] * old neuron perm[:, j]."""
    W, b = layers[h]
    V = layers[h + 1][0]
    W = np.take_along_axis(W, perm[:, :, None], axis=1)
    b = np.take_along_axis(b, perm, axis=1)
    V = np.take_along_axis(V, perm[:, None, :], axis=2)
    if sign is not None:
        W *= sign[:, :, None]
        b *= sign
        V *= sign[:, None, :]
    layers[h][0], layers[h][1] = W, b
    layers[h + 1][0] = V


def _compose_layer(tr_perms: list, tr_signs: list, h: int, perm: np.ndarray, sign: np.ndarray | None) -> None:
    """Record a layer-h step after the transform accumulated so far (step ∘ accumulated)."""
    tr_perms[h] = np.take_along_axis(tr_perms[h], perm, axis=1)
    s_old = np.take_along_axis(tr_signs[h], perm, axis=1)
    tr_signs[h] = s_old if sign is None else (sign * s_old).astype(np.int8)
