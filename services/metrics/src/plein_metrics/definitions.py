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
        "Share of the population who read, responded and created, nested as in the 55 / 40 / 5 "
        "funnel so that create <= respond <= read: created is started a thread (a post, "
        "question, announcement, praise or poll); responded is created, or wrote at least one "
        "reply, or made a first reaction to a post or reply (changing a reaction, or taking it "
        "back and reacting again, is not a new response: a person's first reaction to a target "
        "counts once, ever); read is responded, or any read signal in the period (a post on "
        "screen: PostsSeen of a post that existed then and that they could see then, from "
        "whichever client reported it): nobody answers a post they never saw. Each against its "
        "target (defaults 55% / 40% / 5%) with gap = share - target. The department breakdown "
        "gives the same shares per department, over the activity of the time its people "
        "belonged to it."
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
        "responder (replied to someone else), engager (any other response: reacted, or started "
        "a thread nobody replied to), observer (read, by the funnel's definition, and did not "
        "respond), inactive (none of these). So catalysts + responders + engagers are the "
        "funnel's respond, observers are read - respond, and the shares add up to 100%. The "
        "distribution gives the people and share of each; per department the shares, with the "
        "departments' suppression."
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
        "Stickiness: DAU / MAU. Engaged people and community health follow one definition, "
        "SWOOP's community health index: the engaged are the people active in the last 30 days "
        "of the period (the MAU), engaged share = engaged / population, and community health = "
        "engaged / the people active at least once in the last 12 months (365 days) of the "
        "period; so engaged <= active in the last 12 months <= population. Regulars: people "
        "active on at least 10 of the last 28 days of the period. Retention "
        "cohorts: people of the population registered in the period, grouped by the week "
        "(Monday, UTC) of their registration; for each week from then to the period's end, the "
        "share of the cohort active that week (a cohort of fewer than k people is suppressed)."
    ),
    "trends": (
        "Trends by week: for each of the last N weeks (seven days, the last ending on the day "
        "asked for), the population, the funnel (people and shares, nested as above) and the "
        "engaged, the active in the last 12 months and community health at the week's end: "
        "exactly the numbers of a report of that week. In a department or group scope a week "
        "of fewer than k people shows no numbers."
    ),
    "coach": (
        "The coach: for the week ending on the day asked for, at most 8 suggestions: "
        "ask_manager (a department's questions of the last 4 weeks with no reply by another "
        "person and no accepted answer, waiting 48 hours or more: ask its manager), invite (a "
        "department where at least 50% read and at most 10% responded in the last 4 weeks), "
        "announcements (a group over the announcement guideline this week) and praise (a "
        "person who replied to 5 or more questions of others this week). Only departments "
        "shown in the department breakdown (k people or more) appear; people are named only "
        "to metrics' viewers, as ambassadors are. Each has its evidence, a link, the figure it "
        "is about and that figure's value then; a community manager marks it done or "
        "dismissed, and for each one marked done the figure's value in the week asked for is "
        "shown next to its value then."
    ),
    "mirror": (
        "The manager mirror, for a manager only about themselves: their team is the people of "
        "their department at the end of the 4 weeks ending on the day asked for. Waiting: the "
        "team's posts and questions started in those weeks, at least 48 hours before their "
        "end, to which the manager has not responded (replied or reacted); reply rate: the "
        "share of those threads they responded to; company median: the median of every "
        "manager's reply rate over their own team, given only when k managers or more have "
        "one. No other team or manager is named."
    ),
    "interventions": (
        "An intervention (a campaign, a town hall, a training) has a date and target "
        "departments. Outcome: whether a person responded (the funnel's respond) in the 28 "
        "days before the date and in the 28 days from it; the people of the population of "
        "both windows with a department at the date form the panel, the targeted departments' "
        "people are treated, the others the control. Difference in differences = (treated "
        "after - treated before) - (control after - control before), in shares of people, with "
        "a 95% bootstrap interval (people resampled within each side, 2,000 times). Verdict: "
        "too_thin (a side of fewer than k people), incomplete (the 28 days after are not over), "
        "inconclusive (the interval holds zero), improved or worsened."
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
