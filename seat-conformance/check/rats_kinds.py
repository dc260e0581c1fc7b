"""Independent checks of the rats vector kinds (placeholder until built).

Imported by check_vectors.py; shares nothing with the Rust crates.
"""

CHECKS = {}
