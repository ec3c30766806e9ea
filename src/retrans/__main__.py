"""`python -m retrans`: the same command as `retrans`."""

import sys

from retrans.app.cli import main

sys.exit(main())
