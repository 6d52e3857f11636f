"""Submission times and submitters from a Gradescope "Export Submissions" folder.

The export holds one `submission_<id>/` folder per submission (graded, each is a report named
`submission_<id>`) and `submission_metadata.yml`, which Gradescope writes from Ruby: each
`submission_<id>` entry has `:created_at:` (the time of the active submission, with its UTC
offset), `:submitters:` (`:name:`, `:sid:`, `:email:` of each group member), and more
(`:score:`, `:results:`, `:history:` of earlier submissions) that is not read here.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import yaml

from grader.report.late import SUBMITTED_AT, parse_time, require_timezone
from grader.report.text import one_line

# The gradebook columns filled from `:submitters:` (a group's members joined by "; ").
SUBMITTER_FIELDS = {"name": ":name", "sid": ":sid", "email": ":email"}


class MetadataError(Exception):
    """A metadata file that cannot be used; one line naming the file and the entry."""


class _RubyLoader(yaml.SafeLoader):
    """Safe YAML that reads a Ruby-tagged value (`!ruby/object:...`) as plain data: Psych tags
    values of Ruby classes, safe_load refuses any tag it does not know, and only times, names
    and ids are used here."""


def _plain(loader: yaml.SafeLoader, _suffix: str, node: yaml.Node) -> object:
    if isinstance(node, yaml.MappingNode):
        return loader.construct_mapping(node)
    if isinstance(node, yaml.SequenceNode):
        return loader.construct_sequence(node)
    return loader.construct_scalar(node)


_RubyLoader.add_multi_constructor("!", _plain)


def read_submission_metadata(path: Path) -> dict[str, dict[str, str]]:
    """Submission name (lower case) -> its `submitted_at` (ISO 8601) and submitters' columns."""
    try:
        data = yaml.load(Path(path).read_text(encoding="utf-8"), Loader=_RubyLoader)
    except OSError as e:
        raise MetadataError(f"cannot read {path}: {e.strerror or e}") from None
    except UnicodeDecodeError:
        raise MetadataError(f"{path}: not UTF-8 text") from None
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        where = f", line {mark.line + 1}" if mark else ""
        problem = getattr(e, "problem", None) or type(e).__name__
        raise MetadataError(f"{path}{where}: not valid YAML ({one_line(str(problem))})") from None
    if not isinstance(data, dict) or not data:
        raise MetadataError(f"{path}: not a Gradescope submission_metadata.yml (no submission_<id> entries)")
    found: dict[str, dict[str, str]] = {}
    for key, entry in data.items():
        name = one_line(str(key))
        if not isinstance(entry, dict) or ":created_at" not in entry:
            raise MetadataError(f"{path}, {name}: no :created_at: (not a Gradescope submission entry)")
        try:
            when = _time(entry[":created_at"])
        except ValueError as e:
            raise MetadataError(f"{path}, {name}: :created_at: {e}") from None
        found[name.lower()] = {SUBMITTED_AT: when.isoformat(), **_submitters(entry.get(":submitters"))}
    return found


def _time(value: object) -> datetime:
    if isinstance(value, datetime):  # YAML read it as a timestamp
        return require_timezone(value, value.isoformat())
    return parse_time(str(value))


def _submitters(people: object) -> dict[str, str]:
    people = [p for p in people if isinstance(p, dict)] if isinstance(people, list) else []
    return {
        column: "; ".join(str(p.get(key) or "") for p in people) for column, key in SUBMITTER_FIELDS.items()
    }
