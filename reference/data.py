"""Image data for the assignment: the CIFAR-10 python-pickle batches, and a built-in dataset.

CIFAR-10 cannot be downloaded everywhere, so ``get_data`` falls back to a built-in, deterministic
dataset of the same shapes (3x32x32 images, 10 classes): each class is a kind of shape or texture
(disc, square, ring, plus, horizontal / vertical / diagonal stripes, checkerboard, triangle, X)
drawn at a random place, size and colour on a random background, with pixel noise. A correct
ThreeLayerConvNet learns it well above chance within one short epoch; a broken one does not.

All arrays returned are NCHW: X (N, 3, 32, 32) of the requested float dtype, y (N,) int64.
"""

import os
import pickle
from pathlib import Path

import numpy as np

CIFAR10_DIR_ENV = "CNNGRADE_CIFAR10_DIR"
CLASSES = ("disc", "square", "ring", "plus", "h-stripes", "v-stripes", "diagonal", "checker", "triangle", "x")

# Images are generated in fixed chunks, each from its own seed, so any prefix of the dataset is the
# same whatever size was asked for, and a small request only generates what it needs.
_CHUNK = 1000
_SPLIT_IDS = {"train": 0, "test": 1}


def load_CIFAR_batch(filename: Path) -> tuple[np.ndarray, np.ndarray]:
    """One CIFAR-10 python batch: a pickle of {"data": uint8 (N, 3072), "labels": N ints}.

    Returns X uint8 (N, 3, 32, 32) and y int64 (N,). Raises ValueError if the file is not such a batch.
    Unpickling can run code: read only batches from a trusted source (never from a submission).
    """
    with open(filename, "rb") as f:
        try:
            batch = pickle.load(f, encoding="latin1")
            X = np.asarray(batch["data"], dtype=np.uint8).reshape(-1, 3, 32, 32)
            y = np.asarray(batch["labels"], dtype=np.int64)
        except (pickle.UnpicklingError, EOFError, KeyError, TypeError, ValueError) as e:
            raise ValueError(f"{filename} is not a CIFAR-10 python batch ({type(e).__name__}: {e})") from None
    if len(X) != len(y):
        raise ValueError(f"{filename} has {len(X)} images but {len(y)} labels")
    return X, y


def load_CIFAR10(root: Path) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """All of CIFAR-10 from a directory holding data_batch_1 .. data_batch_5 and test_batch.

    Returns X_train uint8 (50000, 3, 32, 32), y_train (50000,), X_test (10000, 3, 32, 32), y_test.
    """
    root = Path(root)
    train = [load_CIFAR_batch(root / f"data_batch_{b}") for b in range(1, 6)]
    X_test, y_test = load_CIFAR_batch(root / "test_batch")
    return np.concatenate([X for X, _ in train]), np.concatenate([y for _, y in train]), X_test, y_test


def resolve_cifar10_dir(explicit: str | Path | None = None) -> Path | None:
    """Where CIFAR-10 is: the explicit path if given, else $CNNGRADE_CIFAR10_DIR, else None."""
    location = explicit if explicit is not None else os.environ.get(CIFAR10_DIR_ENV)
    return Path(location) if location else None


