"""Signed updates of the installed app through The Update Framework (tufup on python-tuf); no Qt.

`installation` names the copy being updated, `folders` where downloads and records live, `client`
checks and downloads (every file verified against the root key shipped in the bundle), `apply`
swaps the new copy in once the app has quit and no sync holds the run lock, `outcome` remembers
what happened so the next start can say it.
"""
