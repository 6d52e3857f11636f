"""`python -m grader.cli`: the `cnngrade` command."""

import sys

from grader.cli.main import main

sys.exit(main())
