"""Complaint reports: form fields (fields.py), the store (store.py), Rasa adapters (form.py, status.py)
and the operator CLI (`python -m actions.complaints`). fields.py and store.py import nothing from Rasa."""
