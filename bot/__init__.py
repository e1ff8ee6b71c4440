"""Rasa-side code of the assistant (runs in .venv-rasa): training data in bot/data, channels."""
