"""``python -m medcnn``: the ``medcnn`` command."""

import sys

from medcnn.cli import main

if __name__ == "__main__":
    sys.exit(main())
