"""Numbers and relations as inline LaTeX for the prose that verdicts carry (re-exported from
:mod:`theory.tex`, where the computations that write their own reasons can reach them)."""

from theory.tex import TEX_RELATION, tex_number

__all__ = ["TEX_RELATION", "tex_number"]
