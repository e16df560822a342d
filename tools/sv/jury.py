"""Swedish for the jury: criteria, conflicts of interest, scoring, the reveal and the ranking."""

SV = {
    # criteria
    "Pitch": "Pitch",
    "Enter a number for the weight, such as 1 or 1.5.": "Skriv ett tal som vikt, till exempel 1 eller 1,5.",
    "The weight must be more than 0 and at most %(limit)s.": "Vikten måste vara större än 0 och högst %(limit)s.",
    "There is no such criterion in this race.": "Det finns inget sådant kriterium i racet.",
    "A race can have at most %(limit)s criteria.": "Ett race kan ha högst %(limit)s kriterier.",
    "It is already at that end.": "Det ligger redan längst dit.",
    "Jurors have already scored on %(name)s, so it stays; you can change its name or weight.": (
        "Jurymedlemmar har redan poängsatt %(name)s, så det ligger kvar; du kan ändra namn eller vikt."
    ),
    "The jury needs at least one criterion.": "Juryn behöver minst ett kriterium.",
    # conflicts of interest
    "Your company, %(value)s, brought this challenge": "Ditt företag, %(value)s, står bakom utmaningen",
    "You were a member of this team": "Du har varit med i laget",
    "Declared: %(value)s": "Anmält jäv: %(value)s",
    "Declared as a stake in this team": "Anmält jäv i laget",
    "Only the jury scores teams.": "Bara juryn poängsätter lag.",
    "There is no such juror in this race.": "Det finns ingen sådan jurymedlem i racet.",
    "the reason": "skälet",
    "%(juror)s is already kept from %(team)s.": "%(juror)s är redan jävig för %(team)s.",
    "There is no such conflict in this race.": "Det finns inget sådant jäv i racet.",
    # scoring
    "Give every criterion a score from 1 to 5.": "Ge varje kriterium ett betyg från 1 till 5.",
    "A score is a whole number from 1 to 5.": "Ett betyg är ett heltal från 1 till 5.",
    "You may not score %(team)s: you have a stake in it.": "Du får inte poängsätta %(team)s: du är jävig.",
    "The scores are already revealed.": "Poängen är redan visade.",
    "The scores are already hidden.": "Poängen är redan dolda.",
    # the review's event names
    "Jury criteria set to the defaults": "Juryns kriterier satta till standard",
    "Criterion added": "Kriterium tillagt",
    "Criterion changed": "Kriterium ändrat",
    "Criterion moved": "Kriterium flyttat",
    "Criterion removed": "Kriterium borttaget",
    "Juror's company and stakes": "Jurymedlemmens företag och jäv",
    "Conflict of interest added": "Jäv tillagt",
    "Conflict of interest taken back": "Jäv borttaget",
    "Scores saved": "Poäng sparade",
    "Scores revealed": "Poängen visade",
    "Scores hidden again": "Poängen dolda igen",
    "The scores stay hidden until the facilitator reveals them.": (
        "Poängen är dolda tills processledaren visar dem."
    ),
    # the control screen and the setup page
    "Criteria, conflicts of interest and results": "Kriterier, jäv och resultat",
    "The scores are revealed: the wall shows the ranking.": "Poängen är visade: väggen visar rangordningen.",
    "The jurors' comments": "Juryns kommentarer",
    "Hide the scores again": "Dölj poängen igen",
    "The scores stay hidden until you reveal them; here you see only who has scored.": (
        "Poängen är dolda tills du visar dem; här ser du bara vem som har poängsatt."
    ),
    "Jurors who scored each team": "Jurymedlemmar som poängsatt varje lag",
    "Jurors": "Jurymedlemmar",
    "Teams each juror has scored": "Lag som varje jurymedlem har poängsatt",
    "Juror": "Jurymedlem",
    "%(done)s of %(all)s": "%(done)s av %(all)s",
    "No juror has joined yet.": "Ingen jurymedlem har anslutit ännu.",
    "Reveal the scores": "Visa poängen",
    "The jury": "Juryn",
    "Criteria": "Kriterier",
    "Conflicts of interest": "Jäv",
    "Results": "Resultat",
    "Jurors give every criterion 1 to 5. A weight above 1 makes a criterion count more, below 1 less. "
    "A criterion jurors have scored on cannot be removed.": (
        "Juryn ger varje kriterium 1 till 5. En vikt över 1 gör att kriteriet väger tyngre, under 1 lättare. "
        "Ett kriterium som juryn har poängsatt kan inte tas bort."
    ),
    "Weight": "Vikt",
    "Up": "Upp",
    "Down": "Ned",
    "Remove": "Ta bort",
    "New criterion": "Nytt kriterium",
    "Add criterion": "Lägg till kriterium",
    "A juror cannot score a team whose challenge comes from their own company, a team they were a member of, "
    "or a team declared here or by the juror.": (
        "En jurymedlem kan inte poängsätta ett lag vars utmaning kommer från det egna företaget, ett lag hen "
        "har varit med i, eller ett lag som anmälts här eller av jurymedlemmen själv."
    ),
    "May not score": "Får inte poängsätta",
    "no team": "inget lag",
    "Declared": "Anmält",
    "Take back": "Ta bort",
    "Keep a juror from a team": "Anmäl jäv för en jurymedlem",
    "Reason (optional)": "Skäl (frivilligt)",
    "Add conflict": "Lägg till jäv",
    ("%(num)s juror has scored", "%(num)s jurors have scored"): (
        "%(num)s jurymedlem har poängsatt",
        "%(num)s jurymedlemmar har poängsatt",
    ),
    # the juror's screen
    "Before you judge, %(name)s": "Innan du bedömer, %(name)s",
    "A juror does not score a team whose challenge comes from their own company, a team they were a member "
    "of, or a team they have a stake in. Tell us your company (or leave it empty) and tick any team you have "
    "a stake in; the facilitator sees what you declare.": (
        "En jurymedlem poängsätter inte ett lag vars utmaning kommer från det egna företaget, ett lag hen har "
        "varit med i, eller ett lag hen är jävig för. Skriv ditt företag (eller lämna tomt) och kryssa i de lag "
        "du är jävig för; processledaren ser det du anmäler."
    ),
    "Your company (leave empty if none)": "Ditt företag (lämna tomt om du inte har något)",
    "Teams you have a stake in": "Lag du är jävig för",
    "No teams yet.": "Inga lag ännu.",
    "Your stake, in a few words (optional)": "Ditt jäv med några ord (frivilligt)",
    "A declared stake can only be taken back by the facilitator.": (
        "Ett anmält jäv kan bara tas bort av processledaren."
    ),
    "You may not judge this team:": "Du får inte bedöma det här laget:",
    "weight %(weight)s": "vikt %(weight)s",
    "Comment for %(team)s (optional)": "Kommentar till %(team)s (frivillig)",
    "Save scores for %(team)s": "Spara poäng för %(team)s",
    "Your scores are saved.": "Dina poäng är sparade.",
    "Not scored yet.": "Inte poängsatt ännu.",
    "Score the teams": "Poängsätt lagen",
    "Give each team 1 to 5 on every criterion (1 is weak, 5 is excellent) and save per team. You can change "
    "your scores until the facilitator reveals them; nobody else sees your values before that.": (
        "Ge varje lag 1 till 5 på varje kriterium (1 är svagt, 5 är utmärkt) och spara per lag. Du kan ändra "
        "dina poäng tills processledaren visar dem; ingen annan ser dina poäng innan dess."
    ),
    "You have scored %(done)s of the %(open)s teams you may judge.": (
        "Du har poängsatt %(done)s av de %(open)s lag du får bedöma."
    ),
    "not yours to judge": "jävig",
    "scored": "poängsatt",
    "Your company and stakes": "Ditt företag och jäv",
    # the ranking
    "Ranking": "Rangordning",
    "Rank": "Plats",
    "Score": "Poäng",
    "not scored": "ej poängsatt",
    "How the ranking is made: for each juror, the weighted mean of their scores for a team (the sum of weight "
    "× score over the criteria, divided by the sum of the weights); then the mean of that over the jurors who "
    "scored the team. Equal scores share a rank, marked “=”. Teams nobody scored are listed last, without a "
    "rank.": (
        "Så görs rangordningen: för varje jurymedlem det viktade medelvärdet av hens poäng för ett lag (summan "
        "av vikt × poäng över kriterierna, delad med summan av vikterna); sedan medelvärdet av det över de "
        "jurymedlemmar som poängsatt laget. Lika poäng delar plats, märkt ”=”. Lag som ingen poängsatt står "
        "sist, utan plats."
    ),
    "The jury's ranking": "Juryns rangordning",
    "Jury ranking": "Juryns rangordning",
}
