"""The grader's side of a worker: start the sandboxed child, send calls, validate what comes back.

One `Worker` serves one submission. It starts a child process (see isolation.py
for how each level confines it), sends requests over a pipe and reads replies
from another, with the student's stdout/stderr on a third. The child is
untrusted: replies are parsed by `protocol` (no pickle, capped sizes), every
wait has a deadline, and when the student's code raises, crashes, hits a limit
or times out the call raises `StudentFailure` and the child is killed with
everything it started; the next call starts a fresh one.
"""

from __future__ import annotations

import contextlib
import functools
import mmap
import os
import selectors
import shutil
import signal
import subprocess
import tempfile
import time
import uuid
import weakref
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

from grader.isolate.confinement import Confinement

from . import isolation as iso
from .cgroups import Cgroup
from .isolation import LEVELS, RANK, IsolationError, Layout
from .limits import Limits
from .protocol import FrameReader, ProtocolError, Ref, decode, encode, frame

CHILD_FILES = ("child.py", "protocol.py", "ops.py", "compat.py")
START_TIMEOUT_S = 20.0  # generous: a loaded machine may take seconds to start Python and numpy
PIPE_BYTES = 1 << 20
PORTABLE_ENV = "CNNGRADE_PORTABLE"
SHARED_BYTES = 32 << 20  # counts against the child's RLIMIT_AS: big enough for the layers' arrays


class StudentFailure(Exception):  # noqa: N818 (the name is in the architecture contract)
    """The student's code raised, crashed, hit a limit, timed out or returned something invalid.

    `status` is "error" or "timeout" (the report's Status values); `message` says why in a few
    lines; `output` is the captured stdout/stderr of the failed call. `origin` says who wrote the
    message: "grader" (a timeout, a limit, a signal, as the grader saw it) or "student" (text the
    child sent, e.g. a traceback, which the student's code may have written or forged).
    """

    def __init__(self, status: str, message: str, output: str = "", origin: str = "grader") -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.output = output
        self.origin = origin


class StaleHandleError(RuntimeError):
    """A Handle from a worker process that has since been restarted (its object is gone)."""


@dataclass(frozen=True)
class Handle:
    """An object that stays in the worker (a model, a layer cache); pass it back as an argument."""

    worker: str
    generation: int
    id: int


@dataclass(frozen=True)
class Reply:
    value: Any
    output: str  # captured stdout/stderr of this call, truncated
    duration_s: float  # time in the student's code, as measured in the worker
    wall_s: float = 0.0  # round trip as measured by the grader (an upper bound on duration_s)


Keep = Iterable[int] | bool  # the tuple positions of a result to leave in the worker, or all of it


@runtime_checkable
class WorkerLike(Protocol):
    """What the checks ask of a worker (`grader.judge.student_calls.StudentCalls`): the real `Worker` below,
    or the tests' fake one (tests/checks/fake_student.py). A handle is whatever the worker gave
    back for a value it kept (each worker has its own kind), and arguments and values are the
    student's: both are `Any`."""

    limits: Limits  # read per call: a check may shorten the call timeout for a probe

    def call(self, symbol: str, *args: Any, keep: Keep = (), **kwargs: Any) -> Reply: ...

    def call_method(self, handle: Any, name: str, *args: Any, keep: Keep = (), **kwargs: Any) -> Reply: ...

    def get_attr(self, handle: Any, name: str) -> Reply: ...

    def set_item(self, handle: Any, attr: str, key: str, value: Any) -> Reply: ...

    def op(self, name: str, /, **kwargs: Any) -> Reply: ...


class BundleLike(Protocol):
    """What the worker needs of `grader.load.submission.Bundle`."""

    root: Path

    @property
    def manifest(self) -> Any: ...


def symbol_table(bundle: BundleLike) -> dict[str, str]:
    """symbol -> module, for the symbols the loader found."""
    table = {}
    for name, entry in bundle.manifest.symbols.items():
        if entry is not None:
            table[name] = entry.module
    return table


class Output:
    """Captured output: the first and last halves of the budget, and a count of what was dropped."""

    def __init__(self, kib: int) -> None:
        self.half = kib * 512
        self.head = bytearray()
        self.tail = bytearray()
        self.dropped = 0

    def add(self, data: bytes) -> None:
        room = self.half - len(self.head)
        self.head += data[:room]
        self.tail += data[room:] if room > 0 else data
        if len(self.tail) > self.half:
            cut = len(self.tail) - self.half
            self.dropped += cut
            del self.tail[:cut]

    def text(self) -> str:
        middle = f"\n[... {self.dropped} bytes of output omitted ...]\n" if self.dropped else ""
        return bytes(self.head).decode(errors="replace") + middle + bytes(self.tail).decode(errors="replace")


