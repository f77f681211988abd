"""Fields shared by the word2vec text and binary formats: the ``V D`` header line and words.

Both formats start with a line ``V D`` (word count, dimension) and separate a word from its
numbers by whitespace, so a word must be non-empty and contain no whitespace. The binary
format also cannot hold a NUL byte in a word (word2vec.c keeps words as C strings).
"""

from __future__ import annotations

from pathlib import Path

from w2v.errors import ConfigError, FormatError

#: Longest word, in UTF-8 bytes, that the word2vec writers write and the readers read.
#: word2vec.c cuts words at 100 bytes; 1 MiB bounds what a reader scans for the end of a word.
MAX_WORD_BYTES = 1 << 20
UNICODE_ERRORS = ("strict", "replace", "ignore")


class UndecodableWordError(ConfigError, FormatError):
    """A word is not valid UTF-8 while ``unicode_errors="strict"``.

    A problem of the file (a :class:`FormatError`) that an option can work around, so the
    message is a :class:`ConfigError` template naming ``unicode_errors``: the command line
    shows its flag.
    """


def parse_header(line: bytes, path: Path, glove_hint: bool = False) -> tuple[int, int]:
    """``(V, D)`` from the first line of a word2vec file; FormatError naming line 1 if invalid."""
    parts = line.split()
    try:
        if len(parts) != 2:
            raise ValueError
        count, dim = int(parts[0]), int(parts[1])
        if count < 0 or dim < 1:
            raise ValueError
    except ValueError:
        hint = (" If the file has no header line (GloVe style), say so with the {header}."
                if glove_hint else "")
        shown = line[:60].decode("utf-8", "replace").rstrip()
        raise FormatError("{path}, line 1: expected a header 'V D' (word count and dimension), "
                          "got {shown}." + hint, parameter="header" if glove_hint else None,
                          path=str(path), shown=repr(shown)) from None
    return count, dim


def decode_word(raw: bytes, path: Path, where: str, unicode_errors: str,
                hint: str = "") -> str:
    """``raw`` decoded as UTF-8 with ``unicode_errors``; the error names the file and place."""
    try:
        return raw.decode("utf-8", errors=unicode_errors)
    except UnicodeDecodeError as exc:
        raise UndecodableWordError(
            "{path}, {where}: the word {word} is not valid UTF-8 ({reason}); set the "
            "{unicode_errors} to 'replace' or 'ignore' to read it anyway{hint}.",
            parameter="unicode_errors", path=str(path), where=where, word=repr(raw[:40]),
            reason=exc.reason, hint=hint) from None


def check_keys_storable(keys: list[str], format: str) -> None:
    """Refuse, before anything is written, a key that ``format`` cannot store and read back."""
    # word2vec formats separate fields by whitespace; native separates words by line breaks
    forbidden = str.isspace if format != "native" else (lambda ch: ch in "\n\r")
    for index, key in enumerate(keys):
        if not key or any(forbidden(ch) for ch in key):
            raise FormatError(f"Word {index} ({key!r}) cannot be saved in the {format} format: "
                              f"words must be non-empty and contain no "
                              f"{'whitespace' if format != 'native' else 'line breaks'}.")
        if format == "native":
            continue
        if format == "binary" and "\0" in key:
            raise FormatError(f"Word {index} ({key[:40]!r}) cannot be saved in the binary "
                              f"format: it contains a NUL character, which word2vec.c's "
                              f"readers take as the end of the word.")
        # a character is at most 4 UTF-8 bytes: only long keys need encoding to be measured
        if len(key) > MAX_WORD_BYTES // 4 and len(key.encode("utf-8")) > MAX_WORD_BYTES:
            raise FormatError(f"Word {index} ({key[:40]!r}...) is {len(key.encode('utf-8')):,} "
                              f"bytes long; the {format} format reads words up to "
                              f"{MAX_WORD_BYTES:,} bytes.")
