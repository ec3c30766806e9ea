"""The faces of retrans: the CLI, the batch runner, the per-file process and the
library API."""
