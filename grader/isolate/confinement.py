"""What confined a submission's worker: the isolation level and every limit actually in force.

The sandbox fills one `Confinement` when it starts a worker (`Worker.confinement`); the report
carries it, so whoever reads a grade can see how it was obtained. It lives outside
`grader.isolate` so that reading a report needs pydantic only, not numpy.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

Level = Literal["bwrap", "unshare", "process"]
# How a limit is enforced: a cgroup binds the whole worker (root and every descendant included);
# an rlimit binds each process on its own; "none" means nothing enforces it.
Mechanism = Literal["cgroup v1", "cgroup v2", "rlimit", "none"]


class Confinement(BaseModel):
    model_config = ConfigDict(extra="forbid")
    level: Level
    # The process level without Linux-only features (memfd, prctl, cgroups): macOS and Windows.
    portable: bool = False
    # Each stronger level that was not used, and why (not installed, needs root, failed to start).
    not_used: dict[str, str] = Field(default_factory=dict)
    memory: Mechanism
    pids: Mechanism
    cpu_share: Mechanism  # a cap on the CPUs the whole worker uses at once (a CPU quota)
    cpu_time: Mechanism  # a cap on CPU seconds
    network_isolated: bool
    answer_key_hidden: bool  # the worker cannot read reference/, grader/ or other submissions
    read_only_outside_scratch: bool  # the grader's cache, reports and checkout included
    private_uid: bool  # the worker runs as a uid of its own (cannot signal the grader)

    def line(self) -> str:
        """One line for a person: the level and what it enforced."""
        level = f"{self.level} (portable)" if self.portable else self.level
        parts = [
            f"memory {self.memory}",
            f"pids {self.pids}",
            f"CPU share {self.cpu_share}",
            f"CPU time {self.cpu_time}",
            "network off" if self.network_isolated else "NETWORK ON",
            "answer key hidden" if self.answer_key_hidden else "ANSWER KEY READABLE",
            "read-only outside scratch" if self.read_only_outside_scratch else "FILES WRITABLE",
        ]
        text = f"sandbox: {level} — " + ", ".join(parts)
        if self.not_used:
            text += " (not used: " + "; ".join(f"{k}: {v}" for k, v in self.not_used.items()) + ")"
        return text
