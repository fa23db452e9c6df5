"""Sub-commands of the ``tuidl`` command line, one module each.

Each module has ``add_parser(subparsers)`` and ``main(args) -> int``. Modules
import nothing heavy at module scope so that ``tuidl --help`` stays fast and
free of TensorFlow.
"""
