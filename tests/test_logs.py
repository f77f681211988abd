"""Logging: INFO records on the "w2v" logger as gensim's, silent unless configured."""

from __future__ import annotations

import subprocess
import sys

SCRIPT = """
import logging, sys
import w2v
if sys.argv[1] == "on":
    logging.basicConfig(level=logging.INFO, format="%(name)s %(levelname)s %(message)s")
sentences = [["the", "cat", "sat", "on", "the", "mat"]] * 50
w2v.train(sentences, vector_size=8, min_count=1, epochs=2, workers=1, sample=0.0)
"""


def _run(mode: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", SCRIPT, mode], capture_output=True, text=True,
                          timeout=120)


def test_silent_unless_configured():
    quiet = _run("off")
    assert quiet.returncode == 0, quiet.stderr
    assert quiet.stdout == "" and quiet.stderr == ""


def test_info_lines_when_configured():
    loud = _run("on")
    assert loud.returncode == 0, loud.stderr
    lines = loud.stderr.splitlines()
    assert any(line.startswith("w2v INFO vocabulary: ") and "kept 5 words" in line
               for line in lines), lines
    assert any(line.startswith("w2v INFO training skip-gram (negative=5)") for line in lines)
    assert any(line.startswith("w2v INFO EPOCH 2: loss ") for line in lines)
    assert any(line.startswith("w2v INFO training done: 2 epoch(s)") for line in lines)
