"""The tray app (PySide6): status, menu, setup wizard and windows over the sync engine."""
