"""`python -m hsdt.cli`: the same as the `hsdt` command."""

import sys

from hsdt.cli.main import main

sys.exit(main())
