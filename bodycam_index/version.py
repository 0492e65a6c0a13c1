"""The bodycam-index version, written only here: pyproject.toml reads it for the package metadata, and reports and
`--version` take it from here without `importlib.metadata` (~30 ms of start-up)."""

VERSION = "0.1.0"
