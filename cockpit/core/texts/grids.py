"""Texts of the grids page: key -> (Chinese, English)."""

TEXT: dict[str, tuple[str, str]] = {}
