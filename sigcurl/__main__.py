"""``python -m sigcurl``: run the command."""

from sigcurl.cli import main

if __name__ == "__main__":
    main()
