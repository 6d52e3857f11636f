"""Run every required symbol on fixed inputs; used in a child process on a loaded bundle's root
(``python bundle_exercise.py ROOT SYMBOLS.json INPUTS.npz OUT.npz``) and in the test process on the
reference, so both sides execute exactly the same calls."""

from __future__ import annotations

import importlib
import json
import sys
from collections.abc import Callable
from typing import Any

import numpy as np

SANDWICH = ("conv_relu_forward", "conv_relu_backward", "conv_relu_pool_forward", "conv_relu_pool_backward")
NET_KEYS = ("W1", "b1", "W2", "b2", "W3", "b3")


def make_inputs(seed: int = 0) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    inputs = {
        "x": rng.standard_normal((2, 3, 7, 7)),
        "w": rng.standard_normal((4, 3, 3, 3)),
        "b": rng.standard_normal(4),
        "dconv": rng.standard_normal((2, 4, 4, 4)),  # conv output with stride 2, pad 1
        "dpool": rng.standard_normal((2, 3, 3, 3)),  # 7x7 pooled 3x3 with stride 2
        "fc_x": rng.standard_normal((5, 2, 3)),
        "fc_w": rng.standard_normal((6, 4)),
        "fc_b": rng.standard_normal(4),
        "fc_dout": rng.standard_normal((5, 4)),
        "scores": rng.standard_normal((5, 4)),
        "labels": np.array([0, 3, 1, 2, 3]),
        "sx": rng.standard_normal((2, 3, 6, 6)),
        "sw": rng.standard_normal((4, 3, 3, 3)),
        "sb": rng.standard_normal(4),
        "sd_conv": rng.standard_normal((2, 4, 6, 6)),
        "sd_pool": rng.standard_normal((2, 4, 3, 3)),
        "net_X": rng.standard_normal((3, 3, 8, 8)),
        "net_y": np.array([0, 4, 2]),
    }
    shapes = {"W1": (4, 3, 3, 3), "b1": (4,), "W2": (64, 7), "b2": (7,), "W3": (7, 5), "b3": (5,)}
    for key in NET_KEYS:
        inputs[f"net_{key}"] = 0.1 * rng.standard_normal(shapes[key])
    return inputs


def exercise(
    get: Callable[[str], Any], inputs: dict[str, np.ndarray], names: set[str]
) -> dict[str, np.ndarray]:
    """Outputs of every available symbol in ``names`` on ``inputs``."""
    i = inputs
    out: dict[str, np.ndarray] = {}
    if {"affine_forward", "affine_backward"} <= names:
        fc, cache = get("affine_forward")(i["fc_x"], i["fc_w"], i["fc_b"])
        out["affine_out"] = fc
        out["affine_dx"], out["affine_dw"], out["affine_db"] = get("affine_backward")(i["fc_dout"], cache)
    if {"relu_forward", "relu_backward"} <= names:
        out["relu_out"], cache = get("relu_forward")(i["x"])
        out["relu_dx"] = get("relu_backward")(i["x"] * 2, cache)
    if "softmax_loss" in names:
        loss, out["softmax_dx"] = get("softmax_loss")(i["scores"], i["labels"])
        out["softmax_loss"] = np.float64(loss)
    if {"conv_forward_naive", "conv_backward_naive"} <= names:
        conv, cache = get("conv_forward_naive")(i["x"], i["w"], i["b"], {"stride": 2, "pad": 1})
        out["conv_out"] = conv
        out["conv_dx"], out["conv_dw"], out["conv_db"] = get("conv_backward_naive")(i["dconv"], cache)
    if {"max_pool_forward_naive", "max_pool_backward_naive"} <= names:
        pool_param = {"pool_height": 3, "pool_width": 3, "stride": 2}
        out["pool_out"], cache = get("max_pool_forward_naive")(i["x"], pool_param)
        out["pool_dx"] = get("max_pool_backward_naive")(i["dpool"], cache)
    if set(SANDWICH) <= names:
        conv_param, pool_param = {"stride": 1, "pad": 1}, {"pool_height": 2, "pool_width": 2, "stride": 2}
        out["cr_out"], cache = get("conv_relu_forward")(i["sx"], i["sw"], i["sb"], conv_param)
        out["cr_dx"], out["cr_dw"], out["cr_db"] = get("conv_relu_backward")(i["sd_conv"], cache)
        out["crp_out"], cache = get("conv_relu_pool_forward")(
            i["sx"], i["sw"], i["sb"], conv_param, pool_param
        )
        out["crp_dx"], out["crp_dw"], out["crp_db"] = get("conv_relu_pool_backward")(i["sd_pool"], cache)
    if "ThreeLayerConvNet" in names:
        model = get("ThreeLayerConvNet")(
            input_dim=(3, 8, 8),
            num_filters=4,
            filter_size=3,
            hidden_dim=7,
            num_classes=5,
            reg=0.1,
            dtype=np.float64,
        )
        for key in NET_KEYS:
            model.params[key] = i[f"net_{key}"].copy()
        out["net_scores"] = model.loss(i["net_X"])
        loss, grads = model.loss(i["net_X"], i["net_y"])
        out["net_loss"] = np.float64(loss)
        for key in NET_KEYS:
            out[f"net_d{key}"] = grads[key]
    return {k: np.asarray(v, dtype=np.float64) for k, v in out.items()}


def main() -> None:
    _, _root, symbols_json, inputs_path, out_path = sys.argv
    symbols = json.loads(symbols_json)
    with np.load(inputs_path) as data:
        inputs = dict(data)

    def get(name: str) -> Any:
        return getattr(importlib.import_module(symbols[name]), name)

    np.savez(out_path, **exercise(get, inputs, set(symbols)))


if __name__ == "__main__":
    main()
