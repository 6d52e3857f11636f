"""Judge: everything that decides a point, in the parent. The check kinds (`kinds/`), the layer
registry (`layers/`), the training checks' store and reference runs (`training/`), what the kinds
share (claims, compare, numeric, expected, probes, diagnose, the calls into the worker), and the
rubric model."""
