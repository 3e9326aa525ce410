"""Operating-system glue: paths, secrets in the keyring, process checks, autostart."""
