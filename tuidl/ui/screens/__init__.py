"""Screens of the tuidl UI: the dashboard and the error modal (others add theirs here)."""
