"""Swedish for the needs intake, the needs page and the competence map."""

SV = {
    # the service
    "Low": "Låg",
    "Medium": "Medel",
    "High": "Hög",
    "Technology": "Teknik",
    "Resources": "Resurser",
    "the contact person's name": "kontaktpersonens namn",
    "an e-mail address or phone number": "en e-postadress eller ett telefonnummer",
    "Enter an e-mail address or a phone number we can reach the contact person at.": (
        "Ange en e-postadress eller ett telefonnummer där vi når kontaktpersonen."
    ),
    "Choose how urgent the need is.": "Välj hur brådskande behovet är.",
    "the contact": "kontakten",
    "There is no needs intake at this address. Check the link you were given.": (
        "Det finns ingen behovsinsamling på den här adressen. Kontrollera länken du fick."
    ),
    "This needs intake is closed. Ask the organisers if you still want to send a need.": (
        "Behovsinsamlingen är stängd. Fråga arrangörerna om du ändå vill skicka ett behov."
    ),
    "There is no such need in this race.": "Det finns inget sådant behov i det här racet.",
    "The intake has no link yet: open it first.": "Insamlingen har ingen länk än: öppna den först.",
    "Closed": "Stängd",
    # event labels
    "Needs intake opened": "Behovsinsamlingen öppnad",
    "Needs intake closed": "Behovsinsamlingen stängd",
    "Need submitted": "Behov inskickat",
    "Need edited": "Behov redigerat",
    "Need made a challenge": "Behov blev utmaning",
    "Companies' contact details removed": "Företagens kontaktuppgifter borttagna",
    # the intake form
    "Development needs": "Utvecklingsbehov",
    "Your company's development need": "Ert företags utvecklingsbehov",
    "%(race)s is an Innovation Race: for 48 hours, people from many fields work in teams on real needs of the "
    "region's companies. Tell us about yours; the organisers choose the race's challenges from what companies "
    "send.": (
        "%(race)s är ett Innovation Race: i 48 timmar arbetar människor från många områden i lag med verkliga "
        "behov hos regionens företag. Berätta om ert; arrangörerna väljer racets utmaningar bland det företagen "
        "skickar in."
    ),
    "What we store, who sees it, and for how long": "Vad vi sparar, vem som ser det och hur länge",
    "We store what you enter here: your company, the contact person's name and e-mail or phone, and the need.": (
        "Vi sparar det du fyller i här: ert företag, kontaktpersonens namn och e-post eller telefon, och behovet."
    ),
    "The race's organisers read it, to choose the challenges and to contact you about your need. If your need "
    "becomes a challenge, its company, title, description and competences are shown to the race's participants, "
    "experts and jury.": (
        "Racets arrangörer läser det, för att välja utmaningar och kontakta er om behovet. Blir behovet en "
        "utmaning visas företag, rubrik, beskrivning och kompetenser för racets deltagare, experter och jury."
    ),
    "The contact details are kept until %(days)s days after the race and are then removed; the need itself stays "
    "in the race's record, so what the race led to can be traced back to it.": (
        "Kontaktuppgifterna sparas till %(days)s dagar efter racet och tas sedan bort; själva behovet finns kvar "
        "i racets historik, så att det racet ledde till kan spåras tillbaka till det."
    ),
    "Company and contact": "Företag och kontakt",
    "Contact person": "Kontaktperson",
    "E-mail or phone": "E-post eller telefon",
    "The development need": "Utvecklingsbehovet",
    "Describe the need": "Beskriv behovet",
    "What the need asks for": "Vad behovet kräver",
    "Leave a field empty if it does not apply.": "Lämna ett fält tomt om det inte passar.",
    "Competences the need calls for": "Kompetenser som behovet kräver",
    "How urgent is it?": "Hur brådskande är det?",
    "Send the need": "Skicka behovet",
    "Thank you": "Tack",
    "Thank you, we have your need": "Tack, vi har fått ert behov",
    "The organisers of %(race)s will read it and contact %(contact)s if it is chosen or if they have questions.": (
        "Arrangörerna av %(race)s läser det och kontaktar %(contact)s om det väljs eller om de har frågor."
    ),
    "What you sent": "Det här skickade ni",
    "Contact": "Kontakt",
    "Competences": "Kompetenser",
    "Urgency": "Hur brådskande",
    "Send another need": "Skicka ett behov till",
    # the needs page
    "Preparation": "Förberedelser",
    "Back to the control screen": "Tillbaka till kontrollskärmen",
    "Needs": "Behov",
    "Competence map": "Kompetenskarta",
    "The intake": "Insamlingen",
    "Open:": "Öppen:",
    "companies can send needs through this link.": "företag kan skicka behov via den här länken.",
    "Closed:": "Stängd:",
    "the link shows that the intake is closed.": "länken visar att insamlingen är stängd.",
    "Open the intake to get a link to send to the companies.": (
        "Öppna insamlingen för att få en länk att skicka till företagen."
    ),
    "The companies' link": "Företagens länk",
    "QR code of the companies' link": "QR-kod för företagens länk",
    "Close the intake": "Stäng insamlingen",
    "Open the intake": "Öppna insamlingen",
    "Submitted needs": "Inskickade behov",
    "Most urgent first, then the newest.": "Mest brådskande först, sedan de nyaste.",
    "No needs yet.": "Inga behov än.",
    "sent %(when)s": "skickat %(when)s",
    "edited %(when)s": "redigerat %(when)s",
    "Made a challenge: %(title)s": "Blev utmaning: %(title)s",
    "Make it a challenge": "Gör det till en utmaning",
    "Competences, separated by commas": "Kompetenser, åtskilda med komma",
    "Competences it asks for, separated by commas": "Kompetenser som den kräver, åtskilda med komma",
    "Asks for": "Kräver",
    # the control screen
    "Before the race": "Före racet",
    "The needs intake is open.": "Behovsinsamlingen är öppen.",
    "The needs intake is closed.": "Behovsinsamlingen är stängd.",
    ("%(num)s need sent, %(chosen)s made a challenge.", "%(num)s needs sent, %(chosen)s made challenges."): (
        "%(num)s behov inskickat, %(chosen)s blev utmaning.",
        "%(num)s behov inskickade, %(chosen)s blev utmaningar.",
    ),
    "Companies' needs: the intake and its submissions": "Företagens behov: insamlingen och det som kommit in",
    # the competence map
    "Who brings which competence (participants and experts, from their profiles) and what the challenges ask for.": (
        "Vem som har vilken kompetens (deltagare och experter, från deras profiler) och vad utmaningarna kräver."
    ),
    "Asked for by a challenge, brought by nobody": "Efterfrågas av en utmaning, men ingen har den",
    "asked for by": "efterfrågas av",
    "None: someone brings every competence the challenges ask for.": (
        "Inga: någon har varje kompetens som utmaningarna kräver."
    ),
    "People per background": "Personer per bakgrund",
    "Background": "Bakgrund",
    "People": "Personer",
    "Everyone": "Alla",
    "No competences yet: they come from people's profiles and the challenges.": (
        "Inga kompetenser än: de kommer från personernas profiler och utmaningarna."
    ),
    "Competence": "Kompetens",
    "Brought by": "Finns hos",
    "Asked for by": "Efterfrågas av",
    "nobody brings it": "ingen har den",
    "expert": "expert",
}
