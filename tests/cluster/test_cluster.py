"""`cnngrade grade --cluster` against a real Dask scheduler and workers on 127.0.0.1."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from classroom import ROOT, SUBMISSIONS, lean_rubric, make_class
from dask_cluster import LocalCluster, local_cluster, tls_files
from distributed import Client

from grader.report.models import Report, read_report

pytestmark = pytest.mark.slow
SECRET = "cluster-secret-7f3a9c"
CLASS = ("alice", "bob", "carol", "dave", "erin")


def cnngrade(
    *args: object, timeout: float = 900, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "grader.cli", *map(str, args)],
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**os.environ, **(env or {})},
    )


def reports(folder: Path) -> dict[str, Report]:
    return {p.stem: read_report(p) for p in sorted(folder.glob("*.json"))}


@pytest.fixture(scope="module")
def setup(tmp_path_factory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("class")
    return {"root": root, "rubric": lean_rubric(root / "lean.toml"), "class": make_class(root / "class")}


@pytest.fixture(scope="module")
def local(setup) -> dict[str, Report]:
    """The class graded as before, without a cluster."""
    out = setup["root"] / "local"
    done = cnngrade(
        "grade", setup["class"], "--out", out, "--jobs", "2", "--secret", SECRET, "--rubric", setup["rubric"]
    )
    assert done.returncode == 0, done.stderr
    return reports(out)


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    """Two workers whose temp dir is the cluster's own `tmp`, so that a test can see what they leave."""
    root = tmp_path_factory.mktemp("dask")
    (root / "tmp").mkdir()
    with local_cluster(root, worker_env={"TMPDIR": str(root / "tmp")}) as running:
        yield running


def grade_on(
    cluster: LocalCluster, setup: dict[str, Path], out: Path, *more: object
) -> subprocess.CompletedProcess:
    return cnngrade(
        "grade", setup["class"], "--out", out, "--secret", SECRET, "--rubric", setup["rubric"],
        "--scheduler-file", cluster.scheduler_file, *more,
    )  # fmt: skip


def assert_same_as_local(graded: dict[str, Report], local: dict[str, Report]) -> None:
    assert sorted(graded) == sorted(local) == sorted(CLASS)
    for name, report in graded.items():
        assert report.comparable() == local[name].comparable(), name


