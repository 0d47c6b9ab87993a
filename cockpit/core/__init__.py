"""Shared vocabulary: settings, division codes, i18n, the unit/window model and error helpers."""
