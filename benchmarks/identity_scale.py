"""Scale benchmark of ``identity.resolve``: wall time and peak memory per phase.

    .venv/bin/python benchmarks/identity_scale.py --records 1000000
    .venv/bin/python benchmarks/identity_scale.py --parquet records.parquet

Synthesises realistic multi-locale records (tests/identity/datagen.py) unless a parquet file is given.
Target (CONTRACT §5): 1,000,000 records on 2 cores within 5 minutes and 8 GB peak memory.
"""

from __future__ import annotations

import argparse
import resource
import sys
import threading
import time
from pathlib import Path

import psutil_free_rss as _rss  # noqa: F401  # replaced below when missing

ROOT = Path(__file__).resolve().parents[1]
