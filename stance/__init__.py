"""stance: who says what about whom, with what stance, in news coverage."""
from __future__ import annotations

from .version import __version__

__all__ = ["StanceClassifier", "__version__"]


def __getattr__(name: str):  # lazy: importing stance must not import torch
    if name == "StanceClassifier":
        from .model import StanceClassifier

        return StanceClassifier
    raise AttributeError(name)
