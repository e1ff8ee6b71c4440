"""Rasa SDK custom actions: thin adapters from the conversation to the `knowledge` package.

One module per concern: plan (free questions and fallback), indicators, projects, guidance
(green tips and reporting channels), complaints/ (complaint_form, store, status look-up, operator CLI)
and activities (find_activities, activity_signup_form); smalltalk, and interruptions (questions typed into a
form's field). Never at import: the index and model load in a background thread when the action server starts
(actions/warmup.py, attached by rasa_sdk_plugins/), or on the first question otherwise.
Importing the package masks phone numbers in every log record (actions/privacy.py).
"""

from .privacy import install_log_masking

install_log_masking()      # phone numbers masked in every log record of the action server
