Attribute VB_Name = "Funksjonshjelp"
' Laget av scripts/build_addin.py --udfs fra kommuneokonomi.udfs; ikke rediger.

Public Sub RegistrerFunksjoner()
    Dim tillegg As String
    tillegg = "'" & ThisWorkbook.Name & "'!"
    Application.MacroOptions Macro:=tillegg & "KO_ARLIG_VEKST", _
        Description:="Gjennomsnittlig årlig vekst (geometrisk snitt) av årlige vekstrater: ((1+r1) x ... x (1+rn))^(1/n) - 1. Rater som andeler.", _
        Category:="Kommuneøkonomi", _
        ArgumentDescriptions:=Array( _
            "Årlige vekstrater som andeler (2,1 % er 0,021), én per år. Tomme celler hoppes over; KOSTRA-symboler gir feil.")
    Application.MacroOptions Macro:=tillegg & "KO_AVDRAGSPLAN", _
        Description:="Avdragsplanen for et serielån som matrise med overskrifter (År, Avdrag, Renter, Restgjeld): like avdrag fra året etter opptak, renter av gjelden ved årets start.", _
        Category:="Kommuneøkonomi", _
        ArgumentDescriptions:=Array( _
            "Lånebeløpet (>= 0).", _
            "Avdragstiden i hele år (serielån: like avdrag).", _
            "Renten per år, f.eks. 2,5 %.", _
            "Året lånet tas opp; første avdrag året etter.", _
            "Valgfri. Siste år i planen. Standard: året lånet er nedbetalt.")
    Application.MacroOptions Macro:=tillegg & "KO_BEHOVSKORRIGERT", _
        Description:="Behovskorrigert utgift per innbygger: utgiften delt på utgiftsbehovsindeksen (1 = landsgjennomsnittet).", _
        Category:="Kommuneøkonomi", _
        ArgumentDescriptions:=Array( _
            "Utgift (kostnad) i kr per innbygger.", _
            "Utgiftsbehovsindeksen fra inntektssystemet, 1 = landsgjennomsnittet, større enn 0.")
    Application.MacroOptions Macro:=tillegg & "KO_DEMOGRAFIKOSTNAD", _
        Description:="Demografikostnaden for en sektor i kr (TBUs metode): summen over aldersgruppene av sats ganger endringen i antall innbyggere fra basisåret, med dekningsgrad og enhetskostnad holdt fast.", _
        Category:="Kommuneøkonomi", _
        ArgumentDescriptions:=Array( _
            "Kostnad i kr per innbygger for hver aldersgruppe i sektoren (én celle per gruppe).", _
            "Innbyggere i hver aldersgruppe i basisåret, i samme rekkefølge som satsene.", _
            "Innbyggere i hver aldersgruppe i året det beregnes for, samme rekkefølge.", _
            "Valgfri. Andelen av årets endring som slår inn samme budsjettår (5/12 for et barnehageår fra august); resten kommer året etter. Standard: 1.", _
            "Valgfri, trengs når andelen er under 1: innbyggerne året før året det beregnes for. Standard: basisåret.")
    Application.MacroOptions Macro:=tillegg & "KO_INNSPARING", _
        Description:="Innsparingspotensialet ved å nå referansen: avviket x volum x faktor (relativ: avviket delt på egen verdi). Aldri negativt: 0 når egen verdi er like god eller bedre.", _
        Category:="Kommuneøkonomi", _
        ArgumentDescriptions:=Array( _
            "Egen kommunes verdi på indikatoren.", _
            "Referanseverdien (f.eks. fra KO_SNITT).", _
            "Volumet avviket ganges med (brukere, timer, kroner), >= 0.", _
            "lav hvis lavest verdi er best (enhetskostnader), høy hvis høyest er best.", _
            "Valgfri. absolutt (avvik x volum, standard) eller relativ (avvik / egen x volum).", _
            "Valgfri. Gjør verdi x volum om til kroner (1000 for tall i 1000 kr, 12 for månedsbeløp). Standard 1.")
    Application.MacroOptions Macro:=tillegg & "KO_INNSPARINGSTABELL", _
        Description:="Hele innsparingstabellen (som knappen lager i tblInnsparing) som én matrise med overskrifter som flyter ut. Områdene tas med overskriftsraden. Innsparing i mill. kr, 0 når ingen.", _
        Category:="Kommuneøkonomi", _
        ArgumentDescriptions:=Array( _
            "Datatabellen med overskrifter (Kommune, År, Indikator, Verdi), f.eks. tblData[#Alle].", _
            "Indikatortabellen med overskrifter, f.eks. tblIndikatorer[#Alle].", _
            "Innstillingstabellen med overskrifter (Innstilling, Verdi), f.eks. tblInnstillinger[#Alle].", _
            "Valgfri. Kommunetabellen med overskrifter (Kommune, Kommunenummer, Gruppe). Tom: alle kommunene i data er sammenligningsgruppen.")
    Application.MacroOptions Macro:=tillegg & "KO_KONTROLLSUM", _
        Description:="Kontrollerer at linjene summerer til oppgitt sum: OK, eller AVVIK: <summen minus oppgitt sum>.", _
        Category:="Kommuneøkonomi", _
        ArgumentDescriptions:=Array( _
            "Linjene (beløpene) med fortegn. Tomme celler hoppes over; tekst og feil gir #FEIL.", _
            "Summen som er oppgitt under linjene.", _
            "Valgfri. Godtatt avvik, f.eks. 0,05 for linjer avrundet hver for seg. Standard: bare flyttallsavrunding.")
    Application.MacroOptions Macro:=tillegg & "KO_KORRIGERT_NDR", _
        Description:="Korrigert netto driftsresultat som andel av driftsinntektene: fratrukket investeringsmoms, premieavvik, netto avsetning til bundne fond og kraftfondavkastning utover realavkastningen. Tomme korreksjoner er 0.", _
        Category:="Kommuneøkonomi", _
        ArgumentDescriptions:=Array( _
            "Netto driftsresultat, i samme enhet som driftsinntektene (f.eks. mill. kr).", _
            "Driftsinntektene, større enn 0.", _
            "Valgfri. Momskompensasjon fra investeringer ført i driften. Trekkes fra.", _
            "Valgfri. Årets premieavvik (positivt når det løfter resultatet). Trekkes fra.", _
            "Valgfri. Netto avsetning til bundne driftsfond. Trekkes fra.", _
            "Valgfri. Kraftfondets avkastning utover realavkastningen. Trekkes fra.")
    Application.MacroOptions Macro:=tillegg & "KO_NDR", _
        Description:="Netto driftsresultat i prosent av driftsinntektene, som andel (0,016 er 1,6 %): regnskapsført, uten korreksjoner.", _
        Category:="Kommuneøkonomi", _
        ArgumentDescriptions:=Array( _
            "Netto driftsresultat, i samme enhet som driftsinntektene (f.eks. mill. kr).", _
            "Driftsinntektene, større enn 0.")
    Application.MacroOptions Macro:=tillegg & "KO_NTE_BESTE", _
        Description:="Verdien til den n-te beste kommunen blant de øvrige (egen kommune og tomme verdier teller ikke). Like verdier ordnes alfabetisk.", _
        Category:="Kommuneøkonomi", _
        ArgumentDescriptions:=Array( _
            "Verdiene, én per kommune (tomme celler og KOSTRA-symboler som .. regnes som mangler).", _
            "Kommunenavnene, like mange celler som verdier og i samme rekkefølge.", _
            "Egen kommune (et navn i kommuner). Tom: ingen egen kommune. Den teller aldri med.", _
            "Hvilken plass: 1 = best, 3 = tredje beste (som i rapportene).", _
            "lav hvis lavest verdi er best (enhetskostnader), høy hvis høyest er best.")
    Application.MacroOptions Macro:=tillegg & "KO_NTE_BESTE_KOMMUNE", _
        Description:="Navnet på den n-te beste kommunen blant de øvrige, altså hvem KO_NTE_BESTE med de samme argumentene henter verdien fra.", _
        Category:="Kommuneøkonomi", _
        ArgumentDescriptions:=Array( _
            "Verdiene, én per kommune (tomme celler og KOSTRA-symboler som .. regnes som mangler).", _
            "Kommunenavnene, like mange celler som verdier og i samme rekkefølge.", _
            "Egen kommune (et navn i kommuner). Tom: ingen egen kommune. Den teller aldri med.", _
            "Hvilken plass: 1 = best, 3 = tredje beste (som i rapportene).", _
            "lav hvis lavest verdi er best (enhetskostnader), høy hvis høyest er best.")
    Application.MacroOptions Macro:=tillegg & "KO_REALVEKST", _
        Description:="Realvekst: nominell vekstfaktor delt på deflatorenes vekstfaktor, som årlig snitt (standard) eller samlet for perioden. Rater og deflatorer som andeler.", _
        Category:="Kommuneøkonomi", _
        ArgumentDescriptions:=Array( _
            "Årlige vekstrater som andeler (2,1 % er 0,021), én per år. Tomme celler hoppes over; KOSTRA-symboler gir feil.", _
            "Prisveksten (f.eks. kommunal deflator) for de samme årene, som andeler.", _
            "Valgfri. SANN gir samlet realvekst for hele perioden; standard er årlig snitt.")
    Application.MacroOptions Macro:=tillegg & "KO_SNITT", _
        Description:="Snittet av sammenligningskommunenes verdier. Egen kommune og tomme verdier holdes utenfor, med mindre ta_med_egen er SANN; valgfritt utelatte kommuner og vekter.", _
        Category:="Kommuneøkonomi", _
        ArgumentDescriptions:=Array( _
            "Verdiene, én per kommune (tomme celler og KOSTRA-symboler som .. regnes som mangler).", _
            "Kommunenavnene, like mange celler som verdier og i samme rekkefølge.", _
            "Egen kommune (et navn i kommuner). Tom: ingen egen kommune.", _
            "Valgfri. Kommuner som holdes utenfor snittet: et område med navn eller tekst som ""Oslo, Bergen"".", _
            "Valgfri. Vekt per kommune (f.eks. innbyggere), samme størrelse som kommuner. Tom: uvektet snitt.", _
            "Valgfri. SANN tar med egen kommune i snittet. Standard USANN (de øvrige kommunene).")
    Application.MacroOptions Macro:=tillegg & "KO_VEKST", _
        Description:="Samlet vekst over perioden av årlige vekstrater: (1+r1) x (1+r2) x ... - 1. Rater oppgis som andeler: 2,1 % er 0,021.", _
        Category:="Kommuneøkonomi", _
        ArgumentDescriptions:=Array( _
            "Årlige vekstrater som andeler (2,1 % er 0,021), én per år. Tomme celler hoppes over; KOSTRA-symboler gir feil.")
End Sub
