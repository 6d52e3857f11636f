"""Returns a pickle whose loading would run a shell command."""

import os
import pickle


class Exploit:
    def __reduce__(self):
        return (os.system, ("touch /tmp/cnngrade-pickle-was-loaded",))


def relu_forward(x):
    return pickle.dumps(Exploit()), None
