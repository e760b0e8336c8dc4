"""Kommuneøkonomi i xlwings Lite: regnearkfunksjonene KO_... og skriptene beregn og
kontroller, de samme som i Excel-tillegget (Hent KOSTRA-tall finnes ikke i Lite).

Laget av scripts/build_addin.py --lite fra kommuneokonomi.udfs; ikke rediger.
"""

import sys

import xlwings as xw

if sys.platform == "emscripten":  # xlwings Lite (Pyodide)
    from xlwings import arg, func, script
else:  # CPython: xlwings' server API, the same decorators (the tests drive it)
    from xlwings.server import arg, func, script

from kommuneokonomi import macros, udfs


@func(category='Kommuneøkonomi')
@arg('rater', doc='Årlige vekstrater som andeler (2,1 % er 0,021), én per år. Tomme celler hoppes over; KOSTRA-symboler gir feil.')
def KO_ARLIG_VEKST(rater):
    'Gjennomsnittlig årlig vekst (geometrisk snitt) av årlige vekstrater: ((1+r1) x ... x (1+rn))^(1/n) - 1. Rater som andeler.'
    return udfs.KO_ARLIG_VEKST(rater)


@func(category='Kommuneøkonomi')
@arg('laan', doc='Lånebeløpet (>= 0).')
@arg('avdragstid', doc='Avdragstiden i hele år (serielån: like avdrag).')
@arg('rente', doc='Renten per år, f.eks. 2,5 %.')
@arg('opptaksaar', doc='Året lånet tas opp; første avdrag året etter.')
@arg('til_aar', doc='Valgfri. Siste år i planen. Standard: året lånet er nedbetalt.')
def KO_AVDRAGSPLAN(laan, avdragstid, rente, opptaksaar, til_aar=None):
    'Avdragsplanen for et serielån som matrise med overskrifter (År, Avdrag, Renter, Restgjeld): like avdrag fra året etter opptak, renter av gjelden ved årets start.'
    return udfs.KO_AVDRAGSPLAN(laan, avdragstid, rente, opptaksaar, til_aar)


@func(category='Kommuneøkonomi')
@arg('utgift_per_innbygger', doc='Utgift (kostnad) i kr per innbygger.')
@arg('utgiftsbehov_indeks', doc='Utgiftsbehovsindeksen fra inntektssystemet, 1 = landsgjennomsnittet, større enn 0.')
def KO_BEHOVSKORRIGERT(utgift_per_innbygger, utgiftsbehov_indeks):
    'Behovskorrigert utgift per innbygger: utgiften delt på utgiftsbehovsindeksen (1 = landsgjennomsnittet).'
    return udfs.KO_BEHOVSKORRIGERT(utgift_per_innbygger, utgiftsbehov_indeks)


@func(category='Kommuneøkonomi')
@arg('satser', doc='Kostnad i kr per innbygger for hver aldersgruppe i sektoren (én celle per gruppe).')
@arg('antall_basis', doc='Innbyggere i hver aldersgruppe i basisåret, i samme rekkefølge som satsene.')
@arg('antall_aar', doc='Innbyggere i hver aldersgruppe i året det beregnes for, samme rekkefølge.')
@arg('andel', doc='Valgfri. Andelen av årets endring som slår inn samme budsjettår (5/12 for et barnehageår fra august); resten kommer året etter. Standard: 1.')
@arg('antall_aaret_for', doc='Valgfri, trengs når andelen er under 1: innbyggerne året før året det beregnes for. Standard: basisåret.')
def KO_DEMOGRAFIKOSTNAD(satser, antall_basis, antall_aar, andel=None, antall_aaret_for=None):
    'Demografikostnaden for en sektor i kr (TBUs metode): summen over aldersgruppene av sats ganger endringen i antall innbyggere fra basisåret, med dekningsgrad og enhetskostnad holdt fast.'
    return udfs.KO_DEMOGRAFIKOSTNAD(satser, antall_basis, antall_aar, andel, antall_aaret_for)


