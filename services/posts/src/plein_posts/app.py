"""Posts' use cases, on the event-sourced store."""

from __future__ import annotations

from uuid import UUID

from eventsourcing.application import AggregateNotFoundError
from plein_events.eventstore import PleinApplication
from plein_platform.errors import InvalidInput, NotFound

from .domain import MAX_TEXT_CHARS, Post, topics_in


class PostsApplication(PleinApplication):
    name = "posts"

    def create_post(self, *, author_id: UUID, real_author_id: UUID, text: str) -> Post:
        text = text.strip()
        if not text:
            raise InvalidInput("A post needs some text.")
        if len(text) > MAX_TEXT_CHARS:
            raise InvalidInput(f"A post holds at most {MAX_TEXT_CHARS} characters.")
        post = Post(
            author_id=author_id,
            real_author_id=real_author_id,
            text=text,
            group_id=None,
            group_private=False,
            kind="post",
            mentions=[],
            topics=topics_in(text),
        )
        self.save(post)
        return post

    def post(self, post_id: UUID) -> Post:
        try:
            post: Post = self.repository.get(post_id)
        except AggregateNotFoundError:
            raise NotFound(f"There is no post {post_id}.") from None
        if not isinstance(post, Post):
            raise NotFound(f"There is no post {post_id}.")
        return post
