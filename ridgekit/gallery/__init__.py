"""Paper reproductions: each module has run(out_dir, quick=True) -> {"title", "figures", "checks"}."""
