import subprocess
import sys

from grader import __version__


def test_version_flag_prints_version():
    out = subprocess.run(
        [sys.executable, "-m", "grader.cli", "--version"], capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == f"cnngrade {__version__}"