class _ChildDiedError(Exception):
    pass


class _DeadlineError(Exception):
    pass


def _shared_region(limits: Limits) -> tuple[int, int]:
    """A sealed memfd for large arrays (a 2.4 MB round trip is ~5x faster than the pipes).

    Sealed, so the child cannot shrink it under the grader's reads (SIGBUS). Linux only.
    """
    import fcntl

    fd = os.memfd_create("cnngrade-worker", os.MFD_CLOEXEC | os.MFD_ALLOW_SEALING)
    size = min(SHARED_BYTES, int(limits.max_message_mb * 2**20))
    os.ftruncate(fd, size)
    fcntl.fcntl(fd, fcntl.F_ADD_SEALS, fcntl.F_SEAL_SHRINK | fcntl.F_SEAL_GROW | fcntl.F_SEAL_SEAL)
    return fd, size


def _widen(fds: Iterable[int]) -> None:
    """Bigger pipe buffers where the system allows (Linux's F_SETPIPE_SZ): fewer wake-ups per array."""
    with contextlib.suppress(ImportError):
        import fcntl

        for fd in fds:
            with contextlib.suppress(OSError, AttributeError):
                fcntl.fcntl(fd, fcntl.F_SETPIPE_SZ, PIPE_BYTES)


class _Child:
    """One running child process and its pipes.

    `portable`: the process level with nothing Linux-only (no memfd, prctl or cgroup); every
    array then crosses through the pipes.
    """

    def __init__(
        self, level: str, layout: Layout, limits: Limits, symbols: dict[str, str], *, portable: bool = False
    ) -> None:
        self.level = level
        self.limits = limits
        self.portable = portable
        req_r, self.req_w = os.pipe()
        self.rep_r, rep_w = os.pipe()
        self.out_r, out_w = os.pipe()
        if not portable:
            _widen((self.req_w, rep_w, out_w))
        shm_fd, shared_bytes = (None, 0) if portable else _shared_region(limits)
        self.shared = None if shm_fd is None else memoryview(mmap.mmap(shm_fd, shared_bytes))
        config = {
            "fd_in": req_r,
            "fd_out": rep_w,
            "fd_shared": shm_fd,
            "shared_bytes": shared_bytes,
            "portable": portable,
            "root": str(layout.root),
            "symbols": symbols,
            "ro_dirs": [str(d) for d in layout.ro_dirs],
            "max_array_bytes": int(limits.max_array_mb * 2**20),
            "max_message_bytes": int(limits.max_message_mb * 2**20),
        }
        python_cmd = iso.python_command(layout, config)
        uid = iso.unprivileged_uid()
        if level == "bwrap":
            cmd = iso.bwrap_command(layout, limits, uid, python_cmd)
        elif level == "unshare":
            cmd = iso.unshare_command(layout, limits, uid, python_cmd)
        else:
            cmd = iso.process_command(python_cmd)
        self.private_uid = iso._is_root() and level != "process"
        self.cgroup = None if portable else Cgroup.create(limits)
        passed = [fd for fd in (req_r, rep_w, shm_fd) if fd is not None]
        try:
            self.proc = subprocess.Popen(
                cmd,
                stdin=subprocess.DEVNULL,
                stdout=out_w,
                stderr=out_w,
                pass_fds=passed,
                cwd=layout.scratch,
                env=iso.child_env(layout),
                start_new_session=True,
                preexec_fn=iso.preexec(limits, self.cgroup, per_uid=self.private_uid, portable=portable),
            )
        except BaseException:
            if self.cgroup is not None:
                self.cgroup.remove()
            raise
        finally:
            for fd in (*passed, out_w):
                os.close(fd)
        for fd in (self.req_w, self.rep_r, self.out_r):
            os.set_blocking(fd, False)
        self.reader = FrameReader(max_message_bytes=int(limits.max_message_mb * 2**20), shared=self.shared)
        self.replied_at = 0.0  # monotonic time the last reply was complete

    def confinement(self, not_used: dict[str, str]) -> Confinement:
        """What this child runs under, as the report states it."""
        group = self.cgroup
        rlimit = "none" if iso.resource is None else "rlimit"
        confined = self.level != "process"
        return Confinement(
            level=self.level,  # type: ignore[arg-type]
            portable=self.portable,
            not_used=not_used,
            memory=group.kind if group is not None and "memory" in group.dirs else rlimit,  # type: ignore[arg-type]
            pids=group.kind if group is not None else "rlimit" if self.private_uid else "none",  # type: ignore[arg-type]
            cpu_share=group.kind if group is not None and group.has_cpu else "none",  # type: ignore[arg-type]
            cpu_time=rlimit,  # type: ignore[arg-type]
            network_isolated=confined,
            answer_key_hidden=confined,
            read_only_outside_scratch=confined,
            private_uid=self.private_uid,
        )

    def exchange(self, chunks: list[Any], timeout: float, output: Output) -> tuple[dict[str, Any], list[Any]]:
        """Send a frame (may be empty) and wait for one reply, collecting output meanwhile."""
        deadline = time.monotonic() + timeout
        pending = [memoryview(c) for c in chunks if len(c)]
        with selectors.DefaultSelector() as sel:
            sel.register(self.rep_r, selectors.EVENT_READ, "reply")
            sel.register(self.out_r, selectors.EVENT_READ, "output")
            if pending:
                sel.register(self.req_w, selectors.EVENT_WRITE, "request")
            while (message := self.reader.next_message()) is None:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise _DeadlineError
                for key, _ in sel.select(remaining):
                    if key.data == "request":
                        pending = self._write_some(pending)
                        if not pending:
                            sel.unregister(self.req_w)
                    elif key.data == "output":
                        if not self._read_output(output):
                            sel.unregister(self.out_r)
                    else:
                        with contextlib.suppress(BlockingIOError):
                            if not self.reader.read_from(self.rep_r):
                                raise _ChildDiedError
        self.replied_at = time.monotonic()  # before draining output: Reply.wall_s ends here
        # Output written before the reply is already in its pipe: take it (boundedly, against floods).
        for _ in range(64):
            if not self._read_output(output):
                break
        return message

    def _write_some(self, pending: list[memoryview]) -> list[memoryview]:
        try:
            n = os.writev(self.req_w, pending[:64])
        except BlockingIOError:
            return pending
        except BrokenPipeError:
            return []  # the child is gone; its reply pipe will say so
        while n and n >= len(pending[0]):
            n -= len(pending.pop(0))
        if n:
            pending[0] = pending[0][n:]
        return pending

    def _read_output(self, output: Output) -> bool:
        try:
            chunk = os.read(self.out_r, 1 << 16)
        except BlockingIOError:
            return False
        output.add(chunk)
        return bool(chunk)

    def drain(self, output: Output) -> None:
        """Read what the child wrote that the grader has not read yet: a child that dies at start
        may close its reply pipe before its last words on stderr were read (they say why)."""
        with contextlib.suppress(OSError):
            while self._read_output(output):
                pass

    def start_failure(self, error: Exception) -> str:
        """Why the child gave no hello: a closed pipe means it ended (wait for how), anything else
        (no answer in time, a garbled one) means it is alive or its end says nothing yet."""
        if isinstance(error, _ChildDiedError) or self.proc.poll() is not None:
            return self.death_reason()
        return "no answer"

    def death_reason(self) -> str:
        """Why the child ended, once its reply pipe closed."""
        try:
            rc = self.proc.wait(timeout=2)
        except subprocess.TimeoutExpired:
            return "the worker closed its reply pipe"
        if self.cgroup is not None and self.cgroup.memory_exceeded():
            return f"killed: memory limit of {self.limits.memory_mb} MB exceeded"
        # Every level's keeper (bwrap, unshare's shell, process_command's shell) reports a child
        # killed by signal N as exit status 128 + N.
        sig = -rc if rc < 0 else rc - 128 if rc > 128 else None
        if sig == signal.SIGXCPU:
            return f"killed: CPU time limit of {self.limits.cpu_s} s exceeded"
        if sig is not None:
            try:
                name = signal.Signals(sig).name
            except ValueError:
                name = f"signal {sig}"
            what = {"SIGSEGV": "segmentation fault", "SIGBUS": "bus error", "SIGABRT": "aborted"}
            return f"crashed: {what.get(name, 'killed')} ({name})"
        return f"the worker exited with status {rc}"

    def stop(self) -> None:
        """Kill the child and everything it started (its session, namespace and cgroup)."""
        for fd in (self.req_w, self.rep_r, self.out_r):
            with contextlib.suppress(OSError):
                os.close(fd)
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.proc.pid, signal.SIGKILL)
        with contextlib.suppress(ProcessLookupError):
            self.proc.kill()
        if self.cgroup is not None:
            self.cgroup.kill_all()
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.proc.wait(timeout=5)
        if self.cgroup is not None:
            self.cgroup.remove()


