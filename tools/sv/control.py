"""Swedish for the facilitator's control screen: agenda, challenges, teams, overview, join sheet."""

SV = {
    # agenda
    "Only a facilitator can change the race.": "Bara en processledare kan ändra racet.",
    "the name": "namnet",
    "the minutes": "minuterna",
    "the vote budget": "antalet röster",
    "Enter a whole number for %(field)s.": "Ange ett heltal för %(field)s.",
    "A phase lasts from %(low)s to %(high)s minutes.": "En fas är mellan %(low)s och %(high)s minuter lång.",
    "The vote budget is from %(low)s to %(high)s.": "Antalet röster ska vara mellan %(low)s och %(high)s.",
    "A phase moves up or down.": "En fas kan bara flyttas upp eller ner.",
    "The phase is already at that end of the agenda.": "Fasen ligger redan i den änden av agendan.",
    "The running phase cannot be removed. Move on to another phase first.": (
        "Fasen som pågår kan inte tas bort. Gå vidare till en annan fas först."
    ),
    "Votes were cast in this phase, so it stays in the agenda.": (
        "Det har röstats under den här fasen, så det ligger kvar i agendan."
    ),
    "Move %(phase)s earlier": "Flytta %(phase)s tidigare",
    "Move %(phase)s later": "Flytta %(phase)s senare",
    "Edit": "Ändra",
    "Name": "Namn",
    "Minutes": "Minuter",
    "Opens": "Öppnar",
    "Board editing": "Arbete på tavlan",
    "Voting": "Röstning",
    "Expert requests": "Expertförfrågningar",
    "Votes per person": "Röster per person",
    "Save": "Spara",
    "Remove %(phase)s": "Ta bort %(phase)s",
    "Add a phase": "Lägg till en fas",
    "Add phase": "Lägg till fas",
    "Saved.": "Sparat.",
    "Removed.": "Borttaget.",
    "Moved.": "Flyttat.",
    # challenges and teams
    "Challenges": "Utmaningar",
    "No challenges yet.": "Inga utmaningar än.",
    "Add a challenge": "Lägg till en utmaning",
    "Add challenge": "Lägg till utmaning",
    "Company": "Företag",
    "Description": "Beskrivning",
    "the company": "företaget",
    "the description": "beskrivningen",
    "There is no such challenge in this race.": "Den utmaningen finns inte i det här racet.",
    "There is no such person in this race.": "Den personen finns inte i det här racet.",
    "Choose a colour such as #3b6ea5.": "Välj en färg, till exempel #3b6ea5.",
    "Colour": "Färg",
    "No challenge yet": "Ingen utmaning än",
    "Teams and people": "Lag och deltagare",
    "Add a team": "Lägg till ett lag",
    "Add team": "Lägg till lag",
    "Not in a team": "Utan lag",
    "Everyone is in a team.": "Alla har ett lag.",
    "No team": "Inget lag",
    "Move": "Flytta",
    "Move %(name)s to": "Flytta %(name)s till",
    "Only participants belong to teams.": "Bara deltagare kan vara med i ett lag.",
    "%(name)s is already there.": "%(name)s är redan där.",
    "Lock the board": "Lås tavlan",
    "Unlock the board": "Lås upp tavlan",
    "Board locked": "Tavlan är låst",
    "The board is already locked.": "Tavlan är redan låst.",
    "The board is already open.": "Tavlan är redan öppen.",
    "locked": "låst",
    "Backgrounds": "Bakgrunder",
    "Companies": "Företag",
    "Competences": "Kompetenser",
    "nobody yet": "ingen än",
    "Research": "Forskning",
    "Student": "Student",
    "Business development": "Affärsutveckling",
    "Other": "Annat",
    # overview
    "Overview": "Översikt",
    ("%(num)s person online", "%(num)s people online"): (
        "%(num)s person uppkopplad",
        "%(num)s personer uppkopplade",
    ),
    "online": "uppkopplad",
    "offline": "inte uppkopplad",
    "Votes": "Röster",
    "Waiting for an expert": "Väntar på expert",
    # join sheet
    "Printable join sheet": "Utskrivbart anslutningsblad",
    "Join sheet": "Anslutningsblad",
    "Back to the control screen": "Tillbaka till kontrollskärmen",
    "QR code that opens the join page with this code": "QR-kod som öppnar anslutningssidan med den här koden",
    "Scan the QR code with your phone's camera, or open %(url)s": (
        "Skanna QR-koden med mobilens kamera, eller gå till %(url)s"
    ),
    "Enter the code above if it is not filled in already.": "Skriv in koden ovan om den inte redan är ifylld.",
    "Write your name and press Join.": "Skriv ditt namn och tryck på Gå med.",
    "For everyone working in a team. Choose your team after joining.": (
        "För alla som arbetar i ett lag. Välj ditt lag när du har gått med."
    ),
    "For experts on call: list your competences and take the teams' requests.": (
        "För experterna: ange dina kompetenser och ta lagens förfrågningar."
    ),
    "For the jury: score the teams' pitches on the race's criteria.": (
        "För juryn: bedöm lagens pitchar enligt racets kriterier."
    ),
    "For the projector: open on the computer that shows the big screen.": (
        "För projektorn: öppna på datorn som visar storskärmen."
    ),
    "For the facilitators only: this code controls the race. Keep this page to yourselves.": (
        "Bara för processledarna: den här koden styr racet. Behåll sidan för er själva."
    ),
    "Move a person to another team": "Flytta en person till ett annat lag",
    "Choose a person": "Välj en person",
    "Choose a person to move.": "Välj vem som ska flyttas.",
}
