"""The toolkit's version, at the bottom of the package: modules that record it (provenance, a run's key)
read it here, not from the package's ``__init__``, which sits on top and exports the public classes."""
from __future__ import annotations

__version__ = "0.1.0"
