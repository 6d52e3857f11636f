"""`cnngrade check`'s live status line, read from a real pseudo-terminal as a student sees it."""

from __future__ import annotations

import fcntl
import os
import re
import signal
import struct
import subprocess
import sys
import tempfile
import termios
from dataclasses import dataclass
from pathlib import Path

import pytest
from classroom import SUBMISSIONS, lean_rubric

pytestmark = pytest.mark.slow

SUBMISSION = SUBMISSIONS / "correct_module"
SGR = re.compile(r"\x1b\[[0-9;]*m")
# `[ 7/16] conv_backward.numeric  4.2 s`: the count, the check or phase, the elapsed time
STATUS = re.compile(r"^\[ *(\d+)/(\d+)\] (.+?)  (\d+\.\d s|\d+m\d\ds)$")
ERASE = "\r\x1b[K"
# What the line says before the checks (the lean rubric has no training check: no data to prepare)
PHASES = [
    "testing the sandbox on this machine",
    "loading the submission",
    "starting the sandboxed worker",
    "importing the submission's modules",
]


@pytest.fixture(scope="module")
def rubric(tmp_path_factory):
    return lean_rubric(tmp_path_factory.mktemp("rubric") / "lean.toml")


@dataclass
class Run:
    returncode: int
    terminal: str  # everything the pseudo-terminal received, escapes included
    stdout: str  # what went to stdout when it was not the terminal
    stderr: str  # what went to stderr when it was not the terminal
    signalled: str = ""  # with `interrupt_when`: the command's threads' signal state just after


def signal_state(pid: int) -> str:
    """Each thread's name and signal masks (pending, blocked, ignored, caught), as /proc has them:
    a Ctrl-C that once went unheard under load is diagnosed by these."""
    lines = []
    for task in sorted(Path(f"/proc/{pid}/task").glob("*")):
        try:
            status = (task / "status").read_text().splitlines()
        except OSError:
            continue
        fields = ("Name", "State", "SigPnd", "ShdPnd", "SigBlk", "SigIgn", "SigCgt")
        lines.append(" ".join(line.replace("\t", "=") for line in status if line.startswith(fields)))
    return "\n".join(lines)


def run_on_terminal(
    *args: object,
    columns: int = 80,
    stdout_on_terminal: bool = True,
    stderr_on_terminal: bool = True,
    env: dict[str, str] | None = None,
    interrupt_when: str | None = None,
) -> Run:
    """The real command with stdout and stderr on a pseudo-terminal `columns` wide, or in files;
    with `interrupt_when`, Ctrl-C's SIGINT as soon as the terminal shows that text."""
    master, slave = os.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24, columns, 0, 0))
    environ = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "NO_COLOR")}
    environ |= {"TERM": "xterm", **(env or {})}
    # Files, not pipes: a pipe that fills while the terminal is read would block the command.
    signalled = ""
    # A shell gives a command it starts Ctrl-C's default; a pytest-xdist worker may hold SIGINT
    # ignored, which exec passes on (the command then never hears it: SigIgn had bit 2 set when
    # this test failed). A handled signal is reset to the default across exec; an ignored one is not.
    restore = signal.signal(signal.SIGINT, signal.default_int_handler)
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        try:
            process = subprocess.Popen(
                [sys.executable, "-m", "grader.cli", *map(str, args)],
                stdin=subprocess.DEVNULL,
                stdout=slave if stdout_on_terminal else out,
                stderr=slave if stderr_on_terminal else err,
                env=environ,
            )
        finally:
            signal.signal(signal.SIGINT, restore)
        os.close(slave)
        received = b""
        while True:
            try:
                chunk = os.read(master, 65536)
            except OSError:  # EIO: every process that had the terminal has closed it
                break
            if not chunk:
                break
            received += chunk
            if interrupt_when and interrupt_when.encode() in received:
                process.send_signal(signal.SIGINT)
                interrupt_when = None
                signalled = signal_state(process.pid)
        os.close(master)
        returncode = process.wait(timeout=600)
        out.seek(0)
        err.seek(0)
        return Run(returncode, received.decode(), out.read().decode(), err.read().decode(), signalled)


def statuses(terminal: str) -> list[str]:
    """Each status line drawn, without its colours."""
    drawn = [SGR.sub("", part) for part in terminal.split(ERASE)[1:]]
    return [part for part in drawn if part]


def screen(terminal: str) -> list[str]:
    """What the terminal shows at the end: carriage returns, erasing and new lines played out."""
    lines, column = [""], 0
    for token in re.split(r"(\r|\n|\x1b\[K)", SGR.sub("", terminal)):
        if token == "\r":
            column = 0
        elif token == "\n":
            lines.append("")
            column = 0
        elif token == "\x1b[K":
            lines[-1] = lines[-1][:column]
        elif token:
            line = lines[-1]
            lines[-1] = line[:column] + token + line[column + len(token) :]
            column += len(token)
    return lines


