"""Explicit constructions from the papers' proofs, one module per construction."""
