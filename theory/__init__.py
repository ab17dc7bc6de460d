"""The mathematics of the four papers as code: models, Jacobians, certified linear algebra.

Nothing here imports :mod:`checks` or :mod:`reports`, Hypothesis, or does I/O.
"""
