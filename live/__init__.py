"""The real-time layer: audiences, bounded per-socket queues, fan-out. It knows nothing of the app."""

from live.hub import Connection, Frames, Hub

__all__ = ["Connection", "Frames", "Hub"]
