"""Shipped in the layer: Lambda puts the layer's python/ directory on sys.path."""

import os

SOURCE = "shared-layer"


def greet(name):
    return f"{os.environ.get('GREETING', 'hello')}, {name}!"
