"""Public Hypothesis strategies, one module per paper section (import the submodule)."""
