"""The product's rules and use cases: no Telegram types here (tests/test_layers.py)."""
