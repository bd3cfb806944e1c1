"""marac: coordinates multi-agency risk assessment conferences."""

__version__ = "0.1.0"
