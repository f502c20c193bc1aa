"""What every part of the scale analysis holds: the file's `Scales`.

Each part answers one question for one file and asks the others through
`self.scales` (`self.scales.flow._scale(...)`); another file's parts are
reached through that file's `Scales` (`model.scale.flow._bind(...)`).
"""
from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pragma: no cover
    from dllint.semantic.scale import Scales


class ScalePart:
    def __init__(self, scales: "Scales"):
        self.scales = scales
        self.semantic = scales.semantic

    @property
    def here(self) -> str:
        return self.semantic.info.name
