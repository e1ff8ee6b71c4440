"""The operator console at /admin of the web chat's server: sign-in with the operator token, the report queue
(filters, one report, status changes with notices to the reporter, merges, masked contacts and audited
reveals, CSV), the audit log. scripts/web.py hands it every /admin request (app.Console.handle)."""
