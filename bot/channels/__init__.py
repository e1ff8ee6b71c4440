"""Rasa input channels of the assistant (mounted through credentials.yml).

Rasa imports this package at startup, so this is where the Rasa process gets phone numbers masked in every
log record (actions/privacy.py, standard library only).
"""
from actions.privacy import install_log_masking

install_log_masking()
