"""Output: one writer family (human, JSON, SARIF, GitHub), the review model, the
HTML review page and the terminal diff."""
