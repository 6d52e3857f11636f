"""Leaves a detached daemon (double fork + setsid) that writes a file seconds later (path = x)."""

import os
import time


def relu_forward(x):
    if os.fork() == 0:
        os.setsid()
        if os.fork() == 0:
            time.sleep(1.0)
            try:
                with open(str(x), "w") as f:
                    f.write("still alive")
            finally:
                os._exit(0)
        os._exit(0)
    os.wait()
    return "daemon started", None
