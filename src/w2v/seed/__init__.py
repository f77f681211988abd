"""The CS224N word2vec assignment (the seed of this project), in one package."""
