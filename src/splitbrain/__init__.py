"""splitbrain: prove an EHR <-> CRM <-> portal integration makes no duplicate patients, stale
overwrites, consent violations or PHI leaks, before go-live and on every CI run."""

from __future__ import annotations

__all__ = ["__version__"]

__version__ = "0.1.0"
