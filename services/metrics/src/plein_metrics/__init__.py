"""plein_metrics: participation KPIs from the event log, live and from the analysts' export."""