def _split(
    X_pool: np.ndarray,
    y_pool: np.ndarray,
    X_test: np.ndarray,
    y_test: np.ndarray,
    num_training: int,
    num_validation: int,
    num_test: int,
    subtract_mean: bool,
    dtype: type,
) -> dict[str, np.ndarray]:
    """The course's split: train = the first num_training of the pool, val = the next num_validation,
    test = the first num_test of the test set; then, optionally, the training mean image subtracted."""
    if num_training + num_validation > len(X_pool) or num_test > len(X_test):
        raise ValueError(
            f"asked for {num_training}+{num_validation} training+validation and {num_test} test images, "
            f"but there are {len(X_pool)} and {len(X_test)}"
        )
    # Views where the dtype already matches: the pool is ours, and the splits do not overlap.
    data = {
        "X_train": X_pool[:num_training].astype(dtype, copy=False),
        "y_train": y_pool[:num_training],
        "X_val": X_pool[num_training : num_training + num_validation].astype(dtype, copy=False),
        "y_val": y_pool[num_training : num_training + num_validation],
        "X_test": X_test[:num_test].astype(dtype, copy=False),
        "y_test": y_test[:num_test],
    }
    if subtract_mean and num_training > 0:
        mean_image = data["X_train"].mean(axis=0, dtype=np.float64).astype(dtype)
        for key in ("X_train", "X_val", "X_test"):
            data[key] -= mean_image
    return data


def get_CIFAR10_data(
    num_training: int = 49000,
    num_validation: int = 1000,
    num_test: int = 1000,
    subtract_mean: bool = True,
    cifar10_dir: str | Path | None = None,
    dtype: type = np.float32,
) -> dict[str, np.ndarray]:
    """CIFAR-10 split as in the course: X_train, y_train, X_val, y_val, X_test, y_test (NCHW).

    The batches are read from cifar10_dir, or from $CNNGRADE_CIFAR10_DIR. Raises FileNotFoundError
    when neither is set or a batch is missing.
    """
    root = resolve_cifar10_dir(cifar10_dir)
    if root is None:
        raise FileNotFoundError(f"no CIFAR-10 location: pass cifar10_dir or set ${CIFAR10_DIR_ENV}")
    X_pool, y_pool, X_test, y_test = load_CIFAR10(root)
    return _split(
        X_pool, y_pool, X_test, y_test, num_training, num_validation, num_test, subtract_mean, dtype
    )


def _shape_masks(label: int, yy: np.ndarray, xx: np.ndarray, rng: np.random.Generator, n: int) -> np.ndarray:
    """Foreground masks (n, 32, 32) in [0, 1] of n images of one class, each placed at random."""
    cy = rng.uniform(10, 22, (n, 1, 1)).astype(np.float32)
    cx = rng.uniform(10, 22, (n, 1, 1)).astype(np.float32)
    r = rng.uniform(5, 9, (n, 1, 1)).astype(np.float32)
    dy, dx = yy - cy, xx - cx
    ady, adx = np.abs(dy), np.abs(dx)
    # Textures fill the image, with a random period and phase.
    period = rng.uniform(4, 8, (n, 1, 1)).astype(np.float32)
    phase = rng.uniform(0, 2 * np.pi, (n, 1, 1)).astype(np.float32)
    omega = 2 * np.pi / period
    name = CLASSES[label]
    if name == "disc":
        mask = dy**2 + dx**2 < r**2
    elif name == "square":
        mask = np.maximum(ady, adx) < r
    elif name == "ring":
        mask = np.abs(np.sqrt(dy**2 + dx**2) - r) < 1.5
    elif name == "plus":
        mask = ((ady < 1.5) & (adx < r)) | ((adx < 1.5) & (ady < r))
    elif name == "h-stripes":
        mask = np.sin(omega * yy + phase) > 0
    elif name == "v-stripes":
        mask = np.sin(omega * xx + phase) > 0
    elif name == "diagonal":
        mask = np.sin(omega * (xx + yy) / np.sqrt(2) + phase) > 0
    elif name == "checker":
        mask = np.sin(omega * yy + phase) * np.sin(omega * xx) > 0
    elif name == "triangle":
        mask = (ady < r) & (adx < (dy + r) / 2)
    else:  # "x"
        mask = (np.abs(adx - ady) < 1.5) & (np.maximum(ady, adx) < r)
    return mask.astype(np.float32)


