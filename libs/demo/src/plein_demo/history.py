"""Twelve weeks in the life of the demo company, planned: who starts, answers, reacts, votes,
reads and acknowledges what, and when. Pure (no I/O), the same plan for the same first day
(a fixed random seed); history_seed.py carries it out through the services.

Its shape, so that metrics has something true to find:
- a few catalysts start threads every week that others answer; many people only read;
- Noah (Sales) answers his team's questions within hours and they accept his answer; Quinten
  (Finance) never answers: half of Finance's questions get a colleague's guess two days later
  (no best answer), the other half nobody's, and Rosa escalates those;
- Klantenservice only reads until its town hall in week 7 (day 42), then takes part;
- announcements every other week with acknowledgements, a poll every four weeks, praise
  every week, reactions throughout;
- everyone who writes in a week also reads that week (the funnel is nested).
Baseline = the first four weeks, follow-up = the last four.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from . import texts
from .organisation import (
    ANSWERING_MANAGER,
    BY_HANDLE,
    DEPARTMENTS,
    EVERYONE,
    INTERVENTION_DEPARTMENT,
    SEED,
    SILENT_MANAGER,
    Persona,
    after_intervention,
    personas,
)

WEEKS = 12
DAYS = WEEKS * 7
INTERVENTION_DAY = 42  # the first day of week 7
ALL_COMPANY = "*"  # the all-company group, whatever identity calls it
REACTIONS = ("like", "love", "celebrate", "thanks", "insightful", "funny")
GROUP_OWNERS = {"Finance": "rosa"}  # default: the department's head


@dataclass(frozen=True)
class Start:
    """A thread: a post, question, announcement, poll or praise."""

    key: int
    at: datetime
    author: str
    group: str | None  # a department (its group), ALL_COMPANY, or None (praise: company-wide)
    kind: str
    text: str
    title: str | None = None
    options: tuple[str, ...] = ()
    praised: tuple[str, ...] = ()
    badge: str | None = None


@dataclass(frozen=True)
class Reply:
    key: int
    at: datetime
    author: str
    thread: int
    text: str
    parent: int | None = None  # the key of the reply it answers


@dataclass(frozen=True)
class Act:
    """A one-line act on a thread: react, accept (a reply key in `value`), vote (an option),
    acknowledge, escalate."""

    at: datetime
    who: str
    thread: int
    kind: str  # reaction | accept | vote | acknowledge | escalate
    value: str | int | None = None


@dataclass(frozen=True)
class Read:
    at: datetime
    who: str
    threads: tuple[int, ...]


@dataclass
class History:
    first_day: date
    starts: list[Start] = field(default_factory=list)
    replies: list[Reply] = field(default_factory=list)
    acts: list[Act] = field(default_factory=list)
    reads: list[Read] = field(default_factory=list)

    @property
    def last_day(self) -> date:
        return self.first_day + timedelta(days=DAYS - 1)

    def acts_of(self, kind: str) -> list[Act]:
        return [a for a in self.acts if a.kind == kind]


def group_owner(department: str) -> str:
    if department in GROUP_OWNERS:
        return GROUP_OWNERS[department]
    return next(p.handle for p in EVERYONE if p.department == department and p.manager is None)


def plan(first_day: date) -> History:
    """The twelve weeks from `first_day` (day 0) to `first_day + 83`."""
    return _Planner(first_day).run()


class _Planner:
    def __init__(self, first_day: date) -> None:
        self.rng = random.Random(SEED)
        self.history = History(first_day)
        self.end = datetime.combine(first_day + timedelta(days=DAYS), time(0), UTC)
        self.base = personas()
        self.changed = after_intervention()
        self.members = {d: [p.handle for p in EVERYONE if p.department == d] for d in DEPARTMENTS}
        self.wrote: dict[int, set[str]] = {}  # week -> who wrote (they read that week too)

    # -- helpers --------------------------------------------------------------------------

    def moment(self, day: int, hour: int | None = None) -> datetime:
        hour = self.rng.randint(8, 17) if hour is None else hour
        start = datetime.combine(self.history.first_day + timedelta(days=day), time(hour), UTC)
        return start + timedelta(minutes=self.rng.randint(0, 59))

    def later(self, at: datetime, low_h: float, high_h: float) -> datetime | None:
        """A moment `low_h`..`high_h` hours after `at`; None once history has ended."""
        then = at + timedelta(minutes=self.rng.randint(int(low_h * 60), int(high_h * 60)))
        return then if then < self.end else None

    def persona(self, handle: str, week: int) -> Persona:
        if week * 7 >= INTERVENTION_DAY and handle in self.changed:
            return self.changed[handle]
        return self.base[handle]

    def audience(self, group: str | None) -> list[str]:
        """Who may answer and react in `group` (members; everyone in the all-company group)."""
        if group in self.members:
            return self.members[group]
        return [p.handle for p in EVERYONE]

    def start(self, week: int, **fields: object) -> Start:
        thread = Start(key=len(self.history.starts), **fields)  # type: ignore[arg-type]
        self.history.starts.append(thread)
        self.wrote.setdefault(week, set()).add(thread.author)
        return thread

    def reply(
        self,
        week: int,
        thread: Start,
        author: str,
        at: datetime | None,
        text: str,
        parent: int | None = None,
    ) -> Reply | None:
        if at is None:
            return None
        reply = Reply(len(self.history.replies), at, author, thread.key, text, parent)
        self.history.replies.append(reply)
        self.wrote.setdefault(min(week + (at - thread.at).days // 7, WEEKS - 1), set()).add(author)
        return reply

    # -- the weeks ------------------------------------------------------------------------

    def run(self) -> History:
        for week in range(WEEKS):
            week_threads = self.conversations(week)
            self.questions(week)
            self.company(week)
            self.responses(week, week_threads)
            self.reading(week)
        return self.history

    def conversations(self, week: int) -> list[Start]:
        """This week's posts by catalysts (two each), responders and engagers (now and then)."""
        threads = []
        for person in EVERYONE:
            persona = self.persona(person.handle, week)
            count = {
                Persona.CATALYST: 2,
                Persona.RESPONDER: int(self.rng.random() < 0.3),
                Persona.ENGAGER: int(self.rng.random() < 0.15),
            }.get(persona, 0)
            if person.handle == "sara" and week * 7 >= INTERVENTION_DAY:
                count = 1
            for _ in range(count):
                in_department = self.rng.random() < 0.65
                group = person.department if in_department else ALL_COMPANY
                pool = texts.POSTS[person.department] if in_department else texts.EVERYONE_POSTS
                thread = self.start(
                    week,
                    at=self.moment(week * 7 + self.rng.randint(0, 4)),
                    author=person.handle,
                    group=group,
                    kind="post",
                    text=self.rng.choice(pool),
                )
                # an engager's posts stay unanswered (they react; nobody answers them)
                if persona != Persona.ENGAGER:
                    threads.append(thread)
        return threads

    def questions(self, week: int) -> None:
        day = week * 7 + self.rng.randint(0, 3)
        for department, answerer in (("Sales", ANSWERING_MANAGER), ("Engineering", "eva")):
            asker = self.rng.choice([h for h in self.members[department] if h != answerer])
            thread = self.start(
                week,
                at=self.moment(day),
                author=asker,
                group=department,
                kind="question",
                text=self.rng.choice(texts.QUESTIONS[department]),
            )
            answer = self.reply(
                week, thread, answerer, self.later(thread.at, 0.5, 3), texts.ANSWERS[answerer]
            )
            if answer is not None:
                accepted = self.later(answer.at, 0.5, 4)
                if accepted is not None:
                    self.history.acts.append(Act(accepted, asker, thread.key, "accept", answer.key))
        # Finance: Quinten reads and never answers.
        asker = self.rng.choice(
            [h for h in self.members["Finance"] if h not in (SILENT_MANAGER, "rosa")]
        )
        thread = self.start(
            week,
            at=self.moment(day, hour=10),
            author=asker,
            group="Finance",
            kind="question",
            text=self.rng.choice(texts.QUESTIONS["Finance"]),
        )
        if week % 2 == 0:
            self.reply(week, thread, "rosa", self.later(thread.at, 48, 50), texts.ANSWERS["rosa"])
        else:
            raised = self.later(thread.at, 50, 52)
            if raised is not None:
                self.history.acts.append(
                    Act(raised, group_owner("Finance"), thread.key, "escalate")
                )
        if week * 7 >= INTERVENTION_DAY:
            members = [h for h in self.members[INTERVENTION_DEPARTMENT] if h != "sara"]
            thread = self.start(
                week,
                at=self.moment(day + 1),
                author=self.rng.choice(members),
                group=INTERVENTION_DEPARTMENT,
                kind="question",
                text=self.rng.choice(texts.QUESTIONS[INTERVENTION_DEPARTMENT]),
            )
            answer = self.reply(
                week, thread, "sara", self.later(thread.at, 1, 6), texts.ANSWERS["sara"]
            )
            if answer is not None and (accepted := self.later(answer.at, 1, 8)) is not None:
                self.history.acts.append(
                    Act(accepted, thread.author, thread.key, "accept", answer.key)
                )

    def company(self, week: int) -> None:
        """Announcements (every other week, and the town hall), polls, praise."""
        people = [p.handle for p in EVERYONE]
        if week % 2 == 0:
            title, text = texts.ANNOUNCEMENTS[week // 2 % len(texts.ANNOUNCEMENTS)]
            self.announce(week, "kim", ALL_COMPANY, week * 7 + 1, title, text, people)
        if week * 7 == INTERVENTION_DAY:
            title, text = texts.TOWN_HALL
            members = self.members[INTERVENTION_DEPARTMENT]
            self.announce(
                week, "sara", INTERVENTION_DEPARTMENT, INTERVENTION_DAY, title, text, members
            )
        if week % 4 == 1:
            question, options = texts.POLLS[week // 4 % len(texts.POLLS)]
            poll = self.start(
                week,
                at=self.moment(week * 7 + 1, hour=9),
                author="ilse",
                group=ALL_COMPANY,
                kind="poll",
                text=question,
                options=tuple(options),
            )
            voters = [h for h in people if self.persona(h, week) != Persona.INACTIVE]
            for who in self.rng.sample(voters, 25):
                if (at := self.later(poll.at, 1, 72)) is not None:
                    option = self.rng.randrange(len(options))
                    self.history.acts.append(Act(at, who, poll.key, "vote", option))
        givers = [
            h for h in people if self.persona(h, week) in (Persona.CATALYST, Persona.RESPONDER)
        ]
        giver = self.rng.choice(givers)
        badge, text = self.rng.choice(texts.PRAISE)
        colleagues = [h for h in self.members[BY_HANDLE[giver].department] if h != giver]
        self.start(
            week,
            at=self.moment(week * 7 + 4, hour=15),
            author=giver,
            group=None,
            kind="praise",
            text=text,
            praised=tuple(self.rng.sample(colleagues, self.rng.randint(1, 2))),
            badge=badge,
        )

    def announce(
        self,
        week: int,
        author: str,
        group: str,
        day: int,
        title: str,
        text: str,
        readers: list[str],
    ) -> None:
        thread = self.start(
            week,
            at=self.moment(day, hour=9),
            author=author,
            group=group,
            kind="announcement",
            text=text,
            title=title,
        )
        for who in readers:
            if who != author and self.persona(who, week) != Persona.INACTIVE:
                if self.rng.random() < 0.55 and (at := self.later(thread.at, 1, 96)) is not None:
                    self.history.acts.append(Act(at, who, thread.key, "acknowledge"))

    def responses(self, week: int, threads: list[Start]) -> None:
        """Replies (catalysts' threads always get some) and reactions to this week's threads."""
        for thread in threads:
            audience = [h for h in self.audience(thread.group) if h != thread.author]
            answering = [
                h
                for h in audience
                if self.persona(h, week) in (Persona.CATALYST, Persona.RESPONDER)
                and h != SILENT_MANAGER
            ]
            catalyst = self.persona(thread.author, week) == Persona.CATALYST
            count = self.rng.randint(2, 4) if catalyst else self.rng.randint(0, 2)
            previous: Reply | None = None
            for who in self.rng.sample(answering, min(count, len(answering))):
                at = self.later(thread.at, 0.5, 30)
                reply = self.reply(week, thread, who, at, self.rng.choice(texts.REPLIES))
                if reply is not None:
                    previous = reply
            if previous is not None and self.rng.random() < 0.3:  # the author answers back
                self.reply(
                    week,
                    thread,
                    thread.author,
                    self.later(previous.at, 0.5, 4),
                    "Dank je! / Thanks!",
                    parent=previous.key,
                )
            reacting = [
                h
                for h in audience
                if self.persona(h, week) in (Persona.CATALYST, Persona.RESPONDER, Persona.ENGAGER)
            ]
            for who in self.rng.sample(reacting, min(self.rng.randint(0, 4), len(reacting))):
                if (at := self.later(thread.at, 0.5, 48)) is not None:
                    reaction = self.rng.choice(REACTIONS)
                    self.history.acts.append(Act(at, who, thread.key, "reaction", reaction))
                    self.wrote.setdefault(week, set()).add(who)

    def reading(self, week: int) -> None:
        """One read report per person this week: the week's threads they saw, up to ten."""
        seen_at = self.moment(week * 7 + 6, hour=self.rng.randint(17, 20))
        visible = [
            t
            for t in self.history.starts
            if t.at < seen_at and t.at >= seen_at - timedelta(days=10)
        ]
        for person in EVERYONE:
            persona = self.persona(person.handle, week)
            wrote = person.handle in self.wrote.get(week, set())
            if persona == Persona.INACTIVE and not wrote:
                continue
            if not wrote and self.rng.random() > 0.85:
                continue
            mine = [
                t
                for t in visible
                if t.author != person.handle and t.group in (person.department, ALL_COMPANY, None)
            ]
            picked = self.rng.sample(mine, min(10, len(mine)))
            if picked:
                self.history.reads.append(
                    Read(seen_at, person.handle, tuple(t.key for t in picked))
                )
