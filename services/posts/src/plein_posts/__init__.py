"""plein_posts: every conversation on Plein."""
