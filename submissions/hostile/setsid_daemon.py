"""Leaves a detached daemon (double fork + setsid) that writes a file a second later (a test passes the path as x)."""

import os
import time


def conv_forward_naive(x, w=None, b=None, conv_param=None):
    if os.fork() == 0:
        os.setsid()
        if os.fork() == 0:
            time.sleep(1.0)
            try:
                with open(x if isinstance(x, str) else "/tmp/cnngrade-daemon-was-here", "w") as f:
                    f.write("still alive")
            finally:
                os._exit(0)
        os._exit(0)
    os.wait()
    return "daemon started", None
