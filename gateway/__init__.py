"""B2B e-invoicing network gateway."""

__version__ = "0.1.0"
