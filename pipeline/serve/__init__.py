"""The two loopback servers: the site preview and the review page, with one byte-range reader."""
