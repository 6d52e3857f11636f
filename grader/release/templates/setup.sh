#!/usr/bin/env bash
# Gradescope runs this once when it builds the autograder image.
# It installs bubblewrap (the sandbox), a Python >= 3.11 and the grader's wheel in a venv.
set -euo pipefail
ROOT="${CNNGRADE_AUTOGRADER_ROOT:-/autograder}"
PYTHON="${CNNGRADE_PYTHON:-}"

if [ -z "$PYTHON" ]; then
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -q
    apt-get install -y -q bubblewrap util-linux software-properties-common
    if ! python3 -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
        add-apt-repository -y ppa:deadsnakes/ppa && apt-get update -q
        apt-get install -y -q python3.11 python3.11-venv
        PYTHON=python3.11
    else
        apt-get install -y -q python3-venv
        PYTHON=python3
    fi
fi

"$PYTHON" -m venv "$ROOT/cnngrade-venv"
"$ROOT/cnngrade-venv/bin/python" -m pip install --quiet "$ROOT"/source/cnngrade-*.whl
# Prepare the training data and the reference runs now, not during the first student's grading.
"$ROOT/cnngrade-venv/bin/python" -m grader.release.autograder --warm-up
