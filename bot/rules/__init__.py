"""The product's rules and use cases: no Telegram types here (tests/unit/test_layers.py)."""
