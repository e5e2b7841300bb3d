"""Publishing: Datasette serving the catalog read-only, with the catalog's plugin.

`harvest.publish.serve` (make_datasette, serve) is not imported here: plain `datasette` loads
the plugin (harvest.publish.plugin) through its entry point while datasette.app is still
importing, and serve imports datasette.app, so importing it here would be circular.
"""