def checks_of(rubric: Path) -> list[str]:
    from grader.judge.rubric import load_rubric

    return [c.id for c in load_rubric(rubric).checks]


@pytest.mark.parametrize(("columns", "env"), [(80, {}), (120, {}), (80, {"COLUMNS": "34"})])
def test_the_status_line_counts_the_checks_and_the_time_then_leaves_the_output_as_it_was(
    rubric, columns, env
):
    run = run_on_terminal("check", SUBMISSION, "--rubric", rubric, columns=columns, env=env)
    assert run.returncode == 0, run.terminal
    before, *drawn, after = run.terminal.split(ERASE)
    assert before == "" and drawn, run.terminal  # nothing else on the terminal before the line

    width = int(env.get("COLUMNS", columns))
    plain = [SGR.sub("", d) for d in drawn]
    assert all(len(d) <= width - 1 for d in plain), plain  # never wraps, so \r redraws it
    parsed = [STATUS.match(d) for d in plain]
    assert all(parsed), plain
    ids = checks_of(rubric)
    assert {int(m[2]) for m in parsed} == {len(ids)}
    doing = [m[3] for m in parsed]
    assert [int(m[1]) for m in parsed][-1] == len(ids)  # it ends with every check done
    if width >= 80:
        assert set(ids) <= set(doing) <= {*ids, *PHASES}
        assert doing.index("loading the submission") < doing.index("starting the sandboxed worker")
    else:  # the id or phase is cut to fit, the count and the time are kept
        assert any(d.endswith("…") for d in doing)
        assert all(any(name.startswith(d.removesuffix("…")) for name in [*ids, *PHASES]) for d in doing)
    assert "\x1b[36m" in drawn[-1]  # coloured on a terminal without NO_COLOR

    # The table comes after the last erase, and the screen is the one without a status line.
    assert "\r" not in after.replace("\r\n", "\n")
    shown = screen(run.terminal)
    assert not any(STATUS.match(line) for line in shown)
    piped = run_on_terminal(
        "check", SUBMISSION, "--rubric", rubric, columns=columns, env=env, stderr_on_terminal=False
    )
    assert piped.stderr == ""  # a log or a pipe gets no progress at all
    assert shown == screen(piped.terminal) and ERASE not in piped.terminal
    if width >= 80:
        assert all(len(line) <= width for line in shown)


@pytest.mark.parametrize("how", [["-q"], ["--json"], ["TERM=dumb"], ["NO_COLOR=1"]])
def test_quiet_json_and_a_dumb_terminal_show_no_status_line(rubric, how):
    env = dict(h.split("=") for h in how if "=" in h)
    flags = [h for h in how if "=" not in h]
    run = run_on_terminal("check", SUBMISSION, "--rubric", rubric, *flags, env=env, stdout_on_terminal=False)
    assert run.returncode == 0, run.stdout
    if "NO_COLOR" in env:  # the line is there, without colour
        assert "loading the submission" in run.terminal and "\x1b[36m" not in run.terminal
    else:
        assert run.terminal == ""
        assert run.stdout.strip()  # the result, on stdout as ever


def sleepy(tmp_path: Path, seconds: float) -> Path:
    """A submission whose import takes `seconds`: one long step inside one call."""
    module = tmp_path / "sleepy.py"
    source = next(SUBMISSION.glob("*.py")).read_text()
    module.write_text(f"import time\ntime.sleep({seconds})\n{source}")
    return module


def test_the_clock_ticks_while_one_step_takes_long(rubric, tmp_path):
    run = run_on_terminal("check", sleepy(tmp_path, 3), "--rubric", rubric, "-k", "conv_forward.public")
    assert run.returncode == 0, run.terminal
    importing = [
        m[4]
        for m in map(STATUS.match, statuses(run.terminal))
        if m and m[3] == "importing the submission's modules"
    ]
    assert len(set(importing)) >= 3, importing  # redrawn with a new time while the import sleeps


def test_ctrl_c_erases_the_line_and_stops_the_clock(rubric, tmp_path):
    run = run_on_terminal(
        "check",
        sleepy(tmp_path, 60),
        "--rubric",
        rubric,
        interrupt_when="importing the submission's modules",
    )
    assert run.returncode == 130, f"{run.terminal}\nthreads when signalled:\n{run.signalled}"
    assert run.terminal.endswith(f"{ERASE}cnngrade: interrupted; finished reports are kept\r\n"), run.terminal
