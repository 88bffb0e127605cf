"""``python -m greenchain``: the command line."""

from greenchain.entrypoints.cli.main import app

if __name__ == "__main__":
    app()
