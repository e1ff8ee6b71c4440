"""Rasa SDK custom actions: thin adapters from the conversation to the `knowledge` package.

One module per concern: plan (free questions and fallback), indicators, projects, guidance
(green tips and reporting channels), complaints/ (complaint_form, store, status look-up, operator CLI)
and activities (find_activities, activity_signup_form). Models load lazily on the first question, never at import.
"""
