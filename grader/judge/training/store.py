"""The training checks' data on disk, authenticated: the store every training check reads.

Each dataset is written once as .npy files in two directories of the cache:
- `data/<entry>/` (X_train, y_train, X_val, y_val) is what the Solver needs; every worker gets it
  as a read-only dir. Its val split is only the Solver's bookkeeping, never the judging split.
- `judging/<entry>/` (X_fit, y_fit: a copy of the first training samples; X_heldout, y_heldout: a
  split the worker never sees) is read only by the grader, to score trained parameters.

The reference net's runs over several seeds are cached beside them (`runs_cache`), authenticated
with the same key (`mac`).

Everything the worker could reach is checked when it is read: each file carries an HMAC-SHA256
under a key only the grader's user can read (`key_path`, mode 0600, outside every directory a
worker is given). A cache entry that fails is
discarded and computed again, never used. Parallel graders take a file lock, so the work is done
by one of them and the others read its result; files appear whole (temp file + rename).
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import hmac
import io
import json
import os
import secrets
import stat
import tempfile
from collections.abc import Iterator
from pathlib import Path

import numpy as np

from grader import __version__

WORKER_ARRAYS = ("X_train", "y_train", "X_val", "y_val")
JUDGING_ARRAYS = ("X_fit", "y_fit", "X_heldout", "y_heldout")
JUDGE_SAMPLES = 1000  # training samples and held-out samples the grader scores a net on
MANIFEST = "manifest.json"


# data dir -> how prepare_dataset made it, to write it again if it is altered while in use
_PREPARED: dict[Path, tuple[Path, Path | None, int, int]] = {}


class CacheError(Exception):
    """The cache directory cannot be trusted or used; the message is one line for the user."""


class PoisonedEntryError(Exception):
    """A cache entry whose authentication or content fails: discard it and compute it again."""


def default_cache_dir() -> Path:
    """Outside any home directory, since the worker's unprivileged uid must read the data.

    One directory per user: a shared name in /tmp could be created first by another
    local user, who could then plant reference runs and move every threshold.
    """
    configured = os.environ.get("CNNGRADE_CACHE")
    return Path(configured) if configured else Path(tempfile.gettempdir()) / f"cnngrade-cache-{os.getuid()}"


def key_path() -> Path:
    """The cache's HMAC key: in the user's config dir, which no worker's filesystem contains at the
    bwrap / unshare levels (and which the worker's private uid could not read anyway)."""
    config = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(config) / "cnngrade" / "cache.key"


def cache_key() -> bytes:
    """The HMAC key, created (32 random bytes, mode 0600) on first use."""
    path = key_path()
    try:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        with contextlib.suppress(FileExistsError):
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
            with os.fdopen(fd, "w") as f:
                f.write(secrets.token_hex(32))
    except OSError as exc:
        raise CacheError(
            f"cannot create the cache key {path}: {exc.strerror or exc}; set XDG_CONFIG_HOME to a "
            "folder of yours"
        ) from None
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW)
    except OSError as exc:
        raise CacheError(f"cannot read the cache key {path}: {exc.strerror or exc}") from None
    with os.fdopen(fd) as f:
        info = os.fstat(f.fileno())
        if info.st_uid != os.getuid() or not stat.S_ISREG(info.st_mode) or info.st_mode & 0o077:
            raise CacheError(f"cache key {path} must be a file of this user's with mode 0600")
        key = bytes.fromhex(f.read().strip())
    if len(key) < 16:
        raise CacheError(f"cache key {path} is too short; delete it to make a new one")
    return key


def mac(*parts: bytes) -> str:
    """HMAC-SHA256 of the parts under the cache key, each part's length first (parts cannot shift)."""
    digest = hmac.new(cache_key(), digestmod=hashlib.sha256)
    for part in parts:
        digest.update(len(part).to_bytes(8, "little") + part)
    return digest.hexdigest()


def reference_fingerprint() -> str:
    """sha256 of the reference package's code: a changed dataset generator or net invalidates the cache."""
    import reference

    digest = hashlib.sha256()
    for path in sorted(Path(reference.__file__).parent.glob("*.py")):
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def entry_key(*parts: object) -> str:
    return hashlib.sha256(json.dumps(parts, sort_keys=True, default=str).encode()).hexdigest()[:24]


def readable_dir(path: Path, mode: int = 0o755) -> Path:
    try:
        with contextlib.suppress(FileExistsError):  # a file in the way: refused below, as any non-folder
            path.mkdir(parents=True, exist_ok=True)
        info = path.lstat()
        if info.st_uid != os.getuid() or not stat.S_ISDIR(info.st_mode):
            raise CacheError(
                f"cache directory {path} is not a directory owned by this user; set CNNGRADE_CACHE"
            )
        os.chmod(path, mode)
    except OSError as exc:  # under /proc, on a read-only file system, in a folder we may not write
        reason = exc.strerror or str(exc)
        raise CacheError(f"cannot use the cache directory {path}: {reason}; set CNNGRADE_CACHE") from None
    return path


def usable_cache(cache_dir: Path) -> Path:
    """The cache directory, made if need be, and the HMAC key of its entries; CacheError (one line)
    if the directory cannot be this user's folder or the key cannot be made or read."""
    directory = readable_dir(Path(cache_dir))
    cache_key()
    return directory


