"""Fields shared by the word2vec text and binary formats: the ``V D`` header line and words.

Both formats start with a line ``V D`` (word count, dimension) and separate a word from its
numbers by whitespace, so a word must be non-empty and contain no whitespace.
"""

from __future__ import annotations

from pathlib import Path

from w2v.errors import FormatError


def parse_header(line: bytes, path: Path, glove_hint: bool = False) -> tuple[int, int]:
    parts = line.split()
    try:
        if len(parts) != 2:
            raise ValueError
        count, dim = int(parts[0]), int(parts[1])
        if count < 0 or dim < 1:
            raise ValueError
    except ValueError:
        hint = (" If the file has no header (GloVe style), pass header=False (--no-header)."
                if glove_hint else "")
        shown = line[:60].decode("utf-8", "replace").rstrip()
        raise FormatError(f"{path}, line 1: expected a header 'V D' (word count and dimension), "
                          f"got {shown!r}.{hint}") from None
    return count, dim


def decode_word(raw: bytes, path: Path, where: str, unicode_errors: str) -> str:
    try:
        return raw.decode("utf-8", errors=unicode_errors)
    except UnicodeDecodeError as exc:
        raise FormatError(f"{path}, {where}: the word {raw[:40]!r} is not valid UTF-8 "
                          f"({exc.reason}); pass unicode_errors='replace' to read it "
                          f"anyway.") from None


def check_keys_storable(keys: list[str], format: str) -> None:
    # word2vec formats separate fields by whitespace; native separates words by line breaks
    forbidden = str.isspace if format != "native" else (lambda ch: ch in "\n\r")
    for index, key in enumerate(keys):
        if not key or any(forbidden(ch) for ch in key):
            raise FormatError(f"Word {index} ({key!r}) cannot be saved in the {format} format: "
                              f"words must be non-empty and contain no "
                              f"{'whitespace' if format != 'native' else 'line breaks'}.")


