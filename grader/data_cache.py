"""The training checks' data on disk, and the cached reference training runs.

The dataset is written once as .npy files (X_train, y_train, X_val, y_val) in
a cache directory that every worker gets as a read-only dir. The reference
net's run on the same data, seed and parameters sets the threshold on data
other than CIFAR-10; it is cached as JSON keyed by all of those, so a class of
submissions pays for it once. Parallel graders take a file lock, so the work
is done by one of them and the others read its result; files appear whole
(temp file + rename).
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import stat
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np

from grader import __version__
from grader.rubric import TrainParams

ARRAYS = ("X_train", "y_train", "X_val", "y_val")
BLAS_THREAD_VARS = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")


class CacheError(Exception):
    """The cache directory cannot be trusted or used; the message is one line for the user."""


def default_cache_dir() -> Path:
    """Outside any home directory, since the worker's unprivileged uid must read the data.

    One directory per user: a shared name in /tmp could be created first by another
    local user, who could then plant reference runs and move every threshold.
    """
    configured = os.environ.get("CNNGRADE_CACHE")
    return Path(configured) if configured else Path(tempfile.gettempdir()) / f"cnngrade-cache-{os.getuid()}"


def reference_fingerprint() -> str:
    """sha256 of the reference package's code: a changed dataset generator or net invalidates the cache."""
    import reference

    digest = hashlib.sha256()
    for path in sorted(Path(reference.__file__).parent.glob("*.py")):
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def _key(*parts: object) -> str:
    return hashlib.sha256(json.dumps(parts, sort_keys=True, default=str).encode()).hexdigest()[:24]


def _readable_dir(path: Path) -> Path:
    path.mkdir(parents=True, exist_ok=True)
    info = path.lstat()
    if info.st_uid != os.getuid() or not stat.S_ISDIR(info.st_mode):
        raise CacheError(f"cache directory {path} is not a directory owned by this user; set CNNGRADE_CACHE")
    os.chmod(path, 0o755)
    return path


@contextlib.contextmanager
def _locked(path: Path) -> Iterator[None]:
    with open(path.with_name(path.name + ".lock"), "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def _write_atomic(path: Path, write: Any) -> None:
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            write(f)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def dataset_label(cifar_dir: Path | None) -> str:
    return "builtin" if cifar_dir is None else f"cifar10:{Path(cifar_dir).resolve()}"


def prepare_dataset(cache_dir: Path, cifar_dir: Path | None, num_train: int, num_val: int) -> Path:
    """The directory holding the training data as .npy files, written on first use."""
    label = dataset_label(cifar_dir)
    root = _readable_dir(_readable_dir(Path(cache_dir)) / "data")
    target = root / _key(label, num_train, num_val, __version__, reference_fingerprint())
    done = target / "complete"
    if done.exists():
        return target
    _readable_dir(target)
    with _locked(done):
        if not done.exists():
            data = _load(cifar_dir, num_train, num_val)
            for name in ARRAYS:
                _write_atomic(
                    target / f"{name}.npy", lambda f, a=data[name]: np.save(f, a, allow_pickle=False)
                )
            _write_atomic(done, lambda f: f.write(label.encode()))
    return target


def _load(cifar_dir: Path | None, num_train: int, num_val: int) -> dict[str, np.ndarray]:
    from reference import data

    if cifar_dir is None:
        arrays = data.get_builtin_data(num_training=num_train, num_validation=num_val, num_test=0)
    else:
        arrays = data.get_CIFAR10_data(num_train, num_val, num_test=0, cifar10_dir=cifar_dir)
    return {
        "X_train": np.ascontiguousarray(arrays["X_train"], dtype=np.float32),
        "y_train": np.asarray(arrays["y_train"], dtype=np.int64),
        "X_val": np.ascontiguousarray(arrays["X_val"], dtype=np.float32),
        "y_val": np.asarray(arrays["y_val"], dtype=np.int64),
    }


def solver_kwargs(p: TrainParams) -> dict[str, Any]:
    """The Solver's arguments for a training check, the same for the student and the reference."""
    return {
        "num_epochs": p.num_epochs,
        "batch_size": p.batch_size,
        "update_rule": "adam",
        "optim_config": {"learning_rate": p.learning_rate},
        "num_train_samples": 1000,
        "num_val_samples": p.num_val,
        "verbose": False,
    }


def reference_run(
    cache_dir: Path, data_dir: Path, dataset: str, p: TrainParams, num_train: int
) -> dict[str, float]:
    """{"train_acc", "val_acc"} the reference net reaches with these parameters (cached)."""
    root = _readable_dir(Path(cache_dir) / "reference_runs")
    # data_dir's name already stands for the dataset, its sizes and the reference's code.
    path = root / f"{_key(data_dir.name, dataset, p.model_dump(mode='json'), num_train)}.json"
    if not path.exists():
        with _locked(path):
            if not path.exists():
                result = _train_reference(data_dir, p, num_train)
                _write_atomic(path, lambda f: f.write(json.dumps(result).encode()))
    return json.loads(path.read_text())


def _train_reference(data_dir: Path, p: TrainParams, num_train: int) -> dict[str, float]:
    """Run `train_reference` in a child process with one BLAS thread, like a worker's.

    In the grader's process BLAS may use every core, which on a busy machine is several times
    slower (threads wait for each other), and the thread count could change the result's last bits.
    """
    env = {**os.environ, **{var: "1" for var in BLAS_THREAD_VARS}}
    command = [sys.executable, "-m", "grader.data_cache", str(data_dir), p.model_dump_json(), str(num_train)]
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"the reference training run failed: {done.stderr.strip()[-2000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def train_reference(data_dir: Path, p: TrainParams, num_train: int) -> dict[str, float]:
    """Train the reference net as the student's is trained; {"train_acc", "val_acc"} at the end."""
    from reference.cnn import ThreeLayerConvNet
    from reference.solver import Solver

    data = {name: np.load(data_dir / f"{name}.npy", allow_pickle=False) for name in ARRAYS}
    data["X_train"], data["y_train"] = data["X_train"][:num_train], data["y_train"][:num_train]
    config = p.model.model_dump()
    config["dtype"] = np.dtype(config["dtype"]).type
    # The Solver samples minibatches from the global RNG; the student's run is seeded the same way.
    state = np.random.get_state()
    np.random.seed(p.seed)
    try:
        model = ThreeLayerConvNet(**config)
        np.random.seed(p.seed)
        solver = Solver(model, data, **solver_kwargs(p))
        solver.train()
    finally:
        np.random.set_state(state)
    return {"train_acc": float(solver.train_acc_history[-1]), "val_acc": float(solver.val_acc_history[-1])}


if __name__ == "__main__":
    # python -m grader.data_cache DATA_DIR TRAIN_PARAMS_JSON NUM_TRAIN  (see _train_reference)
    result = train_reference(
        Path(sys.argv[1]), TrainParams.model_validate_json(sys.argv[2]), int(sys.argv[3])
    )
    print(json.dumps(result))
