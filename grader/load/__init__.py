"""Load: what was handed in (a file, a package, a notebook, a zip, an LMS download) found, named
and turned into a `Bundle` the worker can import; static findings on the source."""
