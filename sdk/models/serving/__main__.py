"""`python -m mlledger.models.serving -m <uri> ...`: the scoring server, as `mlledger models serve`."""

from mlledger._cli_serving import serve_command

if __name__ == "__main__":
    serve_command(prog_name="python -m mlledger.models.serving")
