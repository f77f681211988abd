"""The array types of the project, decided in one place (as fastText's ``real``).

Every weight table, vectors matrix and file row is :data:`REAL`; word ids are
:data:`WORD_ID`; counts are :data:`COUNT`. The float64 engine and the assignment's
functions compute in float64 on purpose (they are the oracle) and say so where they do.
"""

from __future__ import annotations

import numpy as np

# Weights and vectors: float32 as word2vec.c, gensim and fastText (half the memory of
# float64, and float32 SIMD is twice as wide).
REAL = np.float32
# Word ids of an encoded corpus: 4 bytes a token; vocabularies stay far below 2^32 words.
WORD_ID = np.uint32
# Word counts and offsets into the corpus: corpora pass 2^31 tokens.
COUNT = np.int64
