"""Canonical documents: typed, Decimal money, ISO dates, snake_case, EN 16931 BT/BG ids."""
