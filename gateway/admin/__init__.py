"""The admin web UI: server-rendered pages under /ui (gateway.admin.app.create_ui_app).

Every asset is served by the gateway itself (no CDN) and every page works without
JavaScript. Pages sit on the same repositories as the admin API (gateway.db.repos).
"""
