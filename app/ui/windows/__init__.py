"""The app's windows and dialogs: progress, preview, review, history, settings, errors, about."""
