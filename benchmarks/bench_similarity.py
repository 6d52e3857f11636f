"""`cnngrade similarity` on a class of COUNT course packages, all pairs.

Each student fills the skeleton's layers function by function, choosing one of the three
independently written styles of tests/similarity/similar_students.py for each, renames the
identifiers (a random spelling each), adds a few lines of their own (checks, prints) and puts the
functions in their own order; PLANTED of them are disguised copies of another student. So pairs
share about a third of their code by chance, as honest work in one course does, and a few are
copies. Times each stage (load and extract, fingerprint, compare, write) and the whole command.

    .venv/bin/python benchmarks/bench_similarity.py --count 200
"""

from __future__ import annotations

import argparse
import random
import resource
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "similarity"))

import similar_students as students  # noqa: E402

from grader.similarity.output import write_outputs  # noqa: E402
from grader.similarity.run import compare_class  # noqa: E402

NAMES = [
    "x_pad",
    "H_out",
    "W_out",
    "hs",
    "ws",
    "window",
    "region",
    "ph",
    "pw",
    "stride",
    "xp",
    "oh",
    "ow",
    "patch",
]
NOISE = [
    "assert x.ndim == 4",
    "# print(x.shape)",
    "debug = False",
    "if debug:\n    print('shapes', x.shape)",
    "eps = 1e-12",
    "count = 0",
]


def student(rng: random.Random) -> str:
    """One student's layers.py: a style per function, their own names, lines and order."""
    bodies = {}
    for function in students.LOOPS:
        body = students.STYLES[rng.choice(list(students.STYLES))][function]
        lines = body.strip("\n").split("\n")
        indent = lines[0][: len(lines[0]) - len(lines[0].lstrip())]
        for _ in range(rng.randint(0, 2)):
            # between two statements of the body's outer level
            at = rng.choice(
                [
                    i
                    for i in range(len(lines) + 1)
                    if (i == len(lines) or not lines[i][len(indent) :].startswith((" ", ")")))
                    and (i == 0 or not lines[i - 1].rstrip().endswith((":", ",", "(")))
                ]
            )
            extra = [indent + line for line in rng.choice(NOISE).split("\n")]
            lines[at:at] = extra
        bodies[function] = "\n".join(lines)
    source = students.fill((students.SKELETON / "layers.py").read_text(encoding="utf-8"), bodies)
    renames = {name: f"{name}_{rng.randint(0, 99)}" for name in rng.sample(NAMES, 6)}
    order = rng.sample(list(students.LOOPS), len(students.LOOPS))
    return students.disguise(source, renames, order)


def make_class(root: Path, count: int, planted: int, seed: int) -> None:
    rng = random.Random(seed)
    sources = [student(rng) for _ in range(count - planted)]
    for i in range(planted):
        original = sources[rng.randrange(len(sources))]
        renames = {name: f"{name}_copy{i}" for name in rng.sample(NAMES, 8)}
        sources.append(students.disguise(original, renames, rng.sample(list(students.LOOPS), 9), note="mine"))
    for i, source in enumerate(sources):
        students.course_package(root / f"student{i:03d}", source)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=200)
    parser.add_argument("--planted", type=int, default=5)
    parser.add_argument("--seed", type=int, default=14)
    parser.add_argument("--jobs", type=int, default=2, help="submissions loaded at once")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "class"
        make_class(root, args.count, args.planted, args.seed)
        cpu = time.process_time() + _children_cpu()
        began = time.perf_counter()
        result = compare_class([root], jobs=args.jobs)
        compared = time.perf_counter()
        written = write_outputs(result, Path(tmp) / "out")
        done = time.perf_counter()
        cpu = time.process_time() + _children_cpu() - cpu
        count = len(result.report.submissions)
        report = result.report
        for stage, seconds in result.timings.items():
            print(f"{stage:12} {seconds:7.2f} s")
        print(f"write        {done - compared:7.2f} s  ({written[0].stat().st_size // 1024} KiB page)")
        print(
            f"total        {done - began:7.2f} s wall, {cpu:.2f} s CPU (all processes), {count} submissions, "
            f"{count * (count - 1) // 2} pairs, {len(report.pairs)} overlapping, "
            f"{sum(p.flagged for p in report.pairs)} flagged; --jobs {args.jobs}"
        )
        own = [e.lines for e in report.submissions]
        print(f"own lines per submission: mean {sum(own) / len(own):.0f}")


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


if __name__ == "__main__":
    main()
