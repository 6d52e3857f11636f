"""Every limit in `Limits`, hit by real code in a real worker; the worker survives for the next call."""

from __future__ import annotations

import os

import numpy as np
import pytest

from grader.isolate import Limits, StudentFailure

from .conftest import LEVELS, write_module

GREEDY = """
import os, time
import numpy as np

def ok():
    return "ok"

def spin():
    while True:
        pass

def burn_cpu():
    t = time.process_time()
    while time.process_time() - t < 60:
        pass

def allocate(mb):
    return float(np.ones(mb << 17).sum())

def allocate_in_two_processes(mb):
    pid = os.fork()
    block = np.ones(mb << 17)  # both processes touch `mb` MB
    if pid == 0:
        time.sleep(30)
        os._exit(0)
    time.sleep(0.5)
    _, status = os.waitpid(pid, os.WNOHANG)
    return status

def fork_and_raise():
    if os.fork() == 0:
        raise RuntimeError("the forked copy")
    time.sleep(0.2)
    return "parent"

def fork_many(n):
    pids = []
    try:
        for _ in range(n):
            pid = os.fork()
            if pid == 0:
                time.sleep(30)
                os._exit(0)
            pids.append(pid)
    except OSError as e:
        return len(pids), str(e)
    return len(pids), ""

def write_file(mb):
    with open("big", "wb") as f:
        f.write(b"x" * (mb << 20))
    return os.path.getsize("big")

def fill_scratch(mb):
    for i in range(mb):
        with open(f"part{i}", "wb") as f:
            f.write(b"x" * (1 << 20))

def open_many(n):
    return len([open("/dev/null") for _ in range(n)])
"""
SYMBOLS = ["ok", "spin", "burn_cpu", "allocate", "allocate_in_two_processes", "fork_many", "fork_and_raise",
           "write_file", "fill_scratch", "open_many"]  # fmt: skip


@pytest.fixture
def bundle(tmp_path):
    return write_module(tmp_path, "greedy", GREEDY, SYMBOLS)


def failure(worker, symbol, *args):
    with pytest.raises(StudentFailure) as caught:
        worker.call(symbol, *args)
    assert worker.call("ok").value == "ok"  # a fresh worker serves the next call
    return caught.value


def test_wall_clock_timeout(bundle, worker_for, level):
    worker = worker_for(bundle, level, Limits(call_timeout_s=1.0))
    f = failure(worker, "spin")
    assert f.status == "timeout" and "timed out after 1 s" in f.message


def test_cpu_time_limit(bundle, worker_for):
    worker = worker_for(bundle, LEVELS[0], Limits(cpu_s=1, call_timeout_s=30))
    f = failure(worker, "burn_cpu")
    assert f.status == "error" and "CPU time limit of 1 s exceeded" in f.message


def test_memory_limit_of_one_process(bundle, worker_for, level):
    worker = worker_for(bundle, level, Limits(memory_mb=512))
    assert worker.call("allocate", 64).value == (64 << 17)
    assert "MemoryError" in failure(worker, "allocate", 1024).message


@pytest.mark.skipif(os.geteuid() != 0, reason="cgroups need root")
def test_memory_limit_binds_the_whole_worker(bundle, worker_for):
    """Two processes of 250 MB each under a 400 MB limit: whichever mechanism refuses first (the
    cgroup killing one process, or the per-process limit refusing one allocation, as under
    `unshare` on a loaded machine), the whole worker never holds 500 MB and the next call works."""
    worker = worker_for(bundle, LEVELS[0], Limits(memory_mb=400, call_timeout_s=20))
    try:
        status = worker.call("allocate_in_two_processes", 250).value
        # The forked process was refused: killed by the cgroup, or its allocation failed and it
        # left quietly (never speaking on the worker's pipe).
        assert os.WIFSIGNALED(status) and os.WTERMSIG(status) == 9 or os.WIFEXITED(status), status
    except StudentFailure as f:
        assert "memory limit of 400 MB exceeded" in f.message or "MemoryError" in f.message, f.message
    assert worker.call("ok").value == "ok"


def test_forked_process_never_garbles_the_reply(bundle, worker_for, level):
    """A process the student forks that returns into the worker (here by an exception) exits
    without writing: the caller gets the server's own answer, not a malformed reply."""
    worker = worker_for(bundle, level, Limits(call_timeout_s=20))
    assert worker.call("fork_and_raise").value == "parent"
    assert worker.call("ok").value == "ok"


def test_process_limit(bundle, worker_for, level):
    worker = worker_for(bundle, level, Limits(nproc=16))
    started, error = worker.call("fork_many", 100).value
    assert started < 16 and "Resource temporarily unavailable" in error


def test_file_size_limit(bundle, worker_for, level):
    worker = worker_for(bundle, level, Limits(file_size_mb=1))
    assert worker.call("write_file", 0).value == 0
    assert "File too large" in failure(worker, "write_file", 2).message


@pytest.mark.parametrize("level", [lv for lv in LEVELS if lv != "process"])
def test_scratch_size_limit(bundle, worker_for, level):
    worker = worker_for(bundle, level, Limits(scratch_mb=4, file_size_mb=2))
    assert "No space left on device" in failure(worker, "fill_scratch", 8).message


def test_open_files_limit(bundle, worker_for):
    worker = worker_for(bundle, LEVELS[0], Limits(open_files=64))
    assert worker.call("open_many", 20).value == 20
    assert "Too many open files" in failure(worker, "open_many", 100).message


def test_arrays_over_the_size_cap_do_not_cross(bundle, worker_for):
    worker = worker_for(bundle, LEVELS[0], Limits(max_array_mb=1))
    with pytest.raises(ValueError, match="larger than the 1.0 MiB limit"):
        worker.call("allocate", np.zeros(1 << 18))  # the grader's own mistake: a plain error
