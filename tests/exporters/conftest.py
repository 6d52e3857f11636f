import pytest
from report_factory import buggy_report, graded_report, unloadable_report

from grader.report.models import Report


@pytest.fixture
def reports() -> list[Report]:
    return [graded_report(), buggy_report(), unloadable_report()]
