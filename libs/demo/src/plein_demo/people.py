"""The people of the demo company everyone signs in as (tests and the README name them)."""

from __future__ import annotations

from dataclasses import dataclass

DEMO_DOMAIN = "example.com"
DEMO_LANGUAGE = "nl"  # a Dutch organisation: pages and e-mails follow the profile's language


@dataclass(frozen=True)
class Person:
    handle: str
    name: str
    department: str
    title: str
    manager: str | None = None

    @property
    def email(self) -> str:
        return f"{self.handle}@{DEMO_DOMAIN}"


PEOPLE = [
    Person("ann", "Ann de Vries", "Marketing", "Head of Marketing"),
    Person("bob", "Bob Jansen", "Marketing", "Campaign Manager", "ann"),
    Person("chloe", "Chloé Bakker", "Marketing", "Content Writer", "ann"),
    Person("daan", "Daan Visser", "Engineering", "CTO"),
    Person("eva", "Eva Smit", "Engineering", "Backend Engineer", "daan"),
    Person("farid", "Farid El Amrani", "Engineering", "Frontend Engineer", "daan"),
    Person("greet", "Greet Mulder", "Engineering", "SRE", "daan"),
    Person("hugo", "Hugo de Boer", "Engineering", "Data Engineer", "daan"),
    Person("ilse", "Ilse Meijer", "HR", "HR Director"),
    Person("jeroen", "Jeroen de Groot", "HR", "Recruiter", "ilse"),
    Person("kim", "Kim Bos", "HR", "People Partner", "ilse"),
    Person("lars", "Lars Vos", "Facilities", "Facilities Lead"),
    Person("mila", "Mila Peters", "Facilities", "Office Manager", "lars"),
    Person("noah", "Noah Hendriks", "Sales", "Sales Director"),
    Person("olivia", "Olivia van Dijk", "Sales", "Account Executive", "noah"),
    Person("pieter", "Pieter van Leeuwen", "Sales", "Account Executive", "noah"),
    Person("quinten", "Quinten Dekker", "Finance", "CFO"),
    Person("rosa", "Rosa Brouwer", "Finance", "Controller", "quinten"),
    Person("sanne", "Sanne de Wit", "Engineering", "QA Engineer", "daan"),
    Person("tom", "Tom Dijkstra", "Marketing", "Designer", "ann"),
    # Sales and Engineering have at least k = 5 people, so that a department's KPIs show
    # (`scope=department:Sales`, the README's example); smaller ones are refused.
    Person("umar", "Umar Yilmaz", "Sales", "Account Manager", "noah"),
    Person("vera", "Vera Kok", "Sales", "Sales Engineer", "noah"),
]
MANAGERS = {p.manager for p in PEOPLE if p.manager} | {p.handle for p in PEOPLE if not p.manager}
