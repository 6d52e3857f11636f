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
import fcntl
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
from typing import Any, Protocol

from . import isolation as iso
from .isolation import Cgroup, Layout
from .limits import Limits
from .protocol import FrameReader, ProtocolError, Ref, decode, encode, frame

CHILD_FILES = ("child.py", "protocol.py", "ops.py")
START_TIMEOUT_S = 20.0  # generous: a loaded machine may take seconds to start Python and numpy
PIPE_BYTES = 1 << 20
SHARED_BYTES = 32 << 20  # counts against the child's RLIMIT_AS: big enough for the layers' arrays


class StudentFailure(Exception):  # noqa: N818 (the name is in the architecture contract)
    """The student's code raised, crashed, hit a limit, timed out or returned something invalid.

    `status` is "error" or "timeout" (the report's Status values); `message` says why in a few
    lines; `output` is the captured stdout/stderr of the failed call.
    """

    def __init__(self, status: str, message: str, output: str = "") -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.output = output


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


class BundleLike(Protocol):
    """What the worker needs of `grader.submission.Bundle`."""

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


class _Child:
    """One running child process and its pipes."""

    def __init__(self, level: str, layout: Layout, limits: Limits, symbols: dict[str, str]) -> None:
        self.level = level
        self.limits = limits
        req_r, self.req_w = os.pipe()
        self.rep_r, rep_w = os.pipe()
        self.out_r, out_w = os.pipe()
        for fd in (self.req_w, rep_w, out_w):
            with contextlib.suppress(OSError):
                fcntl.fcntl(fd, fcntl.F_SETPIPE_SZ, PIPE_BYTES)
        # Large arrays travel through a shared region instead of the pipes (a 2.4 MB round trip is
        # ~5x faster). Sealed, so the child cannot shrink it under the grader's reads (SIGBUS).
        shm_fd = os.memfd_create("cnngrade-worker", os.MFD_CLOEXEC | os.MFD_ALLOW_SEALING)
        shared_bytes = min(SHARED_BYTES, int(limits.max_message_mb * 2**20))
        os.ftruncate(shm_fd, shared_bytes)
        fcntl.fcntl(shm_fd, fcntl.F_ADD_SEALS, fcntl.F_SEAL_SHRINK | fcntl.F_SEAL_GROW | fcntl.F_SEAL_SEAL)
        self.shared = memoryview(mmap.mmap(shm_fd, shared_bytes))
        config = {
            "fd_in": req_r,
            "fd_out": rep_w,
            "fd_shared": shm_fd,
            "shared_bytes": shared_bytes,
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
            cmd = python_cmd
        private_uid = os.geteuid() == 0 and level != "process"
        self.cgroup = Cgroup.create(limits)
        try:
            self.proc = subprocess.Popen(
                cmd,
                stdin=subprocess.DEVNULL,
                stdout=out_w,
                stderr=out_w,
                pass_fds=(req_r, rep_w, shm_fd),
                cwd=layout.scratch,
                env=iso.child_env(layout),
                start_new_session=True,
                preexec_fn=iso.preexec(limits, self.cgroup, per_uid=private_uid),
            )
        finally:
            for fd in (req_r, rep_w, out_w, shm_fd):
                os.close(fd)
        for fd in (self.req_w, self.rep_r, self.out_r):
            os.set_blocking(fd, False)
        self.reader = FrameReader(max_message_bytes=int(limits.max_message_mb * 2**20), shared=self.shared)

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

    def death_reason(self) -> str:
        """Why the child ended, once its reply pipe closed."""
        try:
            rc = self.proc.wait(timeout=2)
        except subprocess.TimeoutExpired:
            return "the worker closed its reply pipe"
        if self.cgroup is not None and self.cgroup.memory_exceeded():
            return f"killed: memory limit of {self.limits.memory_mb} MB exceeded"
        # bwrap and unshare report a child killed by signal N as exit status 128 + N.
        sig = -rc if rc < 0 else rc - 128 if rc > 128 and self.level != "process" else None
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


def _cleanup(state: dict[str, Any]) -> None:
    if state.get("child") is not None:
        state["child"].stop()
        state["child"] = None
    shutil.rmtree(state["base"], ignore_errors=True)


class Worker:
    """A sandboxed process that runs one submission's code and answers calls.

    `isolation` forces a level ("bwrap", "unshare", "process"); by default the
    strongest available is used. `min_isolation` refuses to start below a level
    (`IsolationError`). When the level switches to an unprivileged
    uid, the bundle tree and `ro_dirs` are made world-readable (o+rX) so that
    uid can read them.
    """

    def __init__(
        self,
        bundle: BundleLike,
        limits: Limits | None = None,
        *,
        ro_dirs: Iterable[Path] = (),
        min_isolation: str | None = None,
        isolation: str | None = None,
    ) -> None:
        self.limits = limits or Limits()
        self.isolation = iso.choose_level(isolation, min_isolation)
        self._token = uuid.uuid4().hex
        self._symbols = symbol_table(bundle)
        self._generation = 0
        base = Path(tempfile.mkdtemp(prefix="cnngrade-worker-"))
        self._state: dict[str, Any] = {"base": base, "child": None}
        self._finalizer = weakref.finalize(self, _cleanup, self._state)
        runtime = base / "runtime"
        package = runtime / "cnngrade_worker"
        package.mkdir(parents=True)
        (package / "__init__.py").write_text("")
        for name in CHILD_FILES:
            shutil.copyfile(Path(__file__).with_name(name), package / name)
        ro = [Path(d).resolve() for d in ro_dirs]
        self._layout = Layout(runtime=runtime, root=Path(bundle.root).resolve(), scratch=base, ro_dirs=ro)
        if os.geteuid() == 0 and self.isolation != "process":
            for tree in (base, self._layout.root, *ro):
                _make_readable(tree)
        self._start()

    # --- the public calls -------------------------------------------------------------------

    def call(self, symbol: str, *args: Any, keep: Iterable[int] | bool = (), **kwargs: Any) -> Reply:
        """Call the student's function `symbol`. `keep`: tuple positions (or True) to leave in the child."""
        if symbol not in self._symbols:
            raise KeyError(f"{symbol} is not in the submission's manifest")
        return self._request({"kind": "call", "symbol": symbol, "keep": _keep(keep)}, (list(args), kwargs))

    def call_method(
        self, handle: Handle, name: str, *args: Any, keep: Iterable[int] | bool = (), **kwargs: Any
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
        child = _Child(self.isolation, self._layout, self.limits, self._symbols)
        self._state["child"] = child
        output = Output(self.limits.output_kib)
        try:
            child.exchange([], START_TIMEOUT_S, output)  # the child's hello: numpy is imported, it is ready
        except (_ChildDiedError, _DeadlineError, ProtocolError):
            reason = child.death_reason() if child.proc.poll() is not None else "no answer"
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
        start = time.monotonic()
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
        wall = time.monotonic() - start
        if reply.get("ok") is not True:
            self._stop()
            raise StudentFailure("error", str(reply.get("error", "unknown error"))[:8000], output.text())
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


def _keep(keep: Iterable[int] | bool) -> list[int] | bool:
    return keep if isinstance(keep, bool) else sorted(int(i) for i in keep)
