import importlib.util
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE), str(HERE.parent / "cli")]  # dask_cluster; classroom (the CLI tests' class)

if importlib.util.find_spec("distributed") is None:  # the optional extra cnngrade[cluster]
    collect_ignore_glob = ["test_*.py"]
