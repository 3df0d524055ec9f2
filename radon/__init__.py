"""radon package."""
