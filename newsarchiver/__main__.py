import sys

try:
    from newsarchiver.cli import main
except KeyboardInterrupt:  # Ctrl-C while Python starts: nothing began yet
    sys.exit(130)

sys.exit(main())
