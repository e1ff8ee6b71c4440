"""Rasa SDK custom actions: thin adapters from the conversation to the `knowledge` package.

One module per concern: plan (free questions and fallback), indicators, projects, guidance
(green tips and reporting channels). Models load lazily on the first question, never at import.
"""
