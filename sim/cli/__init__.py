"""The ``marketsim`` command: one module per command, shared options in ``options``."""

from sim.cli.main import main

__all__ = ["main"]
