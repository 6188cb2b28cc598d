"""plein_notify: Notifications: in-app, live and by e-mail. For now it counts the events it will act on."""
