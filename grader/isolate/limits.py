"""What a worker may use. The rubric embeds `Limits`, so it stays a plain pydantic model with defaults."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class Limits(BaseModel):
    """Resource limits for one worker process and everything it starts.

    `call_timeout_s` is the per-call guarantee (the parent kills the worker when it runs out);
    `cpu_s` is a backstop on the CPU time of each process over the worker's life (RLIMIT_CPU).
    Memory, process counts and the CPU share (`cpus`) are enforced by a cgroup when one can be
    created (it binds root too); memory and CPU time by rlimits in any case.
    """

    model_config = ConfigDict(extra="forbid")

    call_timeout_s: float = Field(30.0, gt=0, description="wall-clock seconds per call or op")
    cpu_s: int = Field(600, gt=0, description="CPU seconds per process over the worker's life")
    memory_mb: int = Field(2048, gt=0, description="address space per process and memory of the whole worker")
    nproc: int = Field(64, gt=0, description="processes and threads of the whole worker")
    cpus: float = Field(1.0, gt=0, description="CPUs the whole worker may keep busy at once (a cgroup quota)")
    file_size_mb: int = Field(16, ge=0, description="largest file the worker may write")
    scratch_mb: int = Field(64, gt=0, description="size of the writable scratch tree (a tmpfs when isolated)")
    open_files: int = Field(256, ge=16, description="open file descriptors per process")
    output_kib: int = Field(8, ge=1, description="stdout/stderr kept per call (first, last half)")
    max_array_mb: float = Field(64.0, gt=0, description="largest array that may cross")
    max_message_mb: float = Field(256.0, gt=0, description="largest message that may cross")
