from junitparser import Error, Failure, JUnitXml, Skipped

from grader.export import junit


def test_a_junit_reader_sees_every_check_with_its_outcome(tmp_path, reports):
    (path,) = junit.export(reports, tmp_path / "junit.xml")
    xml = JUnitXml.fromfile(str(path))
    suites = {suite.name: suite for suite in xml}
    assert set(suites) == {"alice", "bob", "carol.zip"}

    alice = suites["alice"]
    assert alice.tests == 13 and alice.failures == 0 and alice.errors == 0
    assert all(case.is_passed for case in alice)

    outcomes = {case.name: case.result for case in suites["bob"]}
    assert isinstance(outcomes["conv_forward"][0], Failure)
    assert "without zero padding" in outcomes["conv_forward"][0].text
    assert isinstance(outcomes["cnn_init"][0], Failure)  # missing symbol loses the points: a failure
    assert isinstance(outcomes["max_pool_backward"][0], Error)
    assert isinstance(outcomes["fast_layers"][0], Error)  # timeout
    assert isinstance(outcomes["initial_loss"][0], Skipped)
    assert outcomes["conv_backward"] == []
    assert (suites["bob"].failures, suites["bob"].errors, suites["bob"].skipped) == (4, 2, 2)

    carol = {case.name: case for case in suites["carol.zip"]}
    assert isinstance(carol["load"].result[0], Error)
    assert "not a valid zip" in carol["load"].result[0].message


def test_student_output_with_control_characters_stays_readable_xml(tmp_path, reports):
    (path,) = junit.export(reports, tmp_path / "junit.xml")
    bob = next(s for s in JUnitXml.fromfile(str(path)) if s.name == "bob")
    case = next(c for c in bob if c.name == "max_pool_backward")
    assert "IndexError: index 4 is out of bounds" in case.system_out
    assert "\x00" not in case.system_out
