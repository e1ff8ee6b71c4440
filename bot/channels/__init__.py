"""Rasa input channels of the assistant (mounted through credentials.yml).

Importing this package (Rasa does, to mount the channels) masks phone numbers in every log record of the Rasa
process (actions/privacy.py, standard library only). bot/rasa_patches.py is installed by rest.py, the channel
every credentials file mounts; shared.py and guard.py import nothing from Rasa, so tests load them in .venv.
"""
from actions.privacy import install_log_masking

install_log_masking()
