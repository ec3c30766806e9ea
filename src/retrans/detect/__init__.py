"""Detection: every checker behind the one `Checker` interface (rules, grammar,
embeddings), assembled into a pipeline by `build`."""
