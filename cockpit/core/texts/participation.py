"""Texts of the participation page: key -> (Chinese, English)."""

TEXT: dict[str, tuple[str, str]] = {}
