"""CreditPilot shared code (the `shared` Lambda layer)."""

__version__ = "1.0.0"