def _make_readable(path: Path) -> None:
    """Let the sandbox's unprivileged uid read a tree (o+r files, o+rx dirs)."""
    for dirpath, dirnames, filenames in os.walk(path):
        for name, bits in [(dirpath, 0o005)] + [(os.path.join(dirpath, f), 0o004) for f in filenames]:
            with contextlib.suppress(OSError):
                mode = os.stat(name, follow_symlinks=False).st_mode
                if mode & bits != bits and not os.path.islink(name):
                    os.chmod(name, mode | bits)
        dirnames[:] = [d for d in dirnames if not os.path.islink(os.path.join(dirpath, d))]


def _prepare(base: Path, root: Path, ro_dirs: list[Path], level: str) -> Layout:
    """The worker's own files under `base` (the runtime package), and the host paths it needs."""
    runtime = base / "runtime"
    package = runtime / "cnngrade_worker"
    package.mkdir(parents=True)
    (package / "__init__.py").write_text("")
    for name in CHILD_FILES:
        shutil.copyfile(Path(__file__).with_name(name), package / name)
    if iso._is_root() and level != "process":
        for tree in (base, root, *ro_dirs):
            _make_readable(tree)
    return Layout(runtime=runtime, root=root, scratch=base, ro_dirs=ro_dirs)


@functools.cache
def probe(level: str, portable: bool = False) -> str | None:
    """Start a real worker at `level` end to end (an empty submission, one request answered).

    None when it works, else why not in one line. Cached per process: a batch forks its graders
    after the first probe, so each level is tried once per run.
    """
    if reason := iso.missing_prerequisite(level):
        return reason
    base = Path(tempfile.mkdtemp(prefix="cnngrade-probe-"))
    child = None
    try:
        (base / "empty").mkdir()
        (base / "data").mkdir()
        layout = _prepare(base, base / "empty", [base / "data"], level)
        layout.scratch = base / "scratch"
        layout.scratch.mkdir(mode=0o700)
        output = Output(4)
        child = _Child(level, layout, Limits(), {}, portable=portable)
        child.exchange([], START_TIMEOUT_S, output)  # hello
        args, _ = encode(([], {}), max_array_bytes=1 << 20)
        request = {"kind": "call", "symbol": "probe", "keep": [], "payload": args}
        reply, _ = child.exchange(frame(request, [], child.shared), START_TIMEOUT_S, output)
        if reply.get("ok") is not False or "does not define" not in str(reply.get("error")):
            return f"the probe worker answered wrongly: {str(reply)[:200]}"
        return None
    except (_ChildDiedError, _DeadlineError, ProtocolError) as error:
        reason = "no answer"
        if child is not None:
            reason = child.start_failure(error)  # waits for a child that ended: its output is all there
            child.drain(output)
        last = [line for line in output.text().splitlines() if line.strip()][-1:]
        return f"a worker did not start ({reason}{': ' + last[0] if last else ''})"
    except OSError as e:
        return f"a worker did not start: {e}"
    finally:
        if child is not None:
            child.stop()
        shutil.rmtree(base, ignore_errors=True)


