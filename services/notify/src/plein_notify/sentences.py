"""How a notification reads, in the recipient's language: the one line an inbox entry, the live
stream and an e-mail show, and the words e-mails are made of. Pure: the words come from a
`Speaker` (plein_notify.language gives one per language from the gettext catalogues; `ENGLISH`
speaks the message ids), so this module is tested without catalogues or servers.

Each message is a whole sentence with named placeholders, so a translation may order the words
as its language wants ("Ann reageerde op je vraag")."""

from __future__ import annotations

from typing import Protocol

from .domain import DigestFrequency, Kind


class Speaker(Protocol):
    """A language: its words for a message id, with `%(name)s` placeholders filled in."""

    def gettext(self, message: str, **variables: object) -> str: ...

    def ngettext(self, singular: str, plural: str, n: int, **variables: object) -> str: ...

    def number(self, value: float) -> str: ...


class _English:
    """The message ids as they are: English, the language they are written in."""

    def gettext(self, message: str, **variables: object) -> str:
        return message % variables if variables else message

    def ngettext(self, singular: str, plural: str, n: int, **variables: object) -> str:
        return (singular if n == 1 else plural) % {"num": n, **variables}

    def number(self, value: float) -> str:
        return f"{value:g}"


ENGLISH: Speaker = _English()


def N_(message: str) -> str:
    """Marks a message for the catalogue that is translated later, from data."""
    return message


def NP_(singular: str, plural: str) -> tuple[str, str]:
    """Marks a message whose words depend on a number (how many people did it: Dutch says
    "Ann reageerde", "Ann en Bob reageerden"), translated later, from data."""
    return singular, plural


# What an entry shows once its recipient may no longer see where it happened. The entry stays
# (as an e-mail already sent does); its names, excerpt and links are withdrawn.
WITHDRAWN = N_("A conversation in a group you can no longer see")


def withdrawn(speak: Speaker = ENGLISH) -> str:
    return speak.gettext(WITHDRAWN)


def actor_phrase(names: list[str], total: int, speak: Speaker = ENGLISH) -> str:
    """'Ann', 'Ann and Bob', 'Ann, Bob and Cas', 'Ann, Bob and 3 others'."""
    names = names[:total]
    if total <= 0 or not names:
        return speak.gettext("Someone")
    if total == 1:
        return names[0]
    if total == 2 and len(names) >= 2:
        return speak.gettext("%(first)s and %(second)s", first=names[0], second=names[1])
    if total == 3 and len(names) >= 3:
        return speak.gettext(
            "%(first)s, %(second)s and %(third)s", first=names[0], second=names[1], third=names[2]
        )
    shown = ", ".join(names[:2])
    others = total - len(names[:2])
    return speak.ngettext(
        "%(names)s and %(num)d other", "%(names)s and %(num)d others", others, names=shown
    )


# (kind, what it is about): the sentence, `%(actors)s` the people who did it.
_ABOUT_A_POST: dict[tuple[Kind, bool, bool], tuple[str, str]] = {
    # (kind, a question, their own): ...
    (Kind.REPLY, True, True): NP_(
        "%(actors)s replied to your question", "%(actors)s replied to your question"
    ),
    (Kind.REPLY, False, True): NP_(
        "%(actors)s replied to your post", "%(actors)s replied to your post"
    ),
    (Kind.REPLY, True, False): NP_(
        "%(actors)s replied to a question you follow", "%(actors)s replied to a question you follow"
    ),
    (Kind.REPLY, False, False): NP_(
        "%(actors)s replied to a post you follow", "%(actors)s replied to a post you follow"
    ),
    (Kind.REACTION, True, True): NP_(
        "%(actors)s reacted to your question", "%(actors)s reacted to your question"
    ),
    (Kind.REACTION, False, True): NP_(
        "%(actors)s reacted to your post", "%(actors)s reacted to your post"
    ),
    (Kind.REACTION, True, False): NP_(
        "%(actors)s reacted to a question you follow", "%(actors)s reacted to a question you follow"
    ),
    (Kind.REACTION, False, False): NP_(
        "%(actors)s reacted to a post you follow", "%(actors)s reacted to a post you follow"
    ),
}
_PLAIN: dict[Kind, tuple[str, str]] = {
    Kind.MENTION: NP_("%(actors)s mentioned you", "%(actors)s mentioned you"),
    Kind.FOLLOWER: NP_("%(actors)s started following you", "%(actors)s started following you"),
    Kind.ANNOUNCEMENT: NP_(
        "%(actors)s posted an announcement", "%(actors)s posted an announcement"
    ),
    Kind.PRAISE: NP_("%(actors)s praised you", "%(actors)s praised you"),
    Kind.ANSWER_ACCEPTED: NP_("%(actors)s accepted your answer", "%(actors)s accepted your answer"),
    Kind.REPORT: NP_("%(actors)s reported a post", "%(actors)s reported a post"),
}
# The same, when what they wrote carried files (every one of them, when several are folded).
_SHARED_MENTION = NP_(
    "%(actors)s shared a file and mentioned you", "%(actors)s shared files and mentioned you"
)
_SHARED_REPLY: dict[tuple[bool, bool], tuple[str, str]] = {
    # (a question, their own): ...
    (True, True): NP_(
        "%(actors)s shared a file in reply to your question",
        "%(actors)s shared files in reply to your question",
    ),
    (False, True): NP_(
        "%(actors)s shared a file in reply to your post",
        "%(actors)s shared files in reply to your post",
    ),
    (True, False): NP_(
        "%(actors)s shared a file in reply to a question you follow",
        "%(actors)s shared files in reply to a question you follow",
    ),
    (False, False): NP_(
        "%(actors)s shared a file in reply to a post you follow",
        "%(actors)s shared files in reply to a post you follow",
    ),
}
_JOIN_NAMED = NP_("%(actors)s asked to join %(group)s", "%(actors)s asked to join %(group)s")
_JOIN = NP_("%(actors)s asked to join a group", "%(actors)s asked to join a group")
_MENTIONED_PRIVATELY = NP_(
    "%(actors)s mentioned you in a private group", "%(actors)s mentioned you in a private group"
)
# (a question, the group named, the hours known)
_ESCALATIONS: dict[tuple[bool, bool, bool], str] = {
    (True, True, True): N_("A question in %(group)s has had no reply for %(hours)s working hours"),
    (False, True, True): N_("A post in %(group)s has had no reply for %(hours)s working hours"),
    (True, False, True): N_("A question has had no reply for %(hours)s working hours"),
    (False, False, True): N_("A post has had no reply for %(hours)s working hours"),
    (True, True, False): N_("A question in %(group)s has had no reply"),
    (False, True, False): N_("A post in %(group)s has had no reply"),
    (True, False, False): N_("A question has had no reply"),
    (False, False, False): N_("A post has had no reply"),
}


