"""plein_metrics: Participation KPIs from the event log. For now it counts events per type."""
