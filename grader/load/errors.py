"""The loader's one user-facing error, shared by its helper modules."""


class LoadError(Exception):
    """A submission that cannot be loaded at all; ``str(error)`` is one clear line for the user."""
