"""A real Dask cluster on 127.0.0.1 for the tests: a `dask scheduler` and `dask worker` processes.

Each process is started in its own session (so its nanny and worker go down together) with its
output in a log file the tests can read; `stop` ends exactly the processes this module started.
"""

from __future__ import annotations

import contextlib
import functools
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

DASK = str(Path(sys.executable).parent / "dask")
START_TIMEOUT_S = 120.0  # a loaded two-core machine takes its time to start Python and numpy


@dataclass
class LocalCluster:
    root: Path
    scheduler_file: Path
    client_env: dict[str, str] = field(default_factory=dict)  # what a client needs to connect
    processes: list[subprocess.Popen] = field(default_factory=list)

    @property
    def address(self) -> str:
        return json.loads(self.scheduler_file.read_text())["address"]

    def logs(self) -> str:
        return "\n".join(p.read_text(errors="replace") for p in sorted(self.root.glob("*.log")))

    def start(self, name: str, args: list[str], env: dict[str, str]) -> subprocess.Popen:
        log = open(self.root / f"{name}.log", "w")  # noqa: SIM115 (closed with the process)
        process = subprocess.Popen(
            [DASK, *args], stdout=log, stderr=subprocess.STDOUT, env=env, start_new_session=True
        )
        log.close()
        self.processes.append(process)
        return process

    def stop(self) -> None:
        for process in self.processes:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGTERM)
        for process in self.processes:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGKILL)
                process.wait()


def _environment(root: Path, extra: dict[str, str]) -> dict[str, str]:
    env = {
        **os.environ,
        "DASK_DISTRIBUTED__SCHEDULER__ALLOWED_FAILURES": "1",  # two tries: a short hostile test
        "DASK_DISTRIBUTED__SCHEDULER__WORKER_SATURATION": "1.0",
        "OPENBLAS_NUM_THREADS": "1",
        "OMP_NUM_THREADS": "1",
        "MKL_NUM_THREADS": "1",
    }
    return env | extra


def tls_files(root: Path) -> dict[str, Path]:
    """A private CA and a certificate it signed for 127.0.0.1 (openssl), as the docs make them."""
    ca, key, cert = root / "ca.pem", root / "cert.key", root / "cert.pem"
    run = functools.partial(subprocess.run, check=True, capture_output=True, cwd=root)
    run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=test-ca",
         "-keyout", "ca.key", "-out", ca])  # fmt: skip
    run(["openssl", "req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=127.0.0.1", "-keyout", key,
         "-out", "cert.csr"])  # fmt: skip
    run(["openssl", "x509", "-req", "-in", "cert.csr", "-CA", ca, "-CAkey", "ca.key", "-CAcreateserial",
         "-days", "1", "-out", cert])  # fmt: skip
    return {"ca": ca, "cert": cert, "key": key}


def tls_client_env(tls: dict[str, Path]) -> dict[str, str]:
    """Dask's configuration for a client that must use TLS with these certificates."""
    return {
        "DASK_DISTRIBUTED__COMM__TLS__CA_FILE": str(tls["ca"]),
        "DASK_DISTRIBUTED__COMM__TLS__CLIENT__CERT": str(tls["cert"]),
        "DASK_DISTRIBUTED__COMM__TLS__CLIENT__KEY": str(tls["key"]),
        "DASK_DISTRIBUTED__COMM__REQUIRE_ENCRYPTION": "True",
    }


@contextlib.contextmanager
def local_cluster(
    root: Path, workers: int = 2, worker_env: dict[str, str] | None = None, tls: dict[str, Path] | None = None
) -> Iterator[LocalCluster]:
    """A scheduler and `workers` one-thread workers (each with its own cache folder), torn down after.
    With `tls` (from `tls_files`), every connection is TLS with those certificates."""
    root.mkdir(parents=True, exist_ok=True)
    cluster = LocalCluster(root, root / "scheduler.json", client_env=tls_client_env(tls) if tls else {})
    secure = []
    if tls:
        secure = ["--protocol", "tls", "--tls-ca-file", str(tls["ca"]), "--tls-cert", str(tls["cert"])]
        secure += ["--tls-key", str(tls["key"])]
    env = _environment(root, {})
    try:
        cluster.start(
            "scheduler",
            ["scheduler", "--host", "127.0.0.1", "--port", "0", "--no-dashboard",
             "--scheduler-file", str(cluster.scheduler_file), *secure],
            env,
        )  # fmt: skip
        _wait_for(cluster.scheduler_file.exists, "the scheduler file")
        for i in range(workers):
            cache = root / f"cache-{i}"
            cluster.start(
                f"worker-{i}",
                ["worker", "--scheduler-file", str(cluster.scheduler_file), "--nthreads", "1",
                 "--host", "127.0.0.1", "--no-dashboard", "--name", f"w{i}",
                 "--local-directory", str(root / f"dask-{i}"), *secure],
                _environment(root, {"CNNGRADE_CACHE": str(cache), **(worker_env or {})}),
            )  # fmt: skip
        _wait_for(lambda: _workers(cluster) >= workers, f"{workers} workers")
        yield cluster
    finally:
        cluster.stop()


def _workers(cluster: LocalCluster) -> int:
    import dask
    from distributed import Client

    config = {k.removeprefix("DASK_").lower().replace("__", "."): v for k, v in cluster.client_env.items()}
    with dask.config.set(config), Client(cluster.address, timeout=10) as client:
        return len(client.scheduler_info()["workers"])


def _wait_for(ready, what: str) -> None:
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        with contextlib.suppress(OSError, TimeoutError, ValueError, KeyError):
            if ready():
                return
        time.sleep(0.5)
    raise TimeoutError(f"{what} did not appear within {START_TIMEOUT_S:g} s")
