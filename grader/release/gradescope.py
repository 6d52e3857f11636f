"""`cnngrade release --gradescope OUT.zip`: the autograder zip an instructor uploads to Gradescope.

setup.sh            installs bubblewrap, Python >= 3.11 and the wheel; warms the data cache
run_autograder      grades /autograder/submission; always writes results/results.json
cnngrade-*.whl      the grader, built from this checkout
rubric.toml         the rubric
secret              the instructor's secret, read from a file (never a flag in shell history)
cnngrade.json       {"rubric", "min_isolation"}
"""

from __future__ import annotations

import json
import shutil
import stat
import tempfile
import zipfile
from pathlib import Path

from grader.release import ReleaseError
from grader.release.wheel import build_wheel, checkout_root, stage_project

TEMPLATES = Path(__file__).parent / "templates"
SCRIPTS = ("setup.sh", "run_autograder")


def read_secret(path: Path) -> str:
    try:
        secret = path.read_text(encoding="utf-8").strip()
    except (OSError, UnicodeDecodeError) as e:
        raise ReleaseError(f"--secret-file {path}: {getattr(e, 'strerror', None) or e}") from None
    if not secret:
        raise ReleaseError(f"--secret-file {path} is empty: hidden checks need a secret")
    return secret


def build(out: Path, rubric: Path, secret_file: Path, min_isolation: str) -> list[str]:
    """Write the zip at `out`; the names of its members."""
    secret = read_secret(secret_file)
    with tempfile.TemporaryDirectory(prefix="cnngrade-release-") as tmp:
        staged = stage_project(checkout_root(), Path(tmp) / "project")
        wheel = build_wheel(staged, Path(tmp) / "dist")
        config = {"rubric": "rubric.toml", "min_isolation": min_isolation}
        members: dict[str, tuple[bytes, int]] = {
            name: ((TEMPLATES / name).read_bytes(), 0o755) for name in SCRIPTS
        }
        members[wheel.name] = (wheel.read_bytes(), 0o644)
        members["rubric.toml"] = (rubric.read_bytes(), 0o644)
        members["secret"] = (secret.encode() + b"\n", 0o600)
        members["cnngrade.json"] = (json.dumps(config, indent=2).encode(), 0o644)
        _write_zip(out, members)
    return sorted(members)


def _write_zip(out: Path, members: dict[str, tuple[bytes, int]]) -> None:
    """Atomically, with Unix modes (Gradescope runs the scripts as they are unpacked)."""
    out.parent.mkdir(parents=True, exist_ok=True)
    temporary = out.with_name(out.name + ".tmp")
    with zipfile.ZipFile(temporary, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, (data, mode) in sorted(members.items()):
            info = zipfile.ZipInfo(name, date_time=(2020, 1, 1, 0, 0, 0))
            info.external_attr = (stat.S_IFREG | mode) << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, data)
    shutil.move(temporary, out)
