"""`python -m mlledger` is the `mlledger` command."""

from mlledger.cli import main

main()
