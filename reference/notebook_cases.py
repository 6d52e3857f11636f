"""The notebook's fixed inputs for the naive forward passes and normalization layers, and what it publishes.

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


# The ConvolutionalNetworks notebook's normalization cells (2017+ spatial batchnorm, 2018+ spatial
# groupnorm). Each draws from np.random.seed(231) in the order the notebook does; the notebook
# prints means and stds before and after (close to 0 and 1, then to beta and gamma) and relative
# errors of numeric gradients ("between 1e-12 and 1e-06").
NOTEBOOK_SEED = 231


def spatial_batchnorm_train_inputs() -> np.ndarray:
    """x: (2, 3, 4, 5) = 4 * randn + 10, normalized with gamma/beta of SPATIAL_BN_GAMMA_BETA."""
    rng = np.random.RandomState(NOTEBOOK_SEED)
    return 4 * rng.randn(2, 3, 4, 5) + 10


SPATIAL_BN_GAMMA_BETA = [
    (np.ones(3), np.zeros(3)),  # means close to zero, stds close to one
    (np.array([3.0, 4.0, 5.0]), np.array([6.0, 7.0, 8.0])),  # means close to beta, stds to gamma
]


def spatial_batchnorm_test_mode_inputs() -> tuple[list[np.ndarray], np.ndarray]:
    """50 training batches then one test batch, each (10, 4, 11, 12) = 2.3 * randn + 13.

    With gamma = 1, beta = 0 the test-mode output's per-channel means are close to 0 and stds
    close to 1 once the running averages have warmed up.
    """
    rng = np.random.RandomState(NOTEBOOK_SEED)
    shape = (10, 4, 11, 12)
    train = [2.3 * rng.randn(*shape) + 13 for _ in range(50)]
    return train, 2.3 * rng.randn(*shape) + 13


def spatial_batchnorm_backward_inputs() -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """x: (2, 3, 4, 5) = 5 * randn + 12, gamma (3,), beta (3,), dout like x; mode 'train'."""
    rng = np.random.RandomState(NOTEBOOK_SEED)
    x = 5 * rng.randn(2, 3, 4, 5) + 12
    return x, rng.randn(3), rng.randn(3), rng.randn(2, 3, 4, 5)


GROUPNORM_G = 2


def spatial_groupnorm_train_inputs() -> np.ndarray:
    """x: (2, 6, 4, 5) = 4 * randn + 10 with G = 2; stats read per (sample, group): x.reshape(N*G, -1)."""
    rng = np.random.RandomState(NOTEBOOK_SEED)
    return 4 * rng.randn(2, 6, 4, 5) + 10


SPATIAL_GN_GAMMA_BETA = (np.ones((1, 6, 1, 1)), np.zeros((1, 6, 1, 1)))


def spatial_groupnorm_backward_inputs() -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """x: (2, 6, 4, 5) = 5 * randn + 12, gamma and beta (1, 6, 1, 1), dout like x; G = 2."""
    rng = np.random.RandomState(NOTEBOOK_SEED)
    x = 5 * rng.randn(2, 6, 4, 5) + 12
    return x, rng.randn(1, 6, 1, 1), rng.randn(1, 6, 1, 1), rng.randn(2, 6, 4, 5)