@contextlib.contextmanager
def locked(path: Path) -> Iterator[None]:
    with open(path.with_name(path.name + ".lock"), "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def write_atomic(path: Path, data: bytes, mode: int = 0o644) -> None:
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _npy(array: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    np.save(buffer, array, allow_pickle=False)
    return buffer.getvalue()


def write_arrays(directory: Path, arrays: dict[str, np.ndarray], label: str, mode: int = 0o644) -> None:
    """Each array as `<name>.npy`, then the manifest of their HMACs (its presence means complete)."""
    (directory / MANIFEST).unlink(missing_ok=True)
    macs = {}
    for name, array in arrays.items():
        data = _npy(array)
        write_atomic(directory / f"{name}.npy", data, mode)
        macs[name] = mac(directory.name.encode(), name.encode(), data)
    write_atomic(directory / MANIFEST, json.dumps({"label": label, "hmac": macs}).encode(), mode)


def read_arrays(directory: Path, names: tuple[str, ...]) -> dict[str, np.ndarray]:
    """The named arrays of a directory written by `write_arrays`, each authenticated before it is
    parsed (the bytes checked are the bytes parsed); PoisonedEntryError if any is missing or altered."""
    try:
        macs = json.loads((directory / MANIFEST).read_bytes())["hmac"]
        arrays = {}
        for name in names:
            data = (directory / f"{name}.npy").read_bytes()
            expected = macs[name]
            if not (
                isinstance(expected, str)
                and hmac.compare_digest(expected, mac(directory.name.encode(), name.encode(), data))
            ):
                raise PoisonedEntryError(f"{directory / name}.npy does not match its HMAC")
            arrays[name] = np.load(io.BytesIO(data), allow_pickle=False)
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise PoisonedEntryError(f"{directory}: {exc}") from None
    return arrays


def dataset_label(cifar_dir: Path | None) -> str:
    return "builtin" if cifar_dir is None else f"cifar10:{Path(cifar_dir).resolve()}"


def judging_dir(cache_dir: Path, data_dir: Path) -> Path:
    """The parent-only directory that goes with a worker's data dir."""
    return Path(cache_dir) / "judging" / Path(data_dir).name


def prepare_dataset(cache_dir: Path, cifar_dir: Path | None, num_train: int, num_val: int) -> Path:
    """The worker's data directory (the Solver's .npy files), written on first use together with
    the grader's judging split; an entry that fails authentication is written again."""
    label = dataset_label(cifar_dir)
    cache = readable_dir(Path(cache_dir))
    entry = entry_key(label, num_train, num_val, JUDGE_SAMPLES, __version__, reference_fingerprint())
    target = readable_dir(readable_dir(cache / "data") / entry)
    judging = readable_dir(readable_dir(cache / "judging", 0o700) / entry, 0o700)
    _PREPARED[target] = (Path(cache_dir), cifar_dir, num_train, num_val)
    if _authentic(target, judging):
        return target
    with locked(target / MANIFEST):
        if not _authentic(target, judging):
            data = _load(cifar_dir, num_train, num_val)
            write_arrays(judging, {name: data[name] for name in JUDGING_ARRAYS}, label, 0o600)
            write_arrays(target, {name: data[name] for name in WORKER_ARRAYS}, label)
    return target


def _authentic(target: Path, judging: Path) -> bool:
    try:
        read_arrays(target, WORKER_ARRAYS)
        read_arrays(judging, JUDGING_ARRAYS)
    except PoisonedEntryError:
        return False
    return True


def _load(cifar_dir: Path | None, num_train: int, num_val: int) -> dict[str, np.ndarray]:
    from reference import data

    if cifar_dir is None:
        arrays = data.get_builtin_data(num_training=num_train, num_validation=num_val, num_test=JUDGE_SAMPLES)
    else:
        # A small CIFAR-format test batch (tests use one) holds fewer held-out images than we ask for.
        available = len(data.load_CIFAR_batch(Path(cifar_dir) / "test_batch")[1])
        arrays = data.get_CIFAR10_data(
            num_train, num_val, num_test=min(JUDGE_SAMPLES, available), cifar10_dir=cifar_dir
        )
    X = {k: np.ascontiguousarray(arrays[k], dtype=np.float32) for k in ("X_train", "X_val", "X_test")}
    y = {k: np.asarray(arrays[k], dtype=np.int64) for k in ("y_train", "y_val", "y_test")}
    return {
        "X_train": X["X_train"],
        "y_train": y["y_train"],
        "X_val": X["X_val"],
        "y_val": y["y_val"],
        "X_fit": X["X_train"][:JUDGE_SAMPLES].copy(),
        "y_fit": y["y_train"][:JUDGE_SAMPLES].copy(),
        "X_heldout": X["X_test"],
        "y_heldout": y["y_test"],
    }




def read_judging(cache_dir: Path, data_dir: Path) -> dict[str, np.ndarray]:
    """The dataset's judging split, authenticated. A split altered since `prepare_dataset` checked
    it (a process-level worker, say, scribbling over every JSON file in /tmp) is written again and
    read again; CacheError if that cannot be done."""
    directory = judging_dir(cache_dir, data_dir)
    try:
        return read_arrays(directory, JUDGING_ARRAYS)
    except PoisonedEntryError as exc:
        if data_dir not in _PREPARED:
            raise CacheError(f"the judging data changed while in use: {exc}") from None
        prepare_dataset(*_PREPARED[data_dir])  # discards the altered entry and writes it again
        try:
            return read_arrays(directory, JUDGING_ARRAYS)
        except PoisonedEntryError as again:
            raise CacheError(f"the judging data changed while in use: {again}") from None
