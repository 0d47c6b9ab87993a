"""The theme pages' texts, one module each (merged into cockpit.core.i18n.TEXT), so pages grow apart."""
