"""Rasa input channels of the assistant (mounted through credentials.yml)."""
