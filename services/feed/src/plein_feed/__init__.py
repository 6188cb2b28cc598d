"""plein_feed: personal timelines."""
