"""Which format a vectors path holds, from its content; the extension is only a hint.

Order of the checks (:func:`sniff`):

1. A folder is ``native``. Anything else must be a regular file (devices, FIFOs and sockets
   are refused before they are opened for reading).
2. Compression, from the first bytes: gzip, bzip2 or xz files are decompressed on the fly and
   the remaining checks look at the decompressed bytes.
3. fastText's magic number: a ``.bin`` model (``fasttext``, read as subword vectors).
   Files that are recognisably not word vectors (a Python pickle
   such as a gensim model, a zip or ``.npz`` archive, a bare ``.npy`` array, HDF5, ...) are
   refused with one line that says what the file is and what is accepted.
4. A UTF-8 byte order mark is skipped. With ``header=False`` the file is ``text`` (the binary
   format always has a header). Otherwise, after a ``V D`` header, a first row made of a word
   and numbers is ``text``, anything else ``binary``. Without a valid header the file is
   ``text``, whose reader explains what is wrong with line 1. Only files that are neither
   (empty, announcing 0 words, or a first row without any space in the first 64 KiB) are
   decided by the extension.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from w2v.errors import FormatError
from w2v.formats.compression import open_decompressed
from w2v.formats.fasttext_bin import MAGIC_BYTES, is_fasttext_bin
from w2v.formats.paths import check_input
from w2v.formats.word2vec_text import BOM

TEXT_SUFFIXES = {".txt", ".vec", ".tsv", ".text", ".glove"}
BINARY_SUFFIXES = {".bin", ".w2v"}
ACCEPTED = ("w2v reads word2vec text and binary files (optionally gzip, bzip2 or xz compressed) "
            "and native vectors folders")
_SAMPLE_BYTES = 1 << 16  # enough for the header and the first row of 300-D text vectors

# (first bytes, offset, what the file is, how to get vectors from it)
_NOT_VECTORS = (
    # Detected before these checks (sniff); here only when text or binary is forced.
    (MAGIC_BYTES, 0, "a fastText model (.bin)",
     "read it with format='fasttext' (--format fasttext), or let the format be detected"),
    (b"\x93NUMPY", 0, "a bare NumPy .npy array (no words)",
     "the native format is a folder holding vectors.npy, vocab.txt and w2v.json"),
    (b"PK\x03\x04", 0, "a zip archive (a NumPy .npz, a PyTorch model, ...)",
     "extract the vectors file first"),
    (b"PK\x05\x06", 0, "an empty zip archive", "give the vectors file itself"),
    (b"\x89HDF\r\n\x1a\n", 0, "an HDF5 file", "export the vectors as word2vec text"),
    (b"\x28\xb5\x2f\xfd", 0, "a zstd-compressed file",
     "decompress it first (zstd -d), or recompress it with gzip"),
    (b"\x04\x22\x4d\x18", 0, "an lz4-compressed file", "decompress it first (lz4 -d)"),
    (b"7z\xbc\xaf\x27\x1c", 0, "a 7-Zip archive", "extract the vectors file first"),
    (b"ustar", 257, "a tar archive", "extract the vectors file first (tar -xf)"),
    (b"\x89PNG\r\n\x1a\n", 0, "a PNG image", "give a vectors file"),
    (b"%PDF", 0, "a PDF document", "give a vectors file"),
    (b"\x7fELF", 0, "an executable (ELF)", "give a vectors file"),
)


@dataclass(frozen=True)
class Sniffed:
    """What :func:`sniff` found: the format and, for a file, its compression (or None)."""

    format: str
    compression: str | None = None


def detect_format(path: str | os.PathLike[str], header: bool = True) -> str:
    """The format of ``path``: ``"text"``, ``"binary"`` or ``"native"``, by content.

    Parameters
    ----------
    path : path-like
        An existing vectors file (possibly gzip, bzip2 or xz compressed) or native folder.
    header : bool
        Whether a text file starts with the ``V D`` line.

    Returns
    -------
    str
        ``"text"``, ``"binary"`` or ``"native"``; see :func:`sniff` for the rules.

    Raises
    ------
    InputNotFoundError
        If ``path`` does not exist.
    FormatError
        If it is not a regular file or a folder, or is recognisably not word vectors.
    """
    return sniff(path, header).format


def sniff(path: str | os.PathLike[str], header: bool = True) -> Sniffed:
    """Format and compression of ``path``; see the module docstring for the order of checks."""
    path = check_input(path)
    if path.is_dir():
        return Sniffed("native")
    with open_decompressed(path) as (stream, compression, _):
        sample = stream.read(_SAMPLE_BYTES)
    if is_fasttext_bin(sample):  # a fastText model: SubwordVectors
        return Sniffed("fasttext", compression)
    refuse_non_vectors(sample, path, compression)
    return Sniffed(text_or_binary(sample, header, path), compression)


def refuse_non_vectors(sample: bytes, path: Path, compression: str | None) -> None:
    """Raise :class:`FormatError` if ``sample`` starts like a known kind of non-vectors file."""
    for magic, offset, what, advice in _NOT_VECTORS:
        if sample[offset:offset + len(magic)] == magic:
            raise _not_vectors(path, compression, what, advice)
    # pickle protocols 2-5 start with PROTO (0x80) and the protocol number
    if sample[:1] == b"\x80" and sample[1:2] in (b"\x02", b"\x03", b"\x04", b"\x05"):
        raise _not_vectors(path, compression, "a Python pickle (a gensim model saved with "
                           ".save()?)", "w2v never loads pickles: in gensim, save the vectors "
                           "with model.wv.save_word2vec_format(path, binary=True)")


def _not_vectors(path: Path, compression: str | None, what: str, advice: str) -> FormatError:
    inside = f"{compression}-compressed file holding " if compression else ""
    return FormatError(f"{path}: this is {inside}{what}, not word vectors; {advice}. "
                       f"{ACCEPTED}.")


def text_or_binary(sample: bytes, header: bool, path: Path) -> str:
    """``"text"`` or ``"binary"`` from the first bytes of a (decompressed) vectors file."""
    sample = sample.removeprefix(BOM)
    if not header:
        return "text"
    first, newline, rest = sample.partition(b"\n")
    parts = first.split()
    if not newline or len(parts) != 2 or not all(p.isdigit() for p in parts):
        return "text"  # no header: not binary; the text reader explains line 1
    if int(parts[0]) == 0 or not rest:
        return "binary" if _suffix(path) in BINARY_SUFFIXES else "text"
    row, complete = b"", b""
    while rest and not row.strip():  # the first non-blank line (text readers skip blanks)
        row, complete, rest = rest.partition(b"\n")
    fields = row.split()
    if not complete:
        fields = fields[:-1]  # the sample may end inside a number
        if len(fields) < 2:  # one endless field: neither a text row nor a binary word
            return "binary" if _suffix(path) in BINARY_SUFFIXES else "text"
    # a text row (even with the wrong number of columns, which the text reader then reports
    # by line) is a word followed by numbers; float32 bytes almost never split that way
    return "text" if len(fields) >= 2 and all(_is_number(f) for f in fields[1:]) else "binary"


def _is_number(field: bytes) -> bool:
    try:
        float(field)
    except ValueError:
        return False
    return True


def _suffix(path: Path) -> str:
    """The extension that names the format: ``v.bin.gz`` -> ``.bin``."""
    suffixes = [s.lower() for s in path.suffixes]
    while suffixes and suffixes[-1] in (".gz", ".bz2", ".xz", ".gzip"):
        suffixes.pop()
    return suffixes[-1] if suffixes else ""
