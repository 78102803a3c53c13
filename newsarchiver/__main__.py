import sys

from newsarchiver.cli import main

sys.exit(main())
