"""`python -m cdp_orchestration.cli`: the `cdp` command."""

import sys

from cdp_orchestration.cli import main

sys.exit(main())
