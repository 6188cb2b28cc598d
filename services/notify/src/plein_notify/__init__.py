"""plein_notify: Notifications in-app, live and by e-mail; for now it counts events."""
