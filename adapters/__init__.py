"""Adapters: the ports of the application, served by real libraries and services."""
