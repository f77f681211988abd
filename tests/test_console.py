"""The console script's entry (w2v.console): Ctrl-C while the CLI is importing."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

SRC = str(Path(__file__).parent.parent / "src")

# A Ctrl-C that arrives while w2v.cli is being imported, made deterministic: an import hook
# raises KeyboardInterrupt as the import of the CLI's Typer app starts.
SCRIPT = """
import sys
class CtrlC:
    def find_spec(self, name, path=None, target=None):
        if name == "w2v.cli.app":
            raise KeyboardInterrupt
        return None
sys.meta_path.insert(0, CtrlC())
from w2v.console import main
main()
"""


def test_ctrl_c_while_the_cli_imports_is_one_line_and_status_130():
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([SRC, os.environ.get("PYTHONPATH", "")])}
    result = subprocess.run([sys.executable, "-c", SCRIPT, "--help"], capture_output=True,
                            text=True, env=env, timeout=60)
    assert result.returncode == 130
    assert result.stderr == "w2v: error: interrupted\n"


def test_the_entry_runs_the_cli():
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([SRC, os.environ.get("PYTHONPATH", "")])}
    result = subprocess.run([sys.executable, "-m", "w2v", "--help"], capture_output=True,
                            text=True, env=env, timeout=60)
    assert result.returncode == 0 and "train" in result.stdout
