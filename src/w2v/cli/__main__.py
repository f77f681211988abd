"""``python -m w2v.cli``: the same as the ``w2v`` command."""

from w2v.cli import main

main()
