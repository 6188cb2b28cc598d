"""How the pages read files, without servers: which attachments a page names, sizes and
lengths as people read them, and why an upload was refused, in Dutch and English."""

from __future__ import annotations

from uuid import uuid4

from plein_web.compose import Draft, start_request
from plein_web.files import attachment_ids, duration_label, refusal, size_label, type_label
from plein_web.gateway import ApiProblem
from plein_web.i18n import current_language


def test_a_page_asks_once_for_every_file_of_its_entries_posts_and_nested_replies() -> None:
    thread = {
        "attachments": ["a", "b"],
        "replies": [{"attachments": ["c"], "replies": [{"attachments": ["a", "d"]}]}],
    }
    assert attachment_ids([thread, {"attachments": ["e"]}, {"text": "no files"}]) == [
        "a",
        "b",
        "c",
        "d",
        "e",
    ]


def test_sizes_and_lengths_read_as_people_say_them() -> None:
    assert [size_label(n) for n in (980, 12_400, 3_400_000, 1_200_000_000)] == [
        "980 B",
        "12 kB",
        "3.4 MB",
        "1.2 GB",
    ]
    assert duration_label(83.4) == "1:23" and duration_label(3725) == "1:02:05"
    assert duration_label(None) == "" and size_label(None) == ""


def test_a_refusal_says_why_in_the_persons_language() -> None:
    token = current_language.set("nl")
    try:
        assert "soort bestand" in refusal(ApiProblem(415, {"title": "Unsupported file type"}))
        assert "beschadigd" in refusal(ApiProblem(422, {"title": "Corrupt file"}))
        assert "te groot" in refusal(ApiProblem(413, {"title": "File too large"}))
        assert "ruimte" in refusal(ApiProblem(413, {"title": "Storage quota exceeded"}))
        assert type_label({"kind": "document", "name": "plan.docx"}) == "Document (DOCX)"
    finally:
        current_language.reset(token)
    assert refusal(ApiProblem(415, {})).startswith("Plein does not take this type of file")


def test_files_uploaded_by_the_script_go_with_a_post_or_question_in_order() -> None:
    first, second = uuid4(), uuid4()
    draft = Draft(text="", target="", kind=["question"], attachments=[first, second])
    path, body = start_request(draft, "Europe/Amsterdam")
    assert path == "/posts/posts" and body["kind"] == "question"
    assert body["attachments"] == [str(first), str(second)] and body["text"] == ""
    _, plain = start_request(Draft(text="Hallo"), "Europe/Amsterdam")
    assert "attachments" not in plain
