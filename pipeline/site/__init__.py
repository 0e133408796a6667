"""The static site: gather, plan, render and write; the search index; the catalogue cache."""
