"""``python -m algorithm_fec.zfec ARGS`` runs the ``zfec`` command (encode a file
into shares); ``python -m algorithm_fec.zfec.cmdline_zunfec ARGS`` runs ``zunfec``."""

import sys

from .cmdline_zfec import main

sys.exit(main())
