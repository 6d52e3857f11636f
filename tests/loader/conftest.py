from pathlib import Path

import pytest


@pytest.fixture
def scratch(tmp_path: Path) -> Path:
    return tmp_path / "scratch"
