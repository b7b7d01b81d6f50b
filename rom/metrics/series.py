"""AngleSeries: joint angles over time, the value rom.metrics passes between its stages."""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np


@dataclass(frozen=True)
class AngleSeries:
    """Angles in degrees over time.

    ``values_deg`` has shape (frames, len(names)); NaN where an angle could not be measured.
    ``time_s`` has shape (frames,). Column names end in ``_deg`` (e.g.
    ``shoulder_abduction_left_deg``).
    """

    time_s: np.ndarray
    names: tuple[str, ...]
    values_deg: np.ndarray

    def __post_init__(self) -> None:
        if self.values_deg.shape != (self.time_s.shape[0], len(self.names)):
            raise ValueError(
                f"values_deg must have shape (frames, {len(self.names)}) = "
                f"({self.time_s.shape[0]}, {len(self.names)}), got {self.values_deg.shape}"
            )

    def __getitem__(self, name: str) -> np.ndarray:
        try:
            return self.values_deg[:, self.names.index(name)]
        except ValueError:
            raise KeyError(f"no angle named {name!r}; have {', '.join(self.names)}") from None

    def __contains__(self, name: object) -> bool:
        return name in self.names

    def as_dict(self) -> dict[str, np.ndarray]:
        return {n: self.values_deg[:, i] for i, n in enumerate(self.names)}

    def with_values(self, values_deg: np.ndarray) -> AngleSeries:
        return replace(self, values_deg=values_deg)

    def select(self, names: list[str] | tuple[str, ...]) -> AngleSeries:
        idx = [self.names.index(n) for n in names]
        return AngleSeries(self.time_s, tuple(names), self.values_deg[:, idx])

    @classmethod
    def from_dict(cls, time_s: np.ndarray, columns: dict[str, np.ndarray]) -> AngleSeries:
        names = tuple(columns)
        values = (
            np.column_stack([np.asarray(columns[n], float) for n in names])
            if names
            else np.empty((len(time_s), 0))
        )
        return cls(np.asarray(time_s, float), names, values)
