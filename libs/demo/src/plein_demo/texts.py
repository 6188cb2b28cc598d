"""What the demo company writes over twelve weeks: mostly Dutch, some English (as Dutch
companies write), per department. Chosen from by history.py with a fixed random seed."""

from __future__ import annotations

POSTS: dict[str, list[str]] = {
    "Engineering": [
        "De nieuwe release staat op staging, graag vandaag nog even testen. #release",
        "Tech talk vrijdag om 16:00: hoe we de zoekfunctie twee keer sneller maakten. #techtalk",
        "Post-mortem van het incident van dinsdag staat online. Lessons learned inside. #incident",
        "We moved the build cache to the new cluster; CI is down to six minutes. #engineering",
        "Code freeze begint donderdag 12:00, daarna alleen nog bugfixes. #release",
        "Pair programming sessie op woensdag: wie schuift aan? #engineering",
        "Dependency updates zijn gemerged, let op de nieuwe Python-versie. #engineering",
        "Nieuwe on-call rooster voor de komende maand staat in de wiki. #oncall",
    ],
    "Sales": [
        "Mooie deal gesloten met een logistiek bedrijf in Tilburg! #sales",
        "Klantbezoek in Rotterdam ging goed, ze willen een demo voor hun hele team. #sales",
        "Pipeline review maandag om 9:00, neem je forecast mee. #pipeline",
        "Great call with a prospect from Antwerp today, proposal goes out Friday. #sales",
        "Nieuwe prijslijst voor volgend kwartaal staat in de gedeelde map. #sales",
    ],
    "Klantenservice": [
        "Vandaag 140 tickets weggewerkt, top gedaan team! #klantenservice",
        "Tip: de nieuwe macro voor retourvragen scheelt per ticket een minuut. #klantenservice",
        "Een klant belde speciaal om te bedanken voor de snelle hulp. #compliment",
        "Wat we deze week het vaakst hoorden: vragen over de nieuwe factuur. #klantenservice",
        "Nieuwe kennisbankartikelen over leveringen staan online. #kennisbank",
    ],
    "Logistiek": [
        "De nieuwe stellingen in hal 2 staan er, inruimen begint maandag. #magazijn",
        "Transport naar Duitsland loopt deze week een dag uit door de drukte. #transport",
        "Voorraadtelling vrijdag: alle hens aan dek tussen 14:00 en 17:00. #magazijn",
        "Planning voor de feestdagen is rond, dank voor jullie flexibiliteit. #planning",
    ],
    "Marketing": [
        "De nieuwe campagne gaat maandag live, kijk even mee naar de visuals. #campagne",
        "Blog over ons klantverhaal staat online, graag delen! #content",
        "Webinar next Thursday: 80 registrations so far. #marketing",
        "Nieuwe fotografie voor de website is binnen, wat vinden jullie? #huisstijl",
        "Nieuwsbrief van deze maand had 41% open rate, een record. #marketing",
    ],
    "Finance": [
        "De maandafsluiting is rond, dank voor het snel aanleveren. #finance",
        "Herinnering: declaraties van deze maand uiterlijk vrijdag indienen. #declaraties",
        "Budgetronde voor volgend jaar start volgende week. #budget",
    ],
    "HR": [
        "Welkom aan onze nieuwe collega's die deze week begonnen! #onboarding",
        "Trainingsaanbod voor het nieuwe kwartaal staat online. #training",
        "Vergeet je niet in te schrijven voor het medewerkerstevredenheidsonderzoek. #hr",
        "Lunchlezing over vitaliteit op donderdag, schuif gerust aan. #vitaliteit",
    ],
    "Facilities": [
        "De liften op de derde verdieping worden dinsdag onderhouden. #kantoor",
        "Nieuwe fietsenstalling is open, met laadpunten voor e-bikes. #kantoor",
        "Vanaf maandag is de kantine tot 14:00 open. #kantoor",
    ],
}

EVERYONE_POSTS = [
    "Wie gaat er mee lunchwandelen vandaag? Vertrek 12:30 bij de receptie. #wandelen",
    "Mooi klantverhaal gehoord bij de koffie: onze support maakte het verschil. #trots",
    "Does anyone know a good Dutch course for expats? Asking for a new colleague. #expats",
    "Vrijdagmiddagborrel op het dakterras, iedereen welkom! #borrel",
    "Wie heeft er tips voor een goede podcast over ons vak? #tips",
    "De kerstpakketten kun je vanaf maandag ophalen bij de receptie. #kantoor",
]

