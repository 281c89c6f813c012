"""``python -m server`` is the ``fieldsync`` command."""

from server.cli import main

main(prog_name="fieldsync")
