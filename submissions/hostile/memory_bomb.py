"""Allocates and touches memory until something stops it."""


def relu_forward(x):
    hoard = []
    while True:
        hoard.append(bytearray(64 << 20))