QUESTIONS: dict[str, list[str]] = {
    "Engineering": [
        "Hoe krijg ik toegang tot de productielogs zonder VPN? #engineering",
        "Which feature flag library do we use for the mobile app? #engineering",
        "Weet iemand waarom de nightly build sinds gisteren faalt? #ci",
        "Hoe vraag ik een extra testomgeving aan? #engineering",
    ],
    "Sales": [
        "Mag ik een klant korting geven op een meerjarencontract? #sales",
        "Waar vind ik de laatste versie van de productpresentatie? #sales",
        "Hoe registreer ik een lead die via een partner binnenkomt? #crm",
        "Who signs off on a contract above 50k? #sales",
    ],
    "Finance": [
        "Hoe boek ik een factuur van een buitenlandse leverancier? #finance",
        "Wanneer worden de declaraties van vorige maand uitbetaald? #declaraties",
        "Welke kostenplaats gebruik ik voor een teamuitje? #budget",
        "Moet ik voor een laptop boven 1.500 euro vooraf toestemming vragen? #finance",
    ],
    "Klantenservice": [
        "Hoe escaleer ik een klacht die al twee weken loopt? #klantenservice",
        "Mogen we een klant compenseren bij een vertraagde levering? #klantenservice",
        "Wie weet hoe de nieuwe retourprocedure precies werkt? #retouren",
    ],
}

REPLIES = [
    "Goed idee, ik doe mee!",
    "Dank voor het delen.",
    "Interessant, kunnen we dit volgende week bespreken?",
    "Helemaal mee eens.",
    "Thanks, very useful!",
    "Ik heb er vorige week ook naar gekeken, ik stuur je mijn aantekeningen.",
    "Top, dit scheelt ons veel tijd.",
    "Looks good to me.",
    "Mooi werk, team!",
    "Ik kan helaas niet, maar succes!",
    "Zou dit ook voor ons team werken?",
    "Goede vraag, ik zoek het even uit.",
]

ANSWERS = {
    "noah": "Goede vraag. Zo doen we het: stem het af met mij en leg het vast in het CRM. "
    "Ik kijk vandaag nog mee.",
    "eva": "Staat in de wiki onder 'Platform'. Kom anders even langs, dan lopen we het samen door.",
    "sara": "Zo doen we dat: eerst de klant bellen, dan het ticket bijwerken. Ik help je graag.",
    "rosa": "Ik denk dat het via het formulier moet, maar Quinten weet het zeker.",
}

ANNOUNCEMENTS = [
    (
        "Kwartaalupdate van de directie",
        "Het kwartaal is goed afgesloten: omzet +8%. "
        "Dank aan iedereen voor de inzet. The full slides are on the intranet. #kwartaal",
    ),
    (
        "Nieuw verlofsysteem",
        "Vanaf de eerste van de maand vraag je verlof aan in het nieuwe "
        "systeem. Uitleg volgt in een korte training. #hr",
    ),
    (
        "Beveiligingsupdate: wachtwoorden",
        "Vanaf volgende week gebruiken we overal "
        "tweestapsverificatie. Please set it up before Friday. #security",
    ),
    (
        "Verbouwing kantine",
        "De kantine gaat twee weken dicht voor de verbouwing. Koffie en "
        "lunch vind je dan op de tweede verdieping. #kantoor",
    ),
    (
        "Welkom aan twaalf nieuwe collega's",
        "Deze maand begonnen twaalf nieuwe collega's. Zeg gerust hallo! #onboarding",
    ),
    (
        "Jaarplanning volgend jaar",
        "De jaarplanning staat online. Jouw afdeling bespreekt "
        "hem in het volgende teamoverleg. #planning",
    ),
]

TOWN_HALL = (
    "Town hall Klantenservice: we gaan Plein samen gebruiken",
    "Vanaf vandaag delen we tips, vragen en complimenten van klanten hier in de groep. "
    "Na de training van vanmiddag weet iedereen hoe. Stel je vragen gerust hier! #klantenservice",
)

POLLS = [
    ("Waar gaat het teamuitje dit jaar naartoe?", ["Escape room", "Zeilen", "Kookworkshop"]),
    ("Which day works best for the monthly all-hands?", ["Maandag", "Woensdag", "Vrijdag"]),
    ("Wat wil je vaker zien op Plein?", ["Klantverhalen", "Nieuws van de directie", "Tips"]),
]

PRAISE = [
    ("thank_you", "Dank voor je hulp deze week, echt super!"),
    ("team_player", "Altijd bereid om bij te springen. Top collega!"),
    ("above_and_beyond", "Went above and beyond for our customer this week."),
    ("problem_solver", "Het lastige probleem van deze week in één middag opgelost."),
    ("mentor", "Bedankt voor het geduld en de uitleg aan onze nieuwe collega's."),
]
