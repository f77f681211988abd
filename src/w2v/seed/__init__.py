"""The CS224N word2vec assignment, the seed this project grew from: ``w2v seed``, ``w2v gradcheck``.

Here "seed" always means the assignment; a seed of a random generator is called a
``random_seed``. The assignment's math itself is :mod:`w2v.reference` (public, read it first);
this package holds what runs it, one concept a module, in reading order:

- :mod:`w2v.seed.dataset` -- the Stanford Sentiment Treebank as the assignment reads it:
  vocabulary, subsampling, sampling table, random contexts drawn as the assignment draws them.
- :mod:`w2v.seed.kernels` -- numba kernels of the fast run: one SGD step of 50 windows each.
- :mod:`w2v.seed.saves` -- one save format (``saved_<iteration>.npz``) for the saves of
  :func:`w2v.reference.sgd` and the checkpoints of the fast run.
- :mod:`w2v.seed.run` -- the schedule of ``w2v seed`` (:func:`~w2v.seed.run.run_assignment`)
  and its faithful replay through :mod:`w2v.reference`
  (:func:`~w2v.seed.run.replay_assignment`).
- :mod:`w2v.seed.outputs` -- what a run leaves: ``word_vectors.png``, ``vectors.txt``,
  ``loss.tsv``, ``loss.png``.
- :mod:`w2v.seed.gradcheck` -- the gradient checks that ``w2v gradcheck`` prints.

Importing this package imports none of its modules; :mod:`w2v.seed.kernels` (numba) is
imported only when the fast run trains.
"""
