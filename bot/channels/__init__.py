"""Rasa input channels of the assistant (mounted through credentials.yml).

Importing this package (Rasa does, to mount the channels) installs bot/rasa_patches.py and masks phone numbers
in every log record of the Rasa process (actions/privacy.py, standard library only).
"""
from actions.privacy import install_log_masking
from bot import rasa_patches

install_log_masking()
rasa_patches.install()
