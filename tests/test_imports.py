"""`import w2v` and `w2v --help` stay light: no numba, torch or matplotlib."""

from __future__ import annotations

import subprocess
import sys

HEAVY = ("numba", "torch", "matplotlib")


def _modules_after(code: str) -> set[str]:
    probe = code + "\nimport sys\nprint('\\n'.join(sys.modules))"
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    return set(out.stdout.split())


def test_import_w2v_loads_no_heavy_module():
    loaded = _modules_after("import w2v")
    assert not [m for m in HEAVY if m in loaded]


def test_cli_help_loads_no_heavy_module():
    code = (
        "import sys\nfrom w2v.cli import app\n"
        "try:\n    app(['--help'], standalone_mode=False)\nexcept SystemExit:\n    pass"
    )
    loaded = _modules_after(code)
    assert not [m for m in HEAVY if m in loaded]


def test_every_command_has_help():
    from typer.testing import CliRunner

    from w2v.cli import app

    runner = CliRunner()
    for command in ("seed", "train", "eval", "similar", "analogy", "plot", "gradcheck", "info"):
        result = runner.invoke(app, [command, "--help"])
        assert result.exit_code == 0, (command, result.output)
        assert "Usage" in result.output
