"""Build the benchmark's shop: ``python bench/generate_load_data.py --help``.

    DATABASE_URL=... python bench/generate_load_data.py --customers 100000 --entries 1000000 --invoices 50000

Sets Django up (``DJANGO_SETTINGS_MODULE``, default ``config.settings``) and runs
:func:`bench.load_data.main`; the generator itself is ``bench/load_data.py``.
"""

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django  # noqa: E402

django.setup()

from bench.load_data import main  # noqa: E402

if __name__ == "__main__":
    sys.exit(main())
