"""How notifications read in Dutch and English, without servers: every sentence has its Dutch
words, verbs agree with how many people did it, numbers and moments as each language writes
them, and a person's language from their profile or their client."""

import re
from datetime import UTC, datetime
from pathlib import Path

import plein_notify
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po
from plein_notify.domain import DigestFrequency, Kind
from plein_notify.language import accepted_language, profile_language, speech
from plein_notify.sentences import digest_subject, kind_label, summary, withdrawn

PACKAGE = Path(plein_notify.__file__).parent
KEYWORDS = {"gettext": None, "ngettext": (1, 2), "N_": None, "NP_": (1, 2)}
DUTCH, ENGLISH = speech("nl"), speech("en")


def _messages() -> set[str]:
    found = set()
    for _, _, message, _, _ in extract_from_dir(PACKAGE, [("**.py", "python")], keywords=KEYWORDS):
        found.add(message[0] if isinstance(message, tuple) else message)
    return {m for m in found if m}


def test_every_notify_sentence_has_a_dutch_translation() -> None:
    with (PACKAGE / "locale" / "nl" / "LC_MESSAGES" / "messages.po").open("rb") as f:
        catalog = read_po(f)
    translated = {
        (m.id[0] if isinstance(m.id, tuple) else m.id)
        for m in catalog
        if m.id and (all(m.string) if isinstance(m.string, tuple) else m.string)
    }
    assert len(_messages()) > 40
    assert _messages() - translated == set()


def test_a_dutch_sentence_agrees_with_how_many_people_did_it() -> None:
    one = summary(Kind.REPLY, ["Ann"], 1, post_kind="question", speak=DUTCH)
    many = summary(Kind.REPLY, ["Ann", "Bob", "Cas"], 5, post_kind="question", speak=DUTCH)
    assert one == "Ann reageerde op je vraag"
    assert many == "Ann, Bob en 3 anderen reageerden op je vraag"


def test_english_is_the_message_ids_and_dutch_is_not() -> None:
    for kind in Kind:
        english = summary(kind, ["Ann"], 1, group_name="Sales", waited_hours=24, speak=ENGLISH)
        default = summary(kind, ["Ann"], 1, group_name="Sales", waited_hours=24)
        dutch = summary(kind, ["Ann"], 1, group_name="Sales", waited_hours=24, speak=DUTCH)
        assert english == default
        assert dutch != english, kind
        assert kind_label(kind, DUTCH) != kind_label(kind, ENGLISH)


def test_every_e_mail_subject_is_wholly_in_its_readers_language() -> None:
    """The walk of e-mail subjects (an immediate e-mail's subject is its line; a digest has its
    own): every kind, in every form it takes, in Dutch and in English, holds no sentence of the
    other language (a word one language uses and the other never does)."""
    with (PACKAGE / "locale" / "nl" / "LC_MESSAGES" / "messages.po").open("rb") as f:
        catalog = read_po(f)
    english_words: set[str] = set()
    dutch_words: set[str] = set()
    for m in catalog:
        for english in m.id if isinstance(m.id, tuple) else (m.id,):
            english_words.update(_words(english))
        for dutch in m.string if isinstance(m.string, tuple) else (m.string,):
            dutch_words.update(_words(dutch))
    # A word of one language's sentences that the other language's never use.
    english_only, dutch_only = english_words - dutch_words, dutch_words - english_words

    subjects: dict[str, list[str]] = {"nl": [], "en": []}
    for language, speak in (("nl", DUTCH), ("en", ENGLISH)):
        for kind in Kind:
            for post_kind in (None, "question", "announcement"):
                for group, hidden in ((None, False), ("Sales", False), ("Geheim", True)):
                    for shared_file in (False, True):
                        for many in (1, 5):
                            subjects[language].append(
                                summary(
                                    kind,
                                    ["Ann", "Bob"][:many],
                                    many,
                                    post_kind=post_kind,
                                    group_name=group,
                                    private_hidden=hidden,
                                    waited_hours=24,
                                    shared_file=shared_file,
                                    speak=speak,
                                )
                            )
        for frequency in DigestFrequency:
            subjects[language] += [digest_subject(frequency, n, speak) for n in (1, 3)]
    wrong = [
        (language, subject, word)
        for language, foreign in (("nl", english_only), ("en", dutch_only))
        for subject in subjects[language]
        for word in _words(subject)
        if word in foreign
    ]
    assert len(subjects["nl"]) > 100 and wrong == []


def _words(text: str) -> list[str]:
    """The lower-case words of a sentence, placeholders left out."""
    return [w for w in re.findall(r"[a-zà-ÿ]+", re.sub(r"%\(\w+\)[sd]", " ", text.lower()))]


def test_a_private_group_stays_unnamed_in_dutch_too() -> None:
    text = summary(Kind.MENTION, ["Ann"], 1, group_name="Geheim", private_hidden=True, speak=DUTCH)
    assert text == "Ann noemde je in een besloten groep"
    assert withdrawn(DUTCH) == "Een gesprek in een groep die je niet meer kunt zien"


def test_numbers_and_moments_are_written_as_each_language_writes_them() -> None:
    escalation = summary(Kind.ESCALATION, [], 0, group_name="Sales", waited_hours=24.5, speak=DUTCH)
    assert escalation == "Een bericht in Sales heeft al 24,5 werkuren geen reactie"
    at = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)  # 10:00 in Amsterdam
    assert DUTCH.moment(at) == "25 november 2026 om 10:00"
    assert ENGLISH.moment(at).startswith("November 25, 2026, 10:00")  # then AM, as CLDR has it
    assert (
        digest_subject(DigestFrequency.DAILY, 3, DUTCH) == "Je dagelijkse Plein-overzicht: 3 nieuw"
    )


def test_the_language_is_the_profiles_first_spoken_else_none() -> None:
    assert profile_language(["fr", "nl-BE", "en"]) == "nl"
    assert profile_language(["de"]) is None
    assert profile_language([]) is None
    assert speech(None).language == "en"
    assert speech("fr").language == "en"


def test_a_client_may_ask_for_the_language_of_its_pages() -> None:
    assert accepted_language("de-DE, nl;q=0.8, en;q=0.5") == "nl"
    assert accepted_language("fr") is None
    assert accepted_language(None) is None


def test_a_mention_or_reply_that_carried_files_says_it_shared_a_file() -> None:
    assert summary(Kind.MENTION, ["Ann"], 1, shared_file=True) == (
        "Ann shared a file and mentioned you"
    )
    assert summary(Kind.REPLY, ["Ann"], 1, post_kind="post", shared_file=True, speak=DUTCH) == (
        "Ann deelde een bestand in een reactie op je bericht"
    )
    # A reader who may not see where it happened learns nothing of files either.
    hidden = summary(Kind.MENTION, ["Ann"], 1, private_hidden=True, shared_file=True)
    assert hidden == "Ann mentioned you in a private group"
