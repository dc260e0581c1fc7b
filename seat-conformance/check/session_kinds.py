"""Independent checks of the session vector kinds (placeholder until built).

Imported by check_vectors.py; shares nothing with the Rust crates.
"""

CHECKS = {}
