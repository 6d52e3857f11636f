"""Grade convolutional-network submissions in isolation against the reference."""

__version__ = "0.1.0"
