"""The rule engine: YAML rule instances of the rule types in `types/`, with the
gazetteer lexicon and the per-text context they read."""
