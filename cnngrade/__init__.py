"""Checks from a notebook cell: `from cnngrade import notebook_check; notebook_check("conv_forward")`."""

from grader.run.notebook_check import notebook_check

__all__ = ["notebook_check"]
