"""The embedding checker: sentence-transformers (all-MiniLM-L6-v2, offline) for
the sense gate and outliers."""
