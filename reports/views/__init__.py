"""Report pages: thin views that parse the period, call one selector and render or export."""