def test_reports_from_the_cluster_equal_the_local_ones(cluster, setup, local):
    out = setup["root"] / "on-cluster"
    done = cnngrade(
        "grade", setup["class"], "--out", out, "--secret", SECRET, "--rubric", setup["rubric"],
        "--cluster", cluster.address,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "5 submissions: 5 graded, 0 already graded, 0 not graded" in done.stdout
    assert "grading on the Dask cluster at tcp://127.0.0.1:" in done.stderr and "5/5" in done.stderr
    graded = reports(out)
    assert_same_as_local(graded, local)
    workers = {r.environment.model_extra["dask_worker"] for r in graded.values()}
    with Client(cluster.address) as client:
        assert workers <= set(client.scheduler_info()["workers"]) and len(workers) == 2
    assert {r.isolation for n, r in graded.items() if n != "erin"} == {local["alice"].isolation}
    assert SECRET not in cluster.logs()
    assert "Removing Worker plugin cnngrade-" in cluster.logs()  # the secret does not stay behind


def _worker_pid_when_busy(client: Client, timeout: float = 300) -> int:
    """The pid of a worker process (not its nanny) while it grades a submission."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        busy = [w for w, keys in client.processing().items() if keys]
        if busy:
            return client.run(os.getpid, workers=busy[:1])[busy[0]]
        time.sleep(0.2)
    raise TimeoutError("no worker started grading")


def test_a_worker_killed_mid_batch_costs_nothing(cluster, setup, local):
    out = setup["root"] / "killed"
    command = [
        sys.executable, "-m", "grader.cli", "grade", str(setup["class"]), "--out", str(out),
        "--secret", SECRET, "--rubric", str(setup["rubric"]), "--scheduler-file", str(cluster.scheduler_file),
    ]  # fmt: skip
    batch = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    with Client(cluster.address) as client:
        before = set(client.scheduler_info()["workers"])
        killed = _worker_pid_when_busy(client)
        os.kill(killed, signal.SIGKILL)
        stdout, stderr = batch.communicate(timeout=900)
        assert batch.returncode == 0, stderr
        client.wait_for_workers(2, timeout=120)  # the nanny starts a new one
        assert set(client.scheduler_info()["workers"]) != before, "a worker was killed"
    assert "5 submissions: 5 graded" in stdout
    written = sorted(p.name for p in out.iterdir() if p.name != ".cnngrade-state")  # the folder's own state
    assert written == [f"{n}.json" for n in CLASS]  # nothing torn or extra
    assert_same_as_local(reports(out), local)

    # What the killed task left: one dir named for its worker, holding everything it made (the
    # submission, the bundle, the sandbox's trees), so that a later worker can remove it.
    # (None when the kill came before the task made it.)
    temp = cluster.root / "tmp"
    left = list(temp.iterdir())
    assert len(left) <= 1 and all(p.name.startswith(f"cnngrade-task-{killed}-") for p in left), left
    day_old = time.time() - 2 * 24 * 3600
    for path in left:
        os.utime(path, (day_old, day_old))

    again = grade_on(cluster, setup, out)
    assert again.returncode == 0, again.stderr
    # erin cannot be loaded, so has no inputs key and is tried again, as without a cluster
    assert "5 submissions: 1 graded, 4 already graded" in again.stdout
    assert not list(temp.iterdir())  # removed when the batch's settings reached the workers


@pytest.fixture(scope="module")
def weak_cluster(tmp_path_factory):
    """Workers that find no bubblewrap and no unshare: their sandbox is the plain `process` level,
    where a submission can signal the grading process, here the Dask worker."""
    with local_cluster(tmp_path_factory.mktemp("weak"), worker_env={"PATH": "/nonexistent"}) as running:
        yield running


# At the process level the worker runs under a keeper shell (kill_parent.py only kills that); this
# one climbs one step further, to the process that runs grade_submission: here, the Dask worker.
KILL_GRANDPARENT = """
import os
import signal


def _grandparent():
    with open(f"/proc/{os.getppid()}/stat") as f:
        return int(f.read().rsplit(")", 1)[1].split()[1])


os.kill(_grandparent(), signal.SIGKILL)


def conv_forward_naive(x, w, b, conv_param):
    return x, None
"""


def test_a_submission_that_kills_its_worker_does_not_stop_the_batch(weak_cluster, setup, tmp_path):
    klass = tmp_path / "hostile"
    klass.mkdir()
    (klass / "alice.py").write_bytes(next((SUBMISSIONS / "correct_module").glob("*.py")).read_bytes())
    (klass / "mallory.py").write_text(KILL_GRANDPARENT)
    out = tmp_path / "out"
    # Workers that offer only the process level: the instructor must say that is acceptable.
    command = ["grade", klass, "--out", out, "--secret", SECRET, "--rubric", setup["rubric"]]
    command.append("--allow-process-isolation")
    done = cnngrade(*command, "--cluster", weak_cluster.address)
    assert done.returncode == 0, done.stderr
    graded = reports(out)
    assert graded["alice"].score == graded["alice"].max_score and graded["alice"].isolation == "process"
    mallory = graded["mallory"]
    assert mallory.score == 0 and "killed the Dask worker every time (2 tries)" in mallory.error
    assert mallory.inputs_key and all(c.status == "error" for c in mallory.checks)
    assert "mallory: grading it killed the Dask worker" in done.stdout  # listed as a problem

    again = cnngrade(*command, "--cluster", weak_cluster.address)
    assert "2 submissions: 0 graded, 2 already graded" in again.stdout  # not thrown at the workers again


def test_min_isolation_is_enforced_on_the_workers(weak_cluster, setup, tmp_path):
    done = cnngrade(
        "grade", setup["class"], "--out", tmp_path, "--secret", SECRET, "--rubric", setup["rubric"],
        "--scheduler-file", weak_cluster.scheduler_file, "--min-isolation", "bwrap",
    )  # fmt: skip
    assert done.returncode == 2
    assert done.stderr.startswith("cnngrade: error: --min-isolation bwrap: worker tcp://127.0.0.1:")
    assert "(and 1 more) offers at most 'process'" in done.stderr and "Traceback" not in done.stderr
    assert not list(tmp_path.glob("*.json"))


@pytest.mark.parametrize(
    ("where", "says"),
    [
        (["--cluster", "tcp://127.0.0.1:1"], "cannot reach the Dask scheduler at tcp://127.0.0.1:1"),
        (["--cluster", "nonsense://x"], "cannot reach the Dask scheduler at nonsense://x"),
        (
            ["--scheduler-file", "/nonexistent/scheduler.json"],
            "no scheduler file /nonexistent/scheduler.json",
        ),
    ],
)
def test_a_cluster_that_cannot_be_used_is_one_line(setup, tmp_path, where, says):
    done = cnngrade("grade", setup["class"], "--out", tmp_path, "--secret", SECRET, *where, timeout=120)
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"cnngrade: error: {says}"), done.stderr


def test_a_tls_cluster_grades_only_for_a_client_with_a_certificate(setup, local, tmp_path):
    alice = setup["class"] / "alice.py"
    command = ["grade", alice, "--out", tmp_path / "out", "--secret", SECRET, "--rubric", setup["rubric"]]
    with local_cluster(tmp_path / "dask", workers=1, tls=tls_files(tmp_path)) as cluster:
        assert cluster.address.startswith("tls://127.0.0.1:")
        refused = cnngrade(*command, "--cluster", cluster.address, timeout=120)
        assert refused.returncode == 2 and "cannot reach the Dask scheduler at tls://" in refused.stderr
        done = cnngrade(*command, "--cluster", cluster.address, env=cluster.client_env)
    assert done.returncode == 0, done.stderr
    assert read_report(tmp_path / "out" / "alice.json").comparable() == local["alice"].comparable()


def test_a_worker_with_other_grader_code_is_refused(setup, tmp_path):
    """A worker whose answer key differs from the client's would write other reports: refused."""
    other = tmp_path / "other"
    for package in ("grader", "reference"):
        shutil.copytree(ROOT / package, other / package, ignore=shutil.ignore_patterns("__pycache__"))
    with (other / "reference" / "layers.py").open("a") as f:
        f.write("\n# an answer key edited on one machine\n")
    with local_cluster(tmp_path / "dask", workers=1, worker_env={"PYTHONPATH": str(other)}) as cluster:
        done = cnngrade(
            "grade", setup["class"], "--out", tmp_path / "out", "--secret", SECRET,
            "--rubric", setup["rubric"], "--cluster", cluster.address,
        )  # fmt: skip
    assert done.returncode == 2 and not list((tmp_path / "out").glob("*.json"))
    assert done.stderr.startswith("cnngrade: error: worker tcp://127.0.0.1:")
    assert done.stderr.strip().endswith("runs other cnngrade code than this client")
