"""Link previews: the card (title, description, site, image) of the first link in a post or
reply, fetched in the background through an SSRF guard and served by the files service.

guard.py    which addresses a fetch may reach (pure)
fetcher.py  HTTP through the guard: the checked address is the one connected to
metadata.py the first link of a text; a card from a page's Open Graph / Twitter / oEmbed tags
store.py    SQL for the link-card tables
cards.py    the use cases: fetch the next due card, read, remove, serve its image
consumers.py, api.py, worker.py: the edges
"""
