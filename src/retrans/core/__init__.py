"""The records and settings every stage shares: findings, documents, options,
configuration, errors, and the Checker interface with the codes it declares."""
