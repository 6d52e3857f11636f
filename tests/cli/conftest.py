import os
import subprocess
import sys
from pathlib import Path

import pytest

# The exporter tests' report factory builds realistic reports for the commands that read them.
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "exporters"))


def run_cnngrade(
    *args: str, cwd: Path | None = None, timeout: float = 600, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess:
    """The real command in a real process, as a user runs it (`env` added to the environment)."""
    return subprocess.run(
        [sys.executable, "-m", "grader.cli", *map(str, args)],
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=timeout,
        env={**os.environ, **env} if env else None,
    )


@pytest.fixture(scope="session")  # a plain function: module fixtures that grade a class use it too
def cnngrade():
    return run_cnngrade
