"""minigrad's benchmarks: ``python -m benchmarks --help``. See benchmarks/README.md.

This package must not import NumPy when imported: the runner pins BLAS threads first.
"""