def _builtin_chunk(split_id: int, chunk: int, seed: int, out: np.ndarray) -> np.ndarray:
    """Chunk number ``chunk`` of a split, written into ``out`` (m <= _CHUNK, 3, 32, 32) float32.

    Pixels are in [0, 255]. Returns the chunk's first m labels. Every random draw is made for the
    whole chunk, so the first m images do not depend on m.
    """
    m = len(out)
    rng = np.random.default_rng([seed, split_id, chunk])
    y = rng.integers(0, len(CLASSES), _CHUNK)
    yy, xx = np.mgrid[0:32, 0:32].astype(np.float32)
    masks = np.empty((_CHUNK, 32, 32), dtype=np.float32)
    for label in range(len(CLASSES)):
        members = np.flatnonzero(y == label)
        masks[members] = _shape_masks(label, yy, xx, rng, len(members))
    # Colours say nothing about the class: the background is a random dark RGB colour and the
    # shape a brighter random one, so it stays visible.
    background = rng.uniform(0, 150, (_CHUNK, 3, 1, 1)).astype(np.float32)
    brightness = rng.uniform(50, 150, (_CHUNK, 1, 1, 1)).astype(np.float32)
    tint = rng.normal(0, 20, (_CHUNK, 3, 1, 1)).astype(np.float32)
    foreground = np.clip(background + brightness + tint, 0, 255)
    # Uniform pixel noise in [-40, 40) (std 23): much cheaper to draw than Gaussian noise.
    noise = rng.random((_CHUNK, 3, 32, 32), dtype=np.float32)[:m]
    np.multiply(foreground[:m] - background[:m], masks[:m, None], out=out)
    out += background[:m]
    out += noise * np.float32(80) - np.float32(40)
    np.clip(out, 0, 255, out=out)
    return y[:m]


def builtin_images(num: int, split: str = "train", seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """The first ``num`` images of a split ("train" or "test") of the built-in dataset.

    Returns X float32 (num, 3, 32, 32) with values in [0, 255], and y int64 (num,).
    """
    X = np.empty((num, 3, 32, 32), dtype=np.float32)
    y = np.empty(num, dtype=np.int64)
    for chunk, start in enumerate(range(0, num, _CHUNK)):
        part = slice(start, min(num, start + _CHUNK))
        y[part] = _builtin_chunk(_SPLIT_IDS[split], chunk, seed, X[part])
    return X, y


def get_builtin_data(
    num_training: int = 49000,
    num_validation: int = 1000,
    num_test: int = 1000,
    subtract_mean: bool = True,
    seed: int = 0,
    dtype: type = np.float32,
) -> dict[str, np.ndarray]:
    """The built-in dataset, split like ``get_CIFAR10_data``.

    Returns X_train, y_train, X_val, y_val, X_test, y_test; a different seed gives a different dataset.
    """
    X_pool, y_pool = builtin_images(num_training + num_validation, "train", seed)
    X_test, y_test = builtin_images(num_test, "test", seed)
    return _split(
        X_pool, y_pool, X_test, y_test, num_training, num_validation, num_test, subtract_mean, dtype
    )


def get_data(
    num_training: int = 49000,
    num_validation: int = 1000,
    num_test: int = 1000,
    subtract_mean: bool = True,
    cifar10_dir: str | Path | None = None,
    dtype: type = np.float32,
) -> dict[str, np.ndarray]:
    """CIFAR-10 when its location is known (argument or $CNNGRADE_CIFAR10_DIR), else the built-in dataset."""
    if resolve_cifar10_dir(cifar10_dir) is not None:
        return get_CIFAR10_data(num_training, num_validation, num_test, subtract_mean, cifar10_dir, dtype)
    return get_builtin_data(num_training, num_validation, num_test, subtract_mean, dtype=dtype)


def data_source(cifar10_dir: str | Path | None = None) -> str:
    """Which dataset ``get_data`` uses, in words."""
    root = resolve_cifar10_dir(cifar10_dir)
    return f"CIFAR-10 at {root}" if root is not None else "the built-in dataset"
