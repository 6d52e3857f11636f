"""What the student's code can see and do at each level (probed from inside a real worker)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time

import pytest

from .conftest import FAST, LEVELS, REPO, processes_of, write_module

PROBE = """
import os, socket, sys

def probe(port, reference_dir, data_dir):
    facts = {"uid": os.getuid(), "cwd": os.getcwd(), "pid": os.getpid()}
    facts["cap_eff"] = [l.split()[1] for l in open("/proc/self/status") if l.startswith("CapEff")][0]
    facts["no_new_privs"] = [l.split()[1] for l in open("/proc/self/status") if l.startswith("NoNewPrivs")][0]
    facts["sees_reference"] = os.path.exists(reference_dir)
    facts["sees_data"] = os.path.exists(os.path.join(data_dir, "X.npy"))
    facts["processes"] = len([p for p in os.listdir("/proc") if p.isdigit()])
    try:
        import grader  # noqa: F401
        facts["imports_grader"] = True
    except ImportError:
        facts["imports_grader"] = False
    with open("scratch-file", "w") as f:
        f.write("ok")
    facts["writes_scratch"] = open("scratch-file").read() == "ok"
    try:
        open(os.path.join(data_dir, "new"), "w").close()
        facts["writes_data"] = True
    except OSError:
        facts["writes_data"] = False
    try:
        socket.create_connection(("127.0.0.1", port), timeout=1).close()
        facts["connects"] = True
    except OSError:
        facts["connects"] = False
    facts["threads_env"] = os.environ.get("OPENBLAS_NUM_THREADS")
    return facts
"""


@pytest.fixture
def server():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        s.settimeout(0.2)
        yield s


@pytest.mark.parametrize("level", [lv for lv in LEVELS if lv != "process"])
def test_namespaced_levels_confine_the_child(level, tmp_path, worker_for, server):
    data = tmp_path / "data"
    data.mkdir()
    (data / "X.npy").write_bytes(b"")
    worker = worker_for(write_module(tmp_path, "probe", PROBE, ["probe"]), level, ro_dirs=[data])
    facts = worker.call("probe", server.getsockname()[1], str(REPO / "reference"), str(data)).value
    assert facts["uid"] != 0 or os.geteuid() != 0
    assert facts["cap_eff"] == "0000000000000000" and facts["no_new_privs"] == "1"
    assert facts["sees_data"] and not facts["writes_data"]
    assert not facts["sees_reference"] and not facts["imports_grader"]
    assert facts["writes_scratch"] and not (data / "new").exists()
    assert not facts["connects"]
    with pytest.raises(TimeoutError):
        server.accept()
    assert facts["processes"] <= 3  # its own pid namespace: itself (and bwrap's init)
    assert facts["threads_env"] == "1"


@pytest.mark.skipif("process" not in LEVELS, reason="process level unavailable")
def test_the_process_level_only_separates_the_process(tmp_path, worker_for, server):
    """The weakest level: limits and a separate process, but the grader's view of the machine."""
    worker = worker_for(write_module(tmp_path, "probe", PROBE, ["probe"]), "process", ro_dirs=[tmp_path])
    facts = worker.call("probe", server.getsockname()[1], str(REPO / "reference"), str(tmp_path)).value
    assert facts["sees_reference"] and facts["connects"]  # documented in docs/security.md
    assert not facts["imports_grader"]  # the grader's packages are still not on its path
    assert facts["writes_scratch"] and facts["threads_env"] == "1"
    assert worker.call("probe", 1, "/nonexistent", str(tmp_path)).value["cwd"] == facts["cwd"]


def test_worker_files_are_removed_on_close(tmp_path, worker_for):
    worker = worker_for(write_module(tmp_path, "probe", PROBE, ["probe"]), LEVELS[0], FAST)
    base = worker.directory
    assert base.exists()
    worker.close()
    assert not base.exists()


GRADER = """
import sys
from pathlib import Path
sys.path.insert(0, {tests!r})
from sandbox.conftest import FAST, write_module
from grader.isolate import Worker
bundle = write_module(Path({tmp!r}), "spin", "def spin():\\n    while True:\\n        pass\\n", ["spin"])
worker = Worker(bundle, FAST.model_copy(update={{"call_timeout_s": 600}}), isolation={level!r})
print(worker.directory, flush=True)
worker.call("spin")
"""


@pytest.mark.parametrize("level", LEVELS)
def test_a_killed_grader_takes_its_workers_with_it(level, tmp_path):
    code = GRADER.format(tests=str(REPO / "tests"), tmp=str(tmp_path), level=level)
    grader = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True, cwd=REPO)
    base = grader.stdout.readline().strip()
    assert base, "the grader did not start its worker"
    time.sleep(0.3)  # the call is spinning now
    assert processes_of(base)
    grader.kill()
    grader.wait()
    deadline = time.monotonic() + 5
    while processes_of(base) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert processes_of(base) == []
