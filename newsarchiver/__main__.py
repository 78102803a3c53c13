import sys

try:
    from newsarchiver.cli import entry
except KeyboardInterrupt:  # Ctrl-C while Python starts: nothing began yet
    sys.exit(130)

entry()
