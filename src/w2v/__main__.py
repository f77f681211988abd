"""``python -m w2v``: the same as the ``w2v`` command (and torchrun's ``-m w2v``)."""

from w2v.console import main

main()
