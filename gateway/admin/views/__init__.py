"""Page handlers of the admin web UI, one module per area; each exposes `add_routes`."""