def summary(
    kind: Kind,
    actor_names: list[str],
    actor_count: int,
    *,
    post_kind: str | None = None,
    own_post: bool = True,
    group_name: str | None = None,
    private_hidden: bool = False,
    waited_hours: float | None = None,
    shared_file: bool = False,
    speak: Speaker = ENGLISH,
) -> str:
    """The one line an inbox entry or an e-mail shows, e.g. 'Ann, Bob and 3 others replied to
    your question'. `private_hidden`: the reader may not see where it happened; `shared_file`:
    what they wrote carried files ('Ann shared a file in reply to your post')."""
    question = post_kind == "question"
    named = bool(group_name) and not private_hidden
    if kind is Kind.ESCALATION:
        message = _ESCALATIONS[question, named, bool(waited_hours)]
        hours = speak.number(waited_hours) if waited_hours else ""
        return speak.gettext(message, group=group_name or "", hours=hours)
    if kind is Kind.ANNOUNCEMENT_GUIDELINE:
        if group_name:
            return speak.gettext(
                "%(group)s had more than the suggested announcements this week; "
                "people read announcements best when they are rare",
                group=group_name,
            )
        return speak.gettext(
            "Your group had more than the suggested announcements this week; "
            "people read announcements best when they are rare"
        )
    actors = actor_phrase(actor_names, actor_count, speak)
    many = max(actor_count, 1)  # the verb agrees with how many did it
    if kind is Kind.MEMBERSHIP_REQUEST:
        singular, plural = _JOIN_NAMED if named else _JOIN
        return speak.ngettext(singular, plural, many, actors=actors, group=group_name or "")
    if kind is Kind.MENTION and private_hidden:
        singular, plural = _MENTIONED_PRIVATELY
        return speak.ngettext(singular, plural, many, actors=actors)
    if shared_file and kind is Kind.MENTION:
        singular, plural = _SHARED_MENTION
        return speak.ngettext(singular, plural, many, actors=actors)
    if shared_file and kind is Kind.REPLY:
        singular, plural = _SHARED_REPLY[question, own_post]
        return speak.ngettext(singular, plural, many, actors=actors)
    singular, plural = _ABOUT_A_POST.get((kind, question, own_post)) or _PLAIN[kind]
    return speak.ngettext(singular, plural, many, actors=actors)


# -- e-mail --------------------------------------------------------------------------------

# What e-mail about a kind is called ("Stop e-mails about mentions").
KIND_LABELS: dict[Kind, str] = {
    Kind.MENTION: N_("mentions"),
    Kind.REPLY: N_("replies"),
    Kind.REACTION: N_("reactions"),
    Kind.FOLLOWER: N_("new followers"),
    Kind.ANNOUNCEMENT: N_("announcements"),
    Kind.PRAISE: N_("praise"),
    Kind.ANSWER_ACCEPTED: N_("accepted answers"),
    Kind.MEMBERSHIP_REQUEST: N_("membership requests"),
    Kind.REPORT: N_("reported posts"),
    Kind.ESCALATION: N_("unanswered posts"),
    Kind.ANNOUNCEMENT_GUIDELINE: N_("announcement guideline notices"),
}


def kind_label(kind: Kind, speak: Speaker = ENGLISH) -> str:
    return speak.gettext(KIND_LABELS[kind])


def digest_subject(frequency: DigestFrequency, lines: int, speak: Speaker = ENGLISH) -> str:
    if frequency is DigestFrequency.WEEKLY:
        return speak.ngettext(
            "Your weekly Plein digest: %(num)d new", "Your weekly Plein digest: %(num)d new", lines
        )
    return speak.ngettext(
        "Your daily Plein digest: %(num)d new", "Your daily Plein digest: %(num)d new", lines
    )


def digest_intro(frequency: DigestFrequency, speak: Speaker = ENGLISH) -> str:
    if frequency is DigestFrequency.WEEKLY:
        return speak.gettext("What happened since your last weekly digest:")
    return speak.gettext("What happened since your last daily digest:")
