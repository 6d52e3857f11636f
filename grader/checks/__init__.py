"""The check kinds, one module each; every module has `symbols(spec)` and `run(spec, ctx) -> Outcome`."""