@func(category='Kommuneøkonomi')
@arg('egen', doc='Egen kommunes verdi på indikatoren.')
@arg('referanse', doc='Referanseverdien (f.eks. fra KO_SNITT).')
@arg('volum', doc='Volumet avviket ganges med (brukere, timer, kroner), >= 0.')
@arg('beste', doc='lav hvis lavest verdi er best (enhetskostnader), høy hvis høyest er best.')
@arg('beregning', doc='Valgfri. absolutt (avvik x volum, standard) eller relativ (avvik / egen x volum).')
@arg('faktor', doc='Valgfri. Gjør verdi x volum om til kroner (1000 for tall i 1000 kr, 12 for månedsbeløp). Standard 1.')
def KO_INNSPARING(egen, referanse, volum, beste, beregning=None, faktor=None):
    'Innsparingspotensialet ved å nå referansen: avviket x volum x faktor (relativ: avviket delt på egen verdi). Aldri negativt: 0 når egen verdi er like god eller bedre.'
    return udfs.KO_INNSPARING(egen, referanse, volum, beste, beregning, faktor)


@func(category='Kommuneøkonomi')
@arg('data', doc='Datatabellen med overskrifter (Kommune, År, Indikator, Verdi), f.eks. tblData[#Alle].')
@arg('indikatorer', doc='Indikatortabellen med overskrifter, f.eks. tblIndikatorer[#Alle].')
@arg('innstillinger', doc='Innstillingstabellen med overskrifter (Innstilling, Verdi), f.eks. tblInnstillinger[#Alle].')
@arg('kommuner', doc='Valgfri. Kommunetabellen med overskrifter (Kommune, Kommunenummer, Gruppe). Tom: alle kommunene i data er sammenligningsgruppen.')
def KO_INNSPARINGSTABELL(data, indikatorer, innstillinger, kommuner=None):
    'Hele innsparingstabellen (som knappen lager i tblInnsparing) som én matrise med overskrifter som flyter ut. Områdene tas med overskriftsraden. Innsparing i mill. kr, 0 når ingen.'
    return udfs.KO_INNSPARINGSTABELL(data, indikatorer, innstillinger, kommuner)


@func(category='Kommuneøkonomi')
@arg('belop', doc='Linjene (beløpene) med fortegn. Tomme celler hoppes over; tekst og feil gir #FEIL.')
@arg('oppgitt_sum', doc='Summen som er oppgitt under linjene.')
@arg('toleranse', doc='Valgfri. Godtatt avvik, f.eks. 0,05 for linjer avrundet hver for seg. Standard: bare flyttallsavrunding.')
def KO_KONTROLLSUM(belop, oppgitt_sum, toleranse=None):
    'Kontrollerer at linjene summerer til oppgitt sum: OK, eller AVVIK: <summen minus oppgitt sum>.'
    return udfs.KO_KONTROLLSUM(belop, oppgitt_sum, toleranse)


@func(category='Kommuneøkonomi')
@arg('netto_driftsresultat', doc='Netto driftsresultat, i samme enhet som driftsinntektene (f.eks. mill. kr).')
@arg('driftsinntekter', doc='Driftsinntektene, større enn 0.')
@arg('investeringsmoms', doc='Valgfri. Momskompensasjon fra investeringer ført i driften. Trekkes fra.')
@arg('premieavvik', doc='Valgfri. Årets premieavvik (positivt når det løfter resultatet). Trekkes fra.')
@arg('bundne_fond', doc='Valgfri. Netto avsetning til bundne driftsfond. Trekkes fra.')
@arg('kraftfond', doc='Valgfri. Kraftfondets avkastning utover realavkastningen. Trekkes fra.')
def KO_KORRIGERT_NDR(netto_driftsresultat, driftsinntekter, investeringsmoms=None, premieavvik=None, bundne_fond=None, kraftfond=None):
    'Korrigert netto driftsresultat som andel av driftsinntektene: fratrukket investeringsmoms, premieavvik, netto avsetning til bundne fond og kraftfondavkastning utover realavkastningen. Tomme korreksjoner er 0.'
    return udfs.KO_KORRIGERT_NDR(netto_driftsresultat, driftsinntekter, investeringsmoms, premieavvik, bundne_fond, kraftfond)


@func(category='Kommuneøkonomi')
@arg('netto_driftsresultat', doc='Netto driftsresultat, i samme enhet som driftsinntektene (f.eks. mill. kr).')
@arg('driftsinntekter', doc='Driftsinntektene, større enn 0.')
def KO_NDR(netto_driftsresultat, driftsinntekter):
    'Netto driftsresultat i prosent av driftsinntektene, som andel (0,016 er 1,6 %): regnskapsført, uten korreksjoner.'
    return udfs.KO_NDR(netto_driftsresultat, driftsinntekter)


