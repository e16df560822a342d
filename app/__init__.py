"""Kraftsamla: real-time facilitation for 48-hour Innovation Races."""
