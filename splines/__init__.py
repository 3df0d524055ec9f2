"""splines package."""
