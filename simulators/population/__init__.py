"""See simulators/__init__.py."""
