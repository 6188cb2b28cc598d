"""The written definition of every KPI: shown in the OpenAPI descriptions, copied in
docs/metrics.md (a test keeps the two identical)."""

from __future__ import annotations

COMMON = (
    "A period is FROM..TO in UTC calendar days, both included. A scope is `org`, "
    "`department:<name>` or `group:<group id>`. The population is every person registered "
    "before the period ends and active (not deactivated) at some moment of it: in a department "
    "scope those of that department (as last known), in a group scope the group's current "
    "members and admins. Activity counts when it falls in the period and is by the population; "
    "activity in a private group counts only when its author is a current member or admin of "
    "that group; in a group scope only the group's own activity counts (a read counts for the "
    "group of the post read). A department or group of fewer than k people (default 5) is "
    "refused with 422, and every breakdown cell describing fewer than k people is suppressed."
)

DEFINITIONS: dict[str, str] = {
    "population": "Number of people in the population (see above).",
    "funnel": (
        "Share of the population who read (had at least one post on screen: PostsSeen), who "
        "responded (at least one reply, or a first reaction to a post or reply; changing a "
        "reaction is not a new response), and who created (started a thread: a post, question, "
        "announcement, praise or poll), each against its target (defaults 55% / 40% / 5%) with "
        "gap = share - target. The department breakdown gives the same shares per department."
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
        "that first reply (threads replied to before the period ends). Of the questions: the "
        "share with an accepted answer before the period ends, and the open unanswered ones "
        "(no reply by another person and no accepted answer when the period ends). Escalations: "
        "those raised in the period about a thread (started at any time) by the population, "
        "and how many of them were resolved before the period ends."
    ),
    "leadership": (
        "Managers are people of the population whose profile says is_manager. Visible share: "
        "managers who started a thread or replied in the period, over all managers. Reply rate: "
        "of the replies other people wrote in the period in threads started by a manager, the "
        "share to which that manager replied (a reply whose parent is that reply) before the "
        "period ends."
    ),
    "cross_department": (
        "Responses (replies and first reactions) of the population to a person, where both "
        "have a department: share whose two departments differ, and the department x "
        "department matrix of counts (from the responder's department to the recipient's). A "
        "cell with fewer than k distinct responders or fewer than k distinct recipients is "
        "suppressed."
    ),
    "ambassadors": (
        "The top N (default 10) of the population by weighted score: 3 per thread started, "
        "2 per reply, 1 per first reaction, 5 per accepted answer in the period (weights "
        "configurable); ties by id. Erased people are never listed."
    ),
    "announcements": (
        "Announcements started in the period per group, divided by the period's length in "
        "weeks (days / 7), against the guideline of 2 per week; private groups are listed only "
        "to their members and admins."
    ),
    "activity": (
        "A person is active on a day when they read, responded or created that day. DAU: mean "
        "over the period's days of the people active that day. WAU and MAU: people active in "
        "the last 7 and 30 days of the period (looking before its start when it is shorter). "
        "Stickiness: DAU / MAU. Retention cohorts: people of the population registered in the "
        "period, grouped by the week (Monday, UTC) of their registration; for each week from "
        "then to the period's end, the share of the cohort active that week (a cohort of fewer "
        "than k people is suppressed)."
    ),
}


def described(*names: str) -> str:
    return "\n\n".join([COMMON, *(f"**{n}**: {DEFINITIONS[n]}" for n in names)])
