"""The ``squall`` command line."""
