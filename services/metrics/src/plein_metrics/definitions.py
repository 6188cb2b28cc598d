"""The written definition of every KPI: shown in the OpenAPI descriptions, copied in
docs/metrics.md (a test keeps the two identical)."""

from __future__ import annotations

COMMON = (
    "A period is FROM..TO in UTC calendar days, both included, between 1971-01-01 and "
    "9998-12-31 and at most 3660 days long. A scope is `org`, `department:<name>` or "
    "`group:<group id>`. A period's "
    "numbers use what was true at the time of each activity (departments, manager flags, "
    "group memberships, from identity's events), so that nothing that happens after a period "
    "changes its numbers. The population is every person registered before the period ends "
    "and active (not deactivated) at some moment of it: in a department scope those who "
    "belonged to that department at some moment of the period, in a group scope those who "
    "were the group's members or admins at some moment of it. Activity counts when it falls in "
    "the period and is by the population; in a department scope only while its author belonged "
    "to the department; activity in a private group counts only when its author was a member "
    "or admin of that group at the time; in a group scope only the group's own activity by its "
    "members and admins of that moment counts (a read counts for the group of the post read). "
    "A department or group of fewer than k people (default 5) is refused with 422, every "
    "breakdown cell describing fewer than k people is suppressed, and more cells are "
    "suppressed where a hidden one could be worked out from the totals shown (complementary "
    "suppression: in every row, column, diagonal and table whose total can be read, the "
    "hidden cells are none or at least two that together describe at least k people)."
)

DEFINITIONS: dict[str, str] = {
    "population": "Number of people in the population (see above).",
    "funnel": (
        "Share of the population who read (had at least one post on screen: PostsSeen of a "
        "post that existed then and that they could see then), who responded (at least one "
        "reply, or a first reaction to a post or reply; changing a reaction, or taking it back "
        "and reacting again, is not a new response: a person's first reaction to a target "
        "counts once, ever), and who created (started a thread: a post, question, "
        "announcement, praise or poll), each against its target (defaults 55% / 40% / 5%) "
        "with gap = share - target. The department breakdown gives the same shares per "
        "department, over the activity of the time its people belonged to it."
    ),
    "groups": (
        "The funnel of each group the viewer may see: its members and admins of the period, "
        "over the group's own activity while they were in it; a group of fewer than k of them "
        "is suppressed."
    ),
    "inequality": (
        "Contributions are threads started plus responses, per person of the population (zero "
        "for those who contributed nothing). Top 1% share and top 10% share: the share of all "
        "contributions made by the ceil(1% x population) and ceil(10% x population) biggest "
        "contributors. Gini: 2 x sum(i x c_i) / (n x sum c) - (n + 1) / n over contributions "
        "sorted ascending, i from 1."
    ),
    "responsiveness": (
        "Over posts and questions started in the period by the population: the share with a "
        "first reply by someone other than the author within 24 hours, and the median hours to "
        "that first reply (threads replied to before the period ends; hours to two decimals, "
        "also written in minutes, hours or days). Response rate: the share of them that got a "
        "reply or a reaction from someone other than the author before the period ends, and "
        "the median time to that first response. Of the questions: the share with an accepted "
        "answer before the period ends (from the history of acceptances: a best answer "
        "switched later leaves the earlier period as it was), and the open unanswered ones "
        "(no reply by another person and no accepted answer when the period ends). "
        "Escalations: those raised in the period about a thread (started at any time) by the "
        "population, and how many of them were resolved before the period ends."
    ),
    "leadership": (
        "Managers are people of the population whose profile said is_manager at some moment of "
        "the period. Visible share: managers who started a thread or replied in the period, "
        "over all managers. Reply rate: of the replies other people wrote in the period in "
        "threads started by a manager, the share to which that manager replied (a reply whose "
        "parent is that reply) before the period ends."
    ),
    "cross_department": (
        "Responses (replies and first reactions) of the population to a person, where both "
        "had a department at the time: share whose two departments differ, and the department "
        "x department matrix of counts (from the responder's department to the recipient's). "
        "A cell with fewer than k distinct responders or fewer than k distinct recipients is "
        "suppressed, and complementary cells with it. A department scope shows its row of the "
        "organisation's matrix, suppressed as there."
    ),
    "ambassadors": (
        "The top N (default 10, `ambassadors=N` per request) of the population by weighted "
        "score: 3 per thread started, 2 per reply, 1 per first reaction, 5 per answer of "
        "theirs accepted in the period (a reply counts once, when first accepted; weights "
        "configurable); ties by id; with their name and their department at the period's end, "
        "for metrics' viewers only. Erased people are never listed."
    ),
    "personas": (
        "Each person of the population gets one persona for the period, the first that fits: "
        "catalyst (started a thread that someone else replied to before the period ends), "
        "responder (replied to someone else), engager (reacted, or started a thread nobody "
        "replied to), observer (only read), inactive (none of these). The distribution gives "
        "the people and share of each; per department the shares, with the departments' "
        "suppression."
    ),
    "announcements": (
        "Announcements started in the period per group, divided by the period's length in "
        "weeks (days / 7; no weekly rate for a period shorter than a week), against the "
        "guideline of 2 per week: over the guideline when there are more than 2 x max(weeks, 1) "
        "in the period; private groups are listed only to their members and admins."
    ),
    "activity": (
        "A person is active on a day when they read, responded or created that day. DAU: mean "
        "over the period's days of the people active that day. WAU and MAU: people active in "
        "the last 7 and 30 days of the period (looking before its start when it is shorter). "
        "Stickiness: DAU / MAU. Engaged people: active on at least 10 of the last 28 days of "
        "the period, and their share of the population. Community health: MAU / the people "
        "active at least once in the last 12 months (365 days) of the period. Retention "
        "cohorts: people of the population registered in the period, grouped by the week "
        "(Monday, UTC) of their registration; for each week from then to the period's end, the "
        "share of the cohort active that week (a cohort of fewer than k people is suppressed)."
    ),
    "compare": (
        "Baseline vs follow-up: both reports side by side, the follow-up minus the baseline "
        "for each headline, and per department and per group the population and funnel shares "
        "of both periods with their deltas (a department or group suppressed in either period "
        "shows no numbers). baseline and followup are FROM/TO (ISO dates, both included)."
    ),
    "receipts": (
        "Read receipts of a thread (an announcement, or any post): its audience is the "
        "group's members and admins when it was posted (everyone for a post outside groups), "
        "registered and active then, its author left out. Seen: those of the audience who had "
        "it on screen or responded to it; acknowledged: those who acknowledged it; reach = "
        "seen / audience; engagement = interacted (replied or reacted) / seen. Shown to its "
        "author, its group's admins and community managers only (a private group's only to "
        "its members)."
    ),
}


def described(*names: str) -> str:
    return "\n\n".join([COMMON, *(f"**{n}**: {DEFINITIONS[n]}" for n in names)])
