"""The grader's own processes run numpy on one BLAS thread (grader/cli/main.py, one_blas_thread)."""

import os

from grader.cli.main import BLAS_THREAD_VARS, main


def test_every_command_pins_blas_to_one_thread_unless_the_user_chose_a_count(monkeypatch, capsys):
    for var in BLAS_THREAD_VARS:
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("MKL_NUM_THREADS", "3")
    assert main(["schema", "report"]) == 0  # not only `grade --jobs N`, as it once was
    assert '"title"' in capsys.readouterr().out
    assert os.environ["OPENBLAS_NUM_THREADS"] == os.environ["OMP_NUM_THREADS"] == "1"
    assert os.environ["MKL_NUM_THREADS"] == "3"
