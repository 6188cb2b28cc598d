"""plein_identity: who people are, whom they follow, and the tokens that prove it."""
