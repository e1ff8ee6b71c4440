"""Rasa SDK custom actions: thin adapters from the conversation to the `knowledge` package.

One module per concern: plan (free questions and fallback), indicators, projects, guidance
(green tips and reporting channels), complaints/ (complaint_form, store, status look-up, operator CLI)
and activities (find_activities, activity_signup_form). Models load lazily on the first question, never at import.
Importing the package masks phone numbers in every log record (actions/privacy.py).
"""

from .privacy import install_log_masking

install_log_masking()      # phone numbers masked in every log record of the action server
