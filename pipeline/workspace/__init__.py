"""The workspace: its paths, the catalogue (resources.yaml) and its YAML, journeys, ordering, tagging and check."""
