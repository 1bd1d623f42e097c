"""DynamoDB values as JSON: its Decimals become ints (or floats), its sets become lists."""

from __future__ import annotations

from decimal import Decimal


def plain(value):
    """Return a DynamoDB value with every Decimal and set turned into what JSON can carry."""
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, dict):
        return {key: plain(item) for key, item in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [plain(item) for item in value]
    return value
