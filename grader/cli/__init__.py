"""The command line: `main` assembles the parser, one module per command."""
