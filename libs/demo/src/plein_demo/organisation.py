"""The demo company's people: the 22 everyone signs in as (PEOPLE, in seed.py) and ~130
colleagues around them, in eight departments with a head each, and what kind of participant
each one is (their persona). Pure data, the same on every run (a fixed random seed)."""

from __future__ import annotations

import random
from enum import StrEnum

from .people import PEOPLE, Person

SEED = 29  # the issue that asked for this history; any fixed number keeps runs identical


class Persona(StrEnum):
    """How someone takes part over the twelve weeks (what metrics should find again)."""

    CATALYST = "catalyst"  # starts threads others answer, every week
    RESPONDER = "responder"  # answers and comments on others' threads
    ENGAGER = "engager"  # reacts, now and then a post nobody answers
    OBSERVER = "observer"  # reads only
    INACTIVE = "inactive"  # registered, never seen


# department -> (its group's name, the group's description (Dutch), how many people in all)
DEPARTMENTS: dict[str, tuple[str, str, int]] = {
    "Engineering": (
        "Engineering",
        "Voor iedereen die aan ons platform bouwt: releases, incidenten, tech talks en vragen "
        "over code. Discussions in English are welcome.",
        25,
    ),
    "Sales": (
        "Sales team",
        "Deals, klantbezoeken en de pipeline van deze week. Noah beantwoordt je vragen.",
        22,
    ),
    "Klantenservice": (
        "Klantenservice",
        "Het team dat onze klanten helpt: vragen, tips en wat klanten ons deze week vertelden.",
        22,
    ),
    "Logistiek": (
        "Logistiek",
        "Planning, magazijn en transport: wat er binnenkomt, wat er uitgaat en wat er knelt.",
        21,
    ),
    "Marketing": (
        "Marketing",
        "Campagnes, huisstijl en content. Deel je ideeën en laat zien wat je maakt.",
        17,
    ),
    "Finance": (
        "Finance",
        "Declaraties, budgetten en de maandafsluiting. Vragen over facturen? Stel ze hier.",
        15,
    ),
    "HR": (
        "HR & People",
        "Verlof, onboarding, trainingen en alles over werken bij ons.",
        15,
    ),
    "Facilities": (
        "Facilitaire dienst",
        "Alles over het kantoor: werkplekken, parkeren, de koffiemachine en het gebouw.",
        13,
    ),
}

# The heads of the two departments the core people do not cover.
HEADS = [
    Person("sara", "Sara Willems", "Klantenservice", "Hoofd Klantenservice"),
    Person("wouter", "Wouter Kuipers", "Logistiek", "Logistics Manager"),
]

# The department that changes: readers only until its town hall, then taking part.
INTERVENTION_DEPARTMENT = "Klantenservice"
ANSWERING_MANAGER = "noah"  # answers his team's questions within hours
SILENT_MANAGER = "quinten"  # reads his team's questions and never answers them

_FIRST = (
    "Anouk Bram Cas Demi Emma Fenna Gijs Hanna Isa Jesse Julia Koen Lieke Lotte Luuk Maaike "
    "Maarten Max Milan Nina Noor Pim Puck Rik Roos Ruben Sem Sophie Stijn Thijs Tess Timo "
    "Vince Yara Zoë Bas Floor Jasper Lars Merel Niels Sanne Wessel Fleur Joris Iris Daan "
    "Mees Lisa Jelle Femke Hidde Elif Mohammed Yusuf Priya Ayoub Chen Dewi Samira Kevin Linda "
    "Marco Esther Hamza Nadia Olaf Petra Ramon Saskia Tamara Youssef Zeynep Bart Carla Dirk "
    "Eline Frank Gerda Henk Ingrid Jan Karin Leon Mirjam Nick Oscar Patrick Quirine Rutger "
    "Selma Tim Ursula Victor Willemijn Xander Yvonne Arjen Babette Coen Dorien Erik Fatima "
    "Gerrit Hester Ivo Janneke Kees Loes Mark Nienke Otto Paula Remco Sietske Teun Vera "
    "Wim Astrid Boris Charlotte Diederik Evelien Freek Guusje Hugo Inge Jochem Kirsten Lucas"
).split()
_LAST = (
    "de Jong|Jansen|de Vries|van den Berg|van Dijk|Bakker|Janssen|Visser|Smit|Meijer|de Boer|"
    "Mulder|de Groot|Bos|Vos|Peters|Hendriks|van Leeuwen|Dekker|Brouwer|de Wit|Dijkstra|Smits|"
    "de Graaf|van der Meer|van der Linden|Kok|Jacobs|de Haan|Vermeulen|van den Heuvel|"
    "van der Veen|van den Broek|de Bruijn|de Bruin|van der Heijden|Schouten|van Beek|Willems|"
    "van Vliet|van de Ven|Hoekstra|Maas|Verhoeven|Koster|van Dam|van der Wal|Prins|Blom|Huisman|"
    "Peeters|de Lange|Kuijpers|Yilmaz|El Idrissi|Öztürk|Wang|Pinas|Sedney|Kramer|Postma"
).split("|")
_TITLES = {
    "Engineering": ["Software Engineer", "Senior Developer", "DevOps Engineer", "Tester"],
    "Sales": ["Account Manager", "Accountmanager binnendienst", "Sales Engineer"],
    "Klantenservice": ["Klantenservicemedewerker", "Teamleider", "Support Specialist"],
    "Logistiek": ["Planner", "Magazijnmedewerker", "Transportcoördinator"],
    "Marketing": ["Marketeer", "Content Marketeer", "Grafisch ontwerper"],
    "Finance": ["Financieel medewerker", "Crediteurenadministrateur", "Business Controller"],
    "HR": ["HR-adviseur", "Recruiter", "Salarisadministrateur"],
    "Facilities": ["Facilitair medewerker", "Receptionist", "Huismeester"],
}


