"""The ways in: the HTTP API, the command line and the queue worker."""
