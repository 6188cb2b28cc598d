"""Plein's web client: server-rendered pages over the public HTTP APIs (a backend-for-frontend)."""
