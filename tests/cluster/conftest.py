import sys
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE), str(HERE.parent / "cli")]  # dask_cluster; classroom (the CLI tests' class)

pytest.importorskip("distributed", reason="the optional extra cnngrade[cluster]")
