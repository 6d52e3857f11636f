import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
# The Gradescope results.json schema lives with the exporter's tests, the lean rubric with the CLI's.
sys.path[:0] = [str(ROOT / "tests" / "exporters"), str(ROOT / "tests" / "cli")]
