"""Notifiers: deliver outbox messages into each chat platform."""
