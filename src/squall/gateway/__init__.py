"""The front door: HTTP request/response types, routing, SigV4, dispatch."""
