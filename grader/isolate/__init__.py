"""Run student code in a sandboxed worker process; only plain data crosses (see docs/security.md)."""

from .isolation import IsolationError
from .limits import Limits
from .protocol import ProtocolError
from .worker import (
    Handle,
    Keep,
    Reply,
    StaleHandleError,
    StudentFailure,
    Worker,
    WorkerLike,
    available_levels,
)

__all__ = [
    "Handle",
    "IsolationError",
    "Keep",
    "Limits",
    "ProtocolError",
    "Reply",
    "StaleHandleError",
    "StudentFailure",
    "Worker",
    "WorkerLike",
    "available_levels",
]
