"""`cnngrade release` mistakes end in one line and exit 2, before anything is built."""

import subprocess
import sys

import pytest


def release(*args: object) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "grader.cli", "release", *map(str, args)],
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.parametrize(
    ("args", "says"),
    [
        ((), "say what to build: --kit DIR and/or --gradescope OUT.zip"),
        (("--kit", "{secret}"), "not a directory"),
        (
            ("--gradescope", "{tmp}/ag.zip", "--secret-file", "{secret}", "--min-isolation", "process"),
            "add --allow-process-isolation",
        ),
        (("--gradescope", "{tmp}/ag.zip"), "--gradescope needs --secret-file FILE"),
        (("--gradescope", "{tmp}/ag.tar", "--secret-file", "{secret}"), "the autograder is a .zip file"),
        (("--gradescope", "{tmp}/ag.zip", "--secret-file", "{missing}"), "No such file or directory"),
        (
            ("--gradescope", "{tmp}/ag.zip", "--secret-file", "{blank}"),
            "is empty: hidden checks need a secret",
        ),
        (("--gradescope", "{tmp}/ag.zip", "--secret-file", "{secret}", "--rubric", "{missing}"), "rubric"),
    ],
)
def test_release_mistakes_are_one_line(args, says, tmp_path):
    (tmp_path / "secret").write_text("s3cret\n")
    (tmp_path / "blank").write_text("  \n")
    paths = {
        "tmp": tmp_path,
        "secret": tmp_path / "secret",
        "blank": tmp_path / "blank",
        "missing": tmp_path / "no",
    }
    done = release(*(a.format(**paths) for a in args))
    assert done.returncode == 2
    (line,) = done.stderr.strip().splitlines()
    assert line.startswith("cnngrade: error: ") and says in line
    assert not (tmp_path / "ag.zip").exists() and not (tmp_path / "out").exists()
