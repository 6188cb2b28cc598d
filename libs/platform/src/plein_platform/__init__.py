"""Plein's platform: settings, database, auth, problem details, telemetry, embedded servers, CLI."""
