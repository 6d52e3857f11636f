"""Sleeps forever inside a call (no CPU use, so only the wall-clock limit can end it)."""

import time


def conv_forward_naive(x, w=None, b=None, conv_param=None):
    time.sleep(10**9)
