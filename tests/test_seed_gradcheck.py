"""w2v.seed.gradcheck and ``w2v gradcheck``: every gradient of the reference math is checked."""

from __future__ import annotations

import random
import subprocess
import sys

import numpy as np
from typer.testing import CliRunner

from w2v.cli import app
from w2v.errors import GradientCheckError
from w2v.reference import GradcheckReport
from w2v.seed import gradcheck as gradcheck_module


def test_all_checks_pass_with_the_expected_coordinates():
    rows = gradcheck_module.run_gradient_checks()
    assert [(r.function, r.wrt, r.report.checked) for r in rows] == [
        ("naive_softmax_loss_and_gradient", "v_c", 3),
        ("naive_softmax_loss_and_gradient", "U", 30),
        ("neg_sampling_loss_and_gradient", "v_c", 3),
        ("neg_sampling_loss_and_gradient", "U", 30),
        ("hierarchical_softmax_loss_and_gradient", "v_c", 3),
        ("hierarchical_softmax_loss_and_gradient", "U", 30),
        ("skipgram + naive softmax (wrapper)", "V, U", 30),
        ("skipgram + neg. sampling (wrapper)", "V, U", 30),
        ("skipgram + hier. softmax (wrapper)", "V, U", 30),
    ]
    for row in rows:
        assert row.passed, row.report.describe()
        assert 0.0 < row.report.max_rel_error < 1e-7  # far below the 1e-5 threshold


def test_checks_leave_the_callers_random_state_alone():
    random.seed(123)
    before = random.getstate()
    gradcheck_module.run_gradient_checks()
    assert random.getstate() == before


def test_fixture_matches_the_assignments_vectors():
    fixture = gradcheck_module.make_dummy_fixture()
    assert np.allclose(fixture.vectors[0], [-0.96735714, -0.02182641, 0.25247529])
    assert np.allclose(fixture.vectors[9], [-0.52629529, -0.78190408, 0.33412466])
    assert np.allclose(np.linalg.norm(fixture.vectors, axis=1), 1.0)


def test_cli_prints_the_table_and_exits_zero():
    result = CliRunner().invoke(app, ["gradcheck"])
    assert result.exit_code == 0, result.output
    for text in ("naive_softmax_loss_and_gradient", "neg_sampling_loss_and_gradient",
                 "skipgram + naive softmax", "skipgram + neg. sampling",
                 "hierarchical_softmax_loss_and_gradient", "skipgram + hier. softmax", "pass"):
        assert text in result.output
    assert "FAIL" not in result.output


def _failing_rows():
    bad = GradcheckReport("skipgram wrt V", 30, 0.5, (3, 1), 1.0, 0.0)
    good = GradcheckReport("sigmoid", 3, 1e-10, (0,), 1.0, 1.0)
    return [gradcheck_module.GradcheckRow("sigmoid", "x", good),
            gradcheck_module.GradcheckRow("skipgram", "V", bad)]


def test_cli_fails_when_a_check_fails(monkeypatch):
    monkeypatch.setattr(gradcheck_module, "run_gradient_checks", _failing_rows)
    result = CliRunner().invoke(app, ["gradcheck"])
    assert result.exit_code == 1
    assert isinstance(result.exception, GradientCheckError)
    assert "(3, 1)" in str(result.exception) and "1 of 2" in str(result.exception)
    assert "FAIL" in result.output


def test_cli_failure_is_one_line_on_stderr_without_traceback():
    code = ("import sys\nfrom w2v.seed import gradcheck as g\n"
            "from w2v.reference import GradcheckReport\n"
            "r = GradcheckReport('f', 3, 0.5, (1,), 1.0, 0.0)\n"
            "g.run_gradient_checks = lambda: [g.GradcheckRow('f', 'x', r)]\n"
            "sys.argv = ['w2v', 'gradcheck']\n"
            "from w2v.cli import main; main()\n")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=60)
    assert proc.returncode == 1
    assert proc.stderr.startswith("w2v: error: 1 of 1 gradient checks failed")
    assert proc.stderr.count("\n") == 1 and "Traceback" not in proc.stderr
