"""The real-time layer: audiences, bounded per-socket queues, fan-out. It knows nothing of the app."""

from live.connection import Connection
from live.hub import Frames, Hub

__all__ = ["Connection", "Frames", "Hub"]
