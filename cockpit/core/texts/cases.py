"""Texts of the cases page: key -> (Chinese, English)."""

TEXT: dict[str, tuple[str, str]] = {}
