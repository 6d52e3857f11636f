"""The notebook's fixed inputs for the naive forward passes, and the outputs it publishes.

The assignment prints the relative error between a student's output and these
8-digit values (~2e-8 for conv, ~4e-8 for max pool when correct).
"""

import numpy as np

CONV_PARAM = {"stride": 2, "pad": 1}
POOL_PARAM = {"pool_height": 2, "pool_width": 2, "stride": 2}


def conv_forward_inputs() -> tuple[np.ndarray, np.ndarray, np.ndarray, dict[str, int]]:
    """x: (2, 3, 4, 4), w: (3, 3, 4, 4), b: (3,), linearly spaced; stride 2, pad 1."""
    x = np.linspace(-0.1, 0.5, num=2 * 3 * 4 * 4).reshape(2, 3, 4, 4)
    w = np.linspace(-0.2, 0.3, num=3 * 3 * 4 * 4).reshape(3, 3, 4, 4)
    b = np.linspace(-0.1, 0.2, num=3)
    return x, w, b, dict(CONV_PARAM)


def max_pool_forward_inputs() -> tuple[np.ndarray, dict[str, int]]:
    """x: (2, 3, 4, 4), linearly spaced; 2x2 windows, stride 2."""
    x = np.linspace(-0.3, 0.4, num=2 * 3 * 4 * 4).reshape(2, 3, 4, 4)
    return x, dict(POOL_PARAM)


CONV_FORWARD_OUT = np.array(
    [
        [
            [[-0.08759809, -0.10987781], [-0.18387192, -0.2109216]],
            [[0.21027089, 0.21661097], [0.22847626, 0.23004637]],
            [[0.50813986, 0.54309974], [0.64082444, 0.67101435]],
        ],
        [
            [[-0.98053589, -1.03143541], [-1.19128892, -1.24695841]],
            [[0.69108355, 0.66880383], [0.59480972, 0.56776003]],
            [[2.36270298, 2.36904306], [2.38090835, 2.38247847]],
        ],
    ]
)

MAX_POOL_FORWARD_OUT = np.array(
    [
        [
            [[-0.26315789, -0.24842105], [-0.20421053, -0.18947368]],
            [[-0.14526316, -0.13052632], [-0.08631579, -0.07157895]],
            [[-0.02736842, -0.01263158], [0.03157895, 0.04631579]],
        ],
        [
            [[0.09052632, 0.10526316], [0.14947368, 0.16421053]],
            [[0.20842105, 0.22315789], [0.26736842, 0.28210526]],
            [[0.32631579, 0.34105263], [0.38526316, 0.4]],
        ],
    ]
)