def _colleagues() -> list[Person]:
    """The generated colleagues that fill each department up to its size."""
    rng = random.Random(SEED)
    core = [*PEOPLE, *HEADS]
    taken = {p.handle for p in core}
    heads = {p.department: p.handle for p in core if p.manager is None}
    sized = {d: sum(1 for p in core if p.department == d) for d in DEPARTMENTS}
    firsts = list(_FIRST)
    rng.shuffle(firsts)
    out: list[Person] = []
    for department, (_, _, size) in DEPARTMENTS.items():
        for _ in range(size - sized[department]):
            first = firsts.pop()
            last = rng.choice(_LAST)
            handle = _handle(first, last, taken)
            taken.add(handle)
            title = rng.choice(_TITLES[department])
            out.append(Person(handle, f"{first} {last}", department, title, heads[department]))
    return out


def _handle(first: str, last: str, taken: set[str]) -> str:
    plain = first.lower().translate(str.maketrans("ëöé", "eoe"))
    if plain not in taken:
        return plain
    initials = "".join(w[0] for w in last.lower().split() if w[0].isalpha())
    return (
        f"{plain}.{initials}" if f"{plain}.{initials}" not in taken else f"{plain}.{last.lower()}"
    )


COLLEAGUES: list[Person] = [*HEADS, *_colleagues()]
EVERYONE: list[Person] = [*PEOPLE, *COLLEAGUES]
BY_HANDLE: dict[str, Person] = {p.handle: p for p in EVERYONE}

# Who starts the conversations: one or two per department that has them, the community
# manager among them.
CATALYSTS = ("eva", "chloe", "olivia", "kim", "greet")


def personas() -> dict[str, Persona]:
    """Each person's persona (before the intervention, for its department)."""
    rng = random.Random(SEED + 1)
    out: dict[str, Persona] = {}
    for person in EVERYONE:
        if person.handle in CATALYSTS:
            out[person.handle] = Persona.CATALYST
        elif person.handle in (ANSWERING_MANAGER, "daan", "ann", "ilse", "lars"):
            out[person.handle] = Persona.RESPONDER
        elif person.handle in (SILENT_MANAGER, "sara"):
            out[person.handle] = Persona.OBSERVER
        elif person.department == INTERVENTION_DEPARTMENT:
            out[person.handle] = rng.choices(
                [Persona.OBSERVER, Persona.INACTIVE], weights=[85, 15]
            )[0]
        else:
            out[person.handle] = rng.choices(
                [Persona.RESPONDER, Persona.ENGAGER, Persona.OBSERVER, Persona.INACTIVE],
                weights=[22, 20, 50, 8],
            )[0]
    return out


def after_intervention() -> dict[str, Persona]:
    """The intervention department's personas after its town hall: most start taking part."""
    rng = random.Random(SEED + 2)
    return {"sara": Persona.RESPONDER} | {
        p.handle: rng.choices(
            [Persona.RESPONDER, Persona.ENGAGER, Persona.OBSERVER], weights=[40, 35, 25]
        )[0]
        for p in EVERYONE
        if p.department == INTERVENTION_DEPARTMENT and p.handle != "sara"
    }
