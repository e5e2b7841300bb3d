"""Publishing: Datasette serving the catalog read-only, with the catalog's plugin."""

from harvest.publish.serve import make_datasette, serve

__all__ = ["make_datasette", "serve"]
