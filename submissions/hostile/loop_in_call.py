"""Spins forever inside a call."""


def relu_forward(x):
    while True:
        pass
