"""A cache directory that cannot be used is one line and exit 2, from `check` and `grade` alike."""

import os
import subprocess
import sys

import pytest
from classroom import SUBMISSIONS


def cnngrade_with_cache(cache: str, *args: object) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "grader.cli", *map(str, args)],
        capture_output=True,
        text=True,
        env={**os.environ, "CNNGRADE_CACHE": cache},
        timeout=300,
    )


def commands(tmp_path):
    submission = SUBMISSIONS / "correct_module"
    return {
        "check": ["check", submission],
        "check -k conv": ["check", submission, "-k", "conv_forward"],  # needs no training data
        "grade": ["grade", submission, "--out", tmp_path / "reports", "--secret", "s3"],
    }


@pytest.mark.parametrize("command", ["check", "check -k conv", "grade"])
@pytest.mark.parametrize(
    ("where", "reason"),
    [
        ("/proc/nope", "cannot use the cache directory /proc/nope: No such file or directory"),
        ("a-file", "cache directory {tmp}/a-file is not a directory owned by this user"),
        ("a-file/below", "cannot use the cache directory {tmp}/a-file/below: Not a directory"),
    ],
)
def test_an_unusable_cache_directory_is_one_line_and_exit_2(tmp_path, command, where, reason):
    (tmp_path / "a-file").write_text("not a folder")
    cache = where if where.startswith("/") else str(tmp_path / where)
    out = cnngrade_with_cache(cache, *commands(tmp_path)[command])
    assert out.returncode == 2, out.stderr
    (line,) = out.stderr.splitlines()
    assert line == f"cnngrade: error: {reason.format(tmp=tmp_path)}; set CNNGRADE_CACHE"
    assert out.stdout == ""


@pytest.mark.parametrize("command", ["check", "grade"])
def test_an_unusable_config_folder_for_the_cache_key_is_one_line(tmp_path, command):
    (tmp_path / "a-file").write_text("not a folder")
    out = subprocess.run(
        [sys.executable, "-m", "grader.cli", *map(str, commands(tmp_path)[command])],
        capture_output=True,
        text=True,
        env={
            **os.environ,
            "CNNGRADE_CACHE": str(tmp_path / "cache"),
            "XDG_CONFIG_HOME": str(tmp_path / "a-file"),
        },
        timeout=300,
    )
    assert out.returncode == 2, out.stderr
    (line,) = out.stderr.splitlines()
    assert line == (
        f"cnngrade: error: cannot create the cache key {tmp_path}/a-file/cnngrade/cache.key: Not a "
        "directory; set XDG_CONFIG_HOME to a folder of yours"
    )
