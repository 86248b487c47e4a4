"""How large the platform's payments are, per currency: the amount floors of the AML detectors
rise with it, so an ordinary payment where amounts run larger is not a laundering flow."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

BINS_PER_OCTAVE = 8
REFRESH_EVERY = 512


@dataclass
class AmountScale:
    """Median transaction amount per currency (a histogram of log amounts) and the factor,
    between 1 and ``ceiling``, by which it exceeds ``reference``: the median the detectors'
    amount floors were set for."""

    reference: float = 6_100.0
    ceiling: float = 4.0
    minimum_count: int = 1_000
    histograms: dict[str, dict[int, int]] = field(default_factory=dict)
    counts: dict[str, int] = field(default_factory=dict)
    factors: dict[str, float] = field(default_factory=dict)

    def observe(self, currency: str, amount: int) -> None:
        if amount <= 0:
            return
        histogram = self.histograms.setdefault(currency, {})
        index = int(math.log2(amount) * BINS_PER_OCTAVE)
        histogram[index] = histogram.get(index, 0) + 1
        count = self.counts[currency] = self.counts.get(currency, 0) + 1
        if count >= self.minimum_count and count % REFRESH_EVERY == 0:
            self.factors[currency] = min(
                self.ceiling, max(1.0, self._median(currency) / self.reference)
            )

    def factor(self, currency: str) -> float:
        return self.factors.get(currency, 1.0)

    def _median(self, currency: str) -> float:
        histogram = self.histograms[currency]
        half = self.counts[currency] / 2
        seen = 0
        for index in sorted(histogram):
            seen += histogram[index]
            if seen >= half:
                return float(2 ** ((index + 0.5) / BINS_PER_OCTAVE))
        return self.reference
