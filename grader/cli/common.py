"""What every command shares and that costs nothing to import: the user's errors, the secret,
the checks on output paths, the warnings (`grading` holds the grading options, which load the grader)."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

SECRET_ENV = "CNNGRADE_SECRET"
DEFAULT_JOBS = os.cpu_count() or 1  # `grade --jobs`


class UserError(Exception):
    """A mistake on the command line; main prints it as one line and exits 2."""


def given_secret(args: argparse.Namespace) -> str | None:
    """The secret as given: --secret, else $CNNGRADE_SECRET (possibly blank), else None."""
    return args.secret or os.environ.get(SECRET_ENV, args.secret)


def secret(args: argparse.Namespace) -> str | None:
    """The secret that seeds hidden checks; a blank one is none (anyone could reproduce its cases)."""
    given = given_secret(args)
    return given if given and given.strip() else None


def blank_secret(args: argparse.Namespace) -> bool:
    """A secret given but empty (`--secret " "`, an unset CI variable): it must not seed hidden checks."""
    given = given_secret(args)
    return given is not None and not given.strip()


def writable(path: Path) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise UserError(f"cannot write {path}: {e.strerror or e}") from None
    if not os.access(path.parent, os.W_OK):
        raise UserError(f"cannot write {path}: permission denied")


def warn(message: str) -> None:
    print(f"cnngrade: warning: {message}", file=sys.stderr)


def on_cluster(args: argparse.Namespace) -> bool:
    return bool(getattr(args, "cluster", None) or getattr(args, "scheduler_file", None))
