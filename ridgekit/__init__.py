"""ridgekit package."""
