"""Organisers' passwords: argon2id hashes (argon2-cffi), computed a few at a time."""

from __future__ import annotations

import functools
import threading

from argon2 import Parameters as Profile
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from argon2.profiles import RFC_9106_LOW_MEMORY

# RFC 9106's second recommendation: 64 MiB and three passes, a second or less per hash on the server.
PROFILE = RFC_9106_LOW_MEMORY


class Passwords:
    """Hash and check passwords; at most `at_once` hashes run together (each takes 64 MiB and a core)."""

    def __init__(self, profile: Profile | None = None, at_once: int = 2) -> None:
        self.hasher = PasswordHasher.from_parameters(profile or PROFILE)
        self._slots = threading.BoundedSemaphore(at_once)

    @functools.cached_property
    def _decoy(self) -> str:
        # Checked when the account is unknown, so that an unknown e-mail costs as long as a wrong password.
        return self.hasher.hash("decoy password that no one has")

    def hash(self, password: str) -> str:
        """Return the argon2id hash of a password."""
        with self._slots:
            return self.hasher.hash(password)

    def verify(self, stored: str | None, password: str) -> bool:
        """Return whether a password matches its stored hash (None: an unknown account, always False)."""
        against = stored or self._decoy
        with self._slots:
            try:
                return self.hasher.verify(against, password) and stored is not None
            except (VerificationError, InvalidHashError):
                return False

    def outdated(self, stored: str) -> bool:
        """Return whether a hash was made with other parameters than today's (hash it again)."""
        return self.hasher.check_needs_rehash(stored)