@func(category='Kommuneøkonomi')
@arg('verdier', doc='Verdiene, én per kommune (tomme celler og KOSTRA-symboler som .. regnes som mangler).')
@arg('kommuner', doc='Kommunenavnene, like mange celler som verdier og i samme rekkefølge.')
@arg('egen_kommune', doc='Egen kommune (et navn i kommuner). Tom: ingen egen kommune. Den teller aldri med.')
@arg('n', doc='Hvilken plass: 1 = best, 3 = tredje beste (som i rapportene).')
@arg('beste', doc='lav hvis lavest verdi er best (enhetskostnader), høy hvis høyest er best.')
def KO_NTE_BESTE(verdier, kommuner, egen_kommune, n, beste):
    'Verdien til den n-te beste kommunen blant de øvrige (egen kommune og tomme verdier teller ikke). Like verdier ordnes alfabetisk.'
    return udfs.KO_NTE_BESTE(verdier, kommuner, egen_kommune, n, beste)


@func(category='Kommuneøkonomi')
@arg('verdier', doc='Verdiene, én per kommune (tomme celler og KOSTRA-symboler som .. regnes som mangler).')
@arg('kommuner', doc='Kommunenavnene, like mange celler som verdier og i samme rekkefølge.')
@arg('egen_kommune', doc='Egen kommune (et navn i kommuner). Tom: ingen egen kommune. Den teller aldri med.')
@arg('n', doc='Hvilken plass: 1 = best, 3 = tredje beste (som i rapportene).')
@arg('beste', doc='lav hvis lavest verdi er best (enhetskostnader), høy hvis høyest er best.')
def KO_NTE_BESTE_KOMMUNE(verdier, kommuner, egen_kommune, n, beste):
    'Navnet på den n-te beste kommunen blant de øvrige, altså hvem KO_NTE_BESTE med de samme argumentene henter verdien fra.'
    return udfs.KO_NTE_BESTE_KOMMUNE(verdier, kommuner, egen_kommune, n, beste)


@func(category='Kommuneøkonomi')
@arg('rater', doc='Årlige vekstrater som andeler (2,1 % er 0,021), én per år. Tomme celler hoppes over; KOSTRA-symboler gir feil.')
@arg('deflatorer', doc='Prisveksten (f.eks. kommunal deflator) for de samme årene, som andeler.')
@arg('samlet', doc='Valgfri. SANN gir samlet realvekst for hele perioden; standard er årlig snitt.')
def KO_REALVEKST(rater, deflatorer, samlet=None):
    'Realvekst: nominell vekstfaktor delt på deflatorenes vekstfaktor, som årlig snitt (standard) eller samlet for perioden. Rater og deflatorer som andeler.'
    return udfs.KO_REALVEKST(rater, deflatorer, samlet)


@func(category='Kommuneøkonomi')
@arg('verdier', doc='Verdiene, én per kommune (tomme celler og KOSTRA-symboler som .. regnes som mangler).')
@arg('kommuner', doc='Kommunenavnene, like mange celler som verdier og i samme rekkefølge.')
@arg('egen_kommune', doc='Egen kommune (et navn i kommuner). Tom: ingen egen kommune.')
@arg('utelat', doc='Valgfri. Kommuner som holdes utenfor snittet: et område med navn eller tekst som "Oslo, Bergen".')
@arg('vekter', doc='Valgfri. Vekt per kommune (f.eks. innbyggere), samme størrelse som kommuner. Tom: uvektet snitt.')
@arg('ta_med_egen', doc='Valgfri. SANN tar med egen kommune i snittet. Standard USANN (de øvrige kommunene).')
def KO_SNITT(verdier, kommuner, egen_kommune, utelat=None, vekter=None, ta_med_egen=None):
    'Snittet av sammenligningskommunenes verdier. Egen kommune og tomme verdier holdes utenfor, med mindre ta_med_egen er SANN; valgfritt utelatte kommuner og vekter.'
    return udfs.KO_SNITT(verdier, kommuner, egen_kommune, utelat, vekter, ta_med_egen)


@func(category='Kommuneøkonomi')
@arg('rater', doc='Årlige vekstrater som andeler (2,1 % er 0,021), én per år. Tomme celler hoppes over; KOSTRA-symboler gir feil.')
def KO_VEKST(rater):
    'Samlet vekst over perioden av årlige vekstrater: (1+r1) x (1+r2) x ... - 1. Rater oppgis som andeler: 2,1 % er 0,021.'
    return udfs.KO_VEKST(rater)


@script
def beregn(book: xw.Book):
    'Beregn: skriver resultatarkene for arbeidsboka.'
    macros.beregn(book)


@script
def kontroller(book: xw.Book):
    'Kontroller: beregner og viser kontrollene.'
    macros.kontroller(book)
