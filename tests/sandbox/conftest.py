"""Real submissions and workers for the sandbox tests (no mocks: real processes, real files)."""

from __future__ import annotations

import hashlib
import os
import shutil
from pathlib import Path

import pytest

from grader.isolate import Limits, Worker, available_levels
from grader.load.starter import install_starter
from grader.load.submission import Bundle, Kind, Manifest, SymbolLocation

REPO = Path(__file__).resolve().parents[2]
HOSTILE = REPO / "submissions" / "hostile"
LEVELS = available_levels()
# Tight limits so hang and bomb tests end quickly.
FAST = Limits(call_timeout_s=1.0, cpu_s=20, memory_mb=512, nproc=32, file_size_mb=1, output_kib=4)


def processes_of(base: str | Path) -> list[int]:
    """Host pids of processes that carry a worker's environment (HOME inside its dir `base`)."""
    marker = f"HOME={base}".encode()
    found = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            if marker in Path(f"/proc/{pid}/environ").read_bytes():
                found.append(int(pid))
        except OSError:
            pass
    return found


def make_bundle(source: Path, tmp: Path, symbols: list[str]) -> Bundle:
    """A Bundle for a one-module submission: its file copied to a scratch tree, symbols found in it,
    and the starter package every real bundle carries."""
    root = tmp / "bundle"
    root.mkdir(parents=True)
    shutil.copyfile(source, root / source.name)
    install_starter(root)
    module = source.stem
    located = {s: SymbolLocation(module=module, file=source.name, line=1) for s in symbols}
    return Bundle(
        name=source.name,
        kind=Kind.module,
        source=str(source),
        root=root,
        sha256=hashlib.sha256(source.read_bytes()).hexdigest(),
        manifest=Manifest(symbols=located),
    )


def write_module(tmp: Path, name: str, code: str, symbols: list[str]) -> Bundle:
    source = tmp / "src" / f"{name}.py"
    source.parent.mkdir(parents=True, exist_ok=True)
    source.write_text(code)
    return make_bundle(source, tmp, symbols)


def path_without(bin_dir: Path, *names: str, replacements: dict[str, str] | None = None) -> str:
    """A PATH (one dir of links) with every program of the usual one except `names`, each
    replaced by a script from `replacements` when given: hides or breaks tools for real."""
    if not bin_dir.exists():
        bin_dir.mkdir(parents=True)
        for d in ("/usr/local/sbin", "/usr/local/bin", "/usr/sbin", "/usr/bin", "/sbin", "/bin"):
            for entry in os.scandir(d) if os.path.isdir(d) else []:
                if entry.name not in names and not (bin_dir / entry.name).exists():
                    (bin_dir / entry.name).symlink_to(entry.path)
        for name, script in (replacements or {}).items():
            (bin_dir / name).write_text(script)
            (bin_dir / name).chmod(0o755)
    return str(bin_dir)


@pytest.fixture(params=LEVELS)
def level(request: pytest.FixtureRequest) -> str:
    return request.param


@pytest.fixture
def worker_for(tmp_path: Path):
    """Start workers on real submission dirs; every one is closed at the end of the test."""
    started: list[Worker] = []

    def start(bundle: Bundle, level: str, limits: Limits = FAST, **kwargs) -> Worker:
        worker = Worker(bundle, limits, isolation=level, **kwargs)
        started.append(worker)
        return worker

    yield start
    for worker in started:
        worker.close()


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "matrix: grades in fresh venvs across Pythons, installs, users and levels (minutes)"
    )
