"""The site's Jinja2 theme and static assets, shipped in the wheel as ``pipeline.theme``."""
