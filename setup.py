"""Build step that compiles the CPU kernels into the wheel (the metadata is in pyproject.toml).

After the package is copied to the build folder, ``python -m w2v.engines.precompile`` runs on
that copy, so numba's cache of the kernels a common run uses is written beside them and goes
into the wheel: the first ``w2v train`` after ``pip install .`` loads them instead of
compiling for seconds (see :mod:`w2v.engines.precompile` for when the cache applies).

Skipped for editable installs (the source folder's cache fills on first use) and with
``W2V_NO_PRECOMPILE=1``. A failed compile only warns: the wheel is complete without the
cache, and the kernels then compile on first use.
"""

import glob
import os
import subprocess
import sys

from setuptools import setup
from setuptools.command.build_py import build_py


class BuildWithKernels(build_py):
    """``build_py``, then the kernels compiled into the built package's numba cache."""

    def run(self) -> None:
        super().run()
        if getattr(self, "editable_mode", False):
            return
        # a build folder is reused by the next build: its kernels must not outlive the choice
        for stale in glob.glob(os.path.join(self.build_lib, "w2v", "**", "*.nb[ic]"),
                               recursive=True):
            os.remove(stale)
        if os.environ.get("W2V_NO_PRECOMPILE"):
            return
        env = {key: value for key, value in os.environ.items()
               if key not in ("NUMBA_CACHE_DIR", "NUMBA_DISABLE_JIT")}  # the cache beside them
        env["PYTHONDONTWRITEBYTECODE"] = "1"  # no .pyc of the build folder in the wheel
        env["PYTHONPATH"] = os.pathsep.join(
            [os.path.abspath(self.build_lib), *filter(None, [env.get("PYTHONPATH")])])
        command = [sys.executable, "-m", "w2v.engines.precompile"]
        try:
            done = subprocess.run(command, env=env, capture_output=True, text=True,
                                  timeout=900, check=False)
        except (OSError, subprocess.SubprocessError) as error:
            self.warn(f"w2v: kernels not compiled ahead ({error}); they compile on first use")
            return
        if done.returncode != 0:
            reason = (done.stderr.strip().splitlines() or ["no message"])[-1]
            self.warn(f"w2v: kernels not compiled ahead ({reason}); they compile on first use")
        else:
            self.announce(f"w2v: kernels compiled ahead: {done.stdout.strip()}", level=2)


setup(cmdclass={"build_py": BuildWithKernels})