def portable_default() -> bool:
    """Off Linux, or with $CNNGRADE_PORTABLE=1 (so tests keep that path working on Linux)."""
    return not iso.LINUX or os.environ.get(PORTABLE_ENV) == "1"


def select_level(
    requested: str | None, min_isolation: str | None, *, portable: bool | None = None
) -> tuple[str, dict[str, str]]:
    """The strongest level that starts a worker here (or `requested`), and why stronger ones were not used.

    Raises IsolationError when the level found is below `min_isolation`, or nothing starts.
    """
    portable = portable_default() if portable is None else portable
    for name in (requested, min_isolation):
        if name is not None and name not in RANK:
            raise ValueError(f"unknown isolation level {name!r}; use one of {', '.join(LEVELS)}")
    not_used: dict[str, str] = {}
    for level in [requested] if requested else list(LEVELS):
        if portable and level != "process":
            reason: str | None = "portable mode: only the process level"
        else:
            reason = probe(level, portable)
        if reason is None:
            break
        not_used[level] = reason
    else:
        why = "; ".join(f"{k}: {v}" for k, v in not_used.items())
        raise IsolationError(f"no isolation level can start a worker here ({why})")
    if min_isolation is not None and RANK[level] < RANK[min_isolation]:
        why = "".join(f"; {k}: {v}" for k, v in not_used.items())
        raise IsolationError(f"isolation level {level!r} is below the required {min_isolation!r}{why}")
    return level, not_used


