"""Run the pipeline: one submission (load -> isolate -> judge -> Report), a batch, a Dask cluster,
the terminal console, and `notebook_check` from a notebook cell."""
