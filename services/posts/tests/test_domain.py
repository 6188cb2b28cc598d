from plein_posts.domain import topics_in


def test_topics_are_found_once_in_order_and_lower_cased() -> None:
    text = "Nieuw: #Welkom bij #HR! #welkom again, not a#topic, and #café-2026."
    assert topics_in(text) == ["welkom", "hr", "café-2026"]


def test_text_without_topics_has_none() -> None:
    assert topics_in("Hallo allemaal, # niets hier") == []
