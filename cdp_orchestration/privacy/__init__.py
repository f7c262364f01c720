"""Privacy: the right to be forgotten, keyed hashes of erased people, subject access exports, retention."""
