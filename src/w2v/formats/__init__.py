"""Reading and writing word vectors: word2vec text, word2vec binary and the native format.

Formats
-------
``text``
    word2vec.c / gensim / fastText ``.vec`` text: a header line ``V D``, then one row per word,
    ``word v1 v2 ... vD``, separated by single spaces. Readers accept trailing spaces (fastText
    writes one), CRLF line endings, a UTF-8 BOM, and files without a header (GloVe) when
    ``header=False``.
``binary``
    word2vec.c binary: the header line ``V D\\n``, then for each word its UTF-8 bytes, one space
    and D little-endian float32 (4·D bytes). word2vec.c writes a newline after each row,
    gensim does not; both are read.
``native``
    A folder ``PATH/`` holding ``vectors.npy`` (float32 (V, D), memory-mapped on load),
    ``vocab.txt`` (one word per line, UTF-8, row order) and ``w2v.json`` (a small header:
    format name, version, V, D, dtype). No pickle anywhere. A save builds the folder beside
    the target and swaps it in whole.

The format of a file is sniffed from its content (the extension is only a hint), and gzip,
bzip2 or xz files are read through. Devices, FIFOs and recognisable non-vectors files (a
fastText model, a pickle, a zip) are refused with one line. Every malformed file raises
:class:`~w2v.errors.FormatError` naming the file, the line (text) or byte offset (binary) and
what was wrong. Every file is written atomically. See docs/formats.md.

Modules
-------
``vectors_io``       :func:`save_vectors`, :func:`load_vectors`: checks, then the format's module
``word2vec_text``    the text format
``word2vec_binary``  the binary format
``word2vec_fields``  what the two word2vec formats share: the ``V D`` header, words
``native``           the native folder
``compression``      gzip, bzip2 and xz files, read through
``sniff``            :func:`detect_format`: which format a path holds, by content
``paths``            checks made before any work: :func:`check_input`, :func:`check_output`, ...
``describe``         :func:`describe_vectors` (``w2v info``)
``projector``        :func:`export_projector`, the TensorFlow Embedding Projector's TSV files
``gensim_names``     gensim's ``save_word2vec_format`` / ``load_word2vec_format`` arguments
"""

from w2v.formats.describe import describe_vectors
from w2v.formats.native import NATIVE_HEADER, NATIVE_MATRIX, NATIVE_VERSION, NATIVE_VOCAB
from w2v.formats.paths import check_input, check_output, check_output_file
from w2v.formats.projector import export_projector
from w2v.formats.sniff import detect_format
from w2v.formats.vectors_io import FORMATS, load_vectors, save_vectors

__all__ = [
    "FORMATS",
    "NATIVE_HEADER",
    "NATIVE_MATRIX",
    "NATIVE_VERSION",
    "NATIVE_VOCAB",
    "check_input",
    "check_output",
    "check_output_file",
    "describe_vectors",
    "detect_format",
    "export_projector",
    "load_vectors",
    "save_vectors",
]
