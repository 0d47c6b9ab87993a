"""Texts of the alerts page: key -> (Chinese, English)."""

TEXT: dict[str, tuple[str, str]] = {}
