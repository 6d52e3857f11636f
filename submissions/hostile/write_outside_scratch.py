"""Tries to leave a file in many places (a test passes its name as x); returns where it managed to."""

import os


def conv_forward_naive(x, w=None, b=None, conv_param=None):
    here = os.path.dirname(os.path.abspath(__file__))
    targets = ["/tmp", "/var/tmp", "/work", "/root", "/", "/etc", here, os.path.dirname(here), "/dev/shm"]
    wrote = []
    for d in targets:
        path = os.path.join(d, x if isinstance(x, str) else "cnngrade-was-here")
        try:
            with open(path, "w") as f:
                f.write("owned")
            wrote.append(path)
        except OSError:
            pass
    return wrote, None
