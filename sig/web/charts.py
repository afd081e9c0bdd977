"""Horizontal bar charts as plain data for an inline SVG (no script, no external library)."""

from __future__ import annotations

from dataclasses import dataclass

ROW = 22
LABEL_WIDTH = 230
BAR_WIDTH = 320
PALETTE = ("#0b5d7a", "#3f8fb0", "#7fb8cf", "#b15928", "#33a02c", "#6a3d9a", "#e31a1c",
           "#ff7f00", "#1f78b4", "#8c510a")


@dataclass(frozen=True)
class Bar:
    label: str
    value: float
    text: str
    y: int
    width: float
    colour: str


@dataclass(frozen=True)
class Chart:
    bars: list[Bar]
    height: int
    label_width: int = LABEL_WIDTH
    bar_width: int = BAR_WIDTH

    @property
    def width(self) -> int:
        return self.label_width + self.bar_width + 90

    @property
    def text_x(self) -> int:
        return self.label_width - 6


def number_text(value: float, lang: str, decimals: int = 1) -> str:
    text = f"{value:,.{decimals}f}" if value % 1 else f"{value:,.0f}"
    if lang == "pt":
        text = text.replace(",", " ").replace(".", ",")
    return text


def bar_chart(items: list[tuple[str, float | None]], lang: str, unit: str = "") -> Chart:
    """Bars for (label, value) pairs; missing values are left out."""
    present = [(label, float(v)) for label, v in items if v is not None]
    top = max((v for _, v in present), default=0.0) or 1.0
    bars = [Bar(label=label[:38], value=value,
                text=f"{number_text(value, lang)} {unit}".strip(), y=i * ROW,
                width=round(BAR_WIDTH * value / top, 1), colour=PALETTE[i % len(PALETTE)])
            for i, (label, value) in enumerate(present)]
    return Chart(bars=bars, height=max(ROW, len(bars) * ROW))
