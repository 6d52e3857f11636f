"""The answer key: correct naive and fast layers, the three-layer ConvNet, Solver, data."""
