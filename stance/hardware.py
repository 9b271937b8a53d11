"""What the machine can do: its processor or GPU by name, and which float precision it trains in fast.

bfloat16 pays on GPUs that support it and on CPUs with AVX512-BF16 or AMX; elsewhere it is emulated and
slower than fp32. ``resolve_precision("auto")`` picks by that rule; ``fp32`` and ``bf16`` are taken as asked.
"""
from __future__ import annotations

import platform
from functools import lru_cache
from pathlib import Path
from typing import Literal

Precision = Literal["fp32", "bf16"]
PRECISIONS = ("auto", "fp32", "bf16")


@lru_cache(maxsize=1)
def _cpuinfo() -> str:
    try:
        return Path("/proc/cpuinfo").read_text(errors="replace")
    except OSError:
        return ""


def cpu_flags() -> set[str]:
    """The CPU's feature flags (Linux; empty elsewhere)."""
    for line in _cpuinfo().splitlines():
        if line.startswith("flags"):
            return set(line.partition(":")[2].split())
    return set()


def cpu_name() -> str:
    for line in _cpuinfo().splitlines():
        if line.startswith("model name"):
            return line.partition(":")[2].strip()
    return platform.processor() or platform.machine() or "unknown CPU"


def cpu_has_fast_bf16() -> bool:
    """AVX512-BF16 or AMX: bfloat16 matrix products in hardware."""
    return bool(cpu_flags() & {"avx512_bf16", "amx_bf16"})


def device_name() -> str:
    """The GPU's name when torch sees one, else the CPU's."""
    import torch

    if torch.cuda.is_available():
        return torch.cuda.get_device_name(0)
    return cpu_name()


def resolve_precision(precision: str, *, cuda: bool | None = None) -> Precision:
    """``auto``: bf16 on GPUs that support it and on CPUs with AVX512-BF16 or AMX, fp32 elsewhere."""
    if precision not in PRECISIONS:
        raise ValueError(f"unknown precision {precision!r}; valid: {', '.join(PRECISIONS)}")
    if precision != "auto":
        return precision  # type: ignore[return-value]
    import torch

    if cuda is None:
        cuda = torch.cuda.is_available()
    if cuda:
        return "bf16" if torch.cuda.is_bf16_supported() else "fp32"
    return "bf16" if cpu_has_fast_bf16() else "fp32"
