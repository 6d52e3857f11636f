"""Starts as many sleeping processes as it can (bounded at 500), then returns a wrong answer."""

import os
import time


def conv_forward_naive(x, w=None, b=None, conv_param=None):
    started = 0
    for _ in range(500):
        try:
            pid = os.fork()
        except OSError:
            break
        if pid == 0:
            time.sleep(3600)
            os._exit(0)
        started += 1
    return started, None
