"""Use cases, and the ports they need from the world outside."""
