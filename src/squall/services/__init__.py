"""AWS services: a folder each, one function per AWS operation."""