def available_levels() -> tuple[str, ...]:
    """The levels that start a worker on this machine, strongest first (each probed once per process)."""
    return tuple(level for level in LEVELS if probe(level) is None)


def _cleanup(state: dict[str, Any]) -> None:
    if state.get("child") is not None:
        state["child"].stop()
        state["child"] = None
    shutil.rmtree(state["base"], ignore_errors=True)


class Worker:
    """A sandboxed process that runs one submission's code and answers calls.

    `isolation` forces a level ("bwrap", "unshare", "process"); by default the
    strongest level that starts a real worker here is used, and `confinement` says
    which and why no stronger one. `min_isolation` refuses to start below a level
    (`IsolationError`). `portable` forces the process level without Linux-only
    features (the default off Linux). When the level switches to an unprivileged
    uid, the bundle tree and `ro_dirs` are made world-readable (o+rX) so that
    uid can read them. The worker's own files (its runtime, the scratch dir it may
    write) go in a new dir under `temp_dir` (default: the system temp dir).
    """

    def __init__(
        self,
        bundle: BundleLike,
        limits: Limits | None = None,
        *,
        ro_dirs: Iterable[Path] = (),
        min_isolation: str | None = None,
        isolation: str | None = None,
        portable: bool | None = None,
        temp_dir: Path | None = None,
    ) -> None:
        self.limits = limits or Limits()
        self._portable = portable_default() if portable is None else portable
        self.isolation, self._not_used = select_level(isolation, min_isolation, portable=self._portable)
        self._token = uuid.uuid4().hex
        self._symbols = symbol_table(bundle)
        self._generation = 0
        base = Path(tempfile.mkdtemp(prefix="cnngrade-worker-", dir=temp_dir))
        self._state: dict[str, Any] = {"base": base, "child": None}
        self._finalizer = weakref.finalize(self, _cleanup, self._state)
        ro = [Path(d).resolve() for d in ro_dirs]
        self._layout = _prepare(base, Path(bundle.root).resolve(), ro, self.isolation)
        self.confinement: Confinement | None = None  # what the current child runs under
        self._start()

    # --- the public calls -------------------------------------------------------------------

    def call(self, symbol: str, *args: Any, keep: Keep = (), **kwargs: Any) -> Reply:
        """Call the student's function `symbol`. `keep`: tuple positions (or True) to leave in the child."""
        if symbol not in self._symbols:
            raise KeyError(f"{symbol} is not in the submission's manifest")
        return self._request({"kind": "call", "symbol": symbol, "keep": _keep(keep)}, (list(args), kwargs))

    def call_method(
        self, handle: Handle, name: str, *args: Any, keep: Keep = (), **kwargs: Any
    ) -> Reply:
        header = {"kind": "call_method", "ref": self._ref(handle).id, "name": name, "keep": _keep(keep)}
        return self._request(header, (list(args), kwargs))

    def get_attr(self, handle: Handle, name: str) -> Reply:
        return self._request({"kind": "get_attr", "ref": self._ref(handle).id, "name": name}, None)

    def set_item(self, handle: Handle, attr: str, key: str, value: Any) -> Reply:
        """`handle.attr[key] = value` in the child, e.g. model.params['W1'] = W1."""
        header = {"kind": "set_item", "ref": self._ref(handle).id, "attr": attr, "key": key}
        return self._request(header, value)

    def op(self, name: str, /, *, timeout_s: float | None = None, **kwargs: Any) -> Reply:
        """Run a trusted helper from ops.py in the child (e.g. "train" with a longer `timeout_s`)."""
        return self._request({"kind": "op", "name": name}, kwargs, timeout_s)

    @property
    def directory(self) -> Path:
        """The worker's own directory on the host (its files, scratch mount points); gone after close."""
        return self._state["base"]

    def close(self) -> None:
        """Kill the child and everything it started, and delete the worker's files."""
        self._finalizer()

    def __enter__(self) -> Worker:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- internals ----------------------------------------------------------------------------

    def _start(self) -> None:
        self._generation += 1
        self._layout.scratch = self._state["base"] / f"scratch-{self._generation}"
        self._layout.scratch.mkdir(mode=0o700)
        child = _Child(self.isolation, self._layout, self.limits, self._symbols, portable=self._portable)
        self._state["child"] = child
        self.confinement = child.confinement(self._not_used)
        output = Output(self.limits.output_kib)
        try:
            child.exchange([], START_TIMEOUT_S, output)  # the child's hello: numpy is imported, it is ready
        except (_ChildDiedError, _DeadlineError, ProtocolError) as error:
            reason = child.start_failure(error)
            child.drain(output)
            self._stop()
            detail = output.text()[-2000:]
            raise RuntimeError(f"the sandboxed worker did not start ({reason}): {detail}") from None

    def _stop(self) -> None:
        if self._state["child"] is not None:
            self._state["child"].stop()
            self._state["child"] = None
            shutil.rmtree(self._layout.scratch, ignore_errors=True)

    def _ref(self, handle: Handle) -> Ref:
        current = (self._token, self._generation)
        if (handle.worker, handle.generation) != current or self._state["child"] is None:
            raise StaleHandleError("this handle's object is gone (the worker restarted after a failure)")
        return Ref(handle.id)

    def _to_wire(self, value: Any) -> Any:
        if isinstance(value, Handle):
            return self._ref(value)
        if isinstance(value, (list, tuple)):
            return type(value)(self._to_wire(v) for v in value)
        if isinstance(value, dict):
            return {k: self._to_wire(v) for k, v in value.items()}
        return value

    def _from_wire(self, value: Any) -> Any:
        if isinstance(value, Ref):
            return Handle(self._token, self._generation, value.id)
        if isinstance(value, (list, tuple)):
            return type(value)(self._from_wire(v) for v in value)
        if isinstance(value, dict):
            return {k: self._from_wire(v) for k, v in value.items()}
        return value

    def _request(self, header: dict[str, Any], payload: Any, timeout_s: float | None = None) -> Reply:
        max_array = int(self.limits.max_array_mb * 2**20)
        wire = self._to_wire(payload)  # before a restart: a stale handle is the caller's bug
        if self._state["child"] is None:
            self._start()
        tree, arrays = encode(wire, max_array_bytes=max_array)  # ProtocolError here is the caller's bug
        data = frame({**header, "payload": tree}, arrays, self._state["child"].shared)
        timeout = timeout_s or self.limits.call_timeout_s
        output = Output(self.limits.output_kib)
        child = self._state["child"]
        start = time.monotonic()  # after the restart and the copy into shared memory: only the exchange
        try:
            reply, reply_blobs = child.exchange(data, timeout, output)
        except _DeadlineError:
            self._stop()
            raise StudentFailure("timeout", f"timed out after {timeout:g} s", output.text()) from None
        except _ChildDiedError:
            reason = child.death_reason()
            self._stop()
            raise StudentFailure("error", reason, output.text()) from None
        except ProtocolError as e:
            self._stop()
            raise StudentFailure("error", f"the worker sent a malformed reply: {e}", output.text()) from None
        wall = child.replied_at - start
        if reply.get("ok") is not True:
            self._stop()
            message = str(reply.get("error", "unknown error"))[:8000]
            raise StudentFailure("error", message, output.text(), origin="student")
        try:
            value = decode(reply.get("value"), reply_blobs, max_array_bytes=max_array)
            duration = _duration(reply.get("duration_s"))
        except ProtocolError as e:
            self._stop()
            raise StudentFailure("error", f"the result cannot be used: {e}", output.text()) from None
        return Reply(self._from_wire(value), output.text(), duration, wall)


def _duration(value: Any) -> float:
    """The child's own time for the call: a finite number of seconds, or the reply is malformed."""
    if type(value) not in (int, float) or not 0 <= value < 1e9:  # also refuses NaN
        raise ProtocolError("the reply's duration is not a number of seconds")
    return float(value)


def _keep(keep: Keep) -> list[int] | bool:
    return keep if isinstance(keep, bool) else sorted(int(i) for i in keep)
