"""Rasa input channels of the assistant (mounted through credentials.yml).

Importing this package (Rasa does, to mount the channels) also installs bot/rasa_patches.py."""
from bot import rasa_patches

rasa_patches.install()
