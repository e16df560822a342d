"""Domain services: each owns its rules and its transactions."""
