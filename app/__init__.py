"""Kraftsamla: real-time facilitation for 48-hour Innovation Races."""

__version__ = "0.1.0"
