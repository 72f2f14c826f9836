"""Greets through the layer's module and says which version of the function answered."""

import greetings  # from the layer


def handler(event, context):
    return {
        "message": greetings.greet(event.get("name", "world")),
        "layer": greetings.SOURCE,
        "version": context.function_version,
    }
