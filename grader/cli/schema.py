"""`cnngrade schema [rubric|report]`: the JSON Schemas of the rubric and the report."""

from __future__ import annotations

import argparse
import json

from grader.judge.rubric import Rubric
from grader.report.models import Report


def add_arguments(schema: argparse.ArgumentParser) -> None:
    schema.add_argument(
        "which", nargs="?", choices=("rubric", "report"), help="only this one (default: both)"
    )


def run(args: argparse.Namespace) -> int:
    schemas = {"rubric": Rubric.model_json_schema(), "report": Report.model_json_schema()}
    print(json.dumps(schemas[args.which] if args.which else schemas, indent=2))
    return 0
