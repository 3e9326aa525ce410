"""CLI commands. Each module has `register(commands)` adding its subcommands to the parser.

A handler takes (args, ctx) and returns an exit code from `app.commands.exit_codes.ExitCode`.
"""
