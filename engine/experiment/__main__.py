"""``python -m engine.experiment``: the command line of ``cli``."""
import sys

from engine.experiment.cli import main

if __name__ == "__main__":
    sys.exit(main())
