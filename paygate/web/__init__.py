"""HTTP and WebSocket edge: routes stay a few lines and call services."""
