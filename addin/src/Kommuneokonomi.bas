Attribute VB_Name = "Kommuneokonomi"
' Kommuneøkonomi: knappene i fanen «Kommuneøkonomi» (addin/src/customUI14.xml).
'
' Hver knapp kaller Python gjennom RunPython i modulen xlwings (xlwings' VBA for egne tillegg,
' se addin/README.md). Python finner arbeidsboka med xw.Book.caller(), som for et tillegg er
' den aktive arbeidsboka, så eksempel- og malarbeidsbøkene kan være vanlige .xlsx-filer.
'
' Sikkerhet: modulen starter ingen programmer selv, sletter ingen filer og leser ingen
' innstillinger fra arbeidsbøkene. Hvilken Python som startes, står i brukerens egen
' innstillingsfil (%USERPROFILE%\.kommuneokonomi\kommuneokonomi.conf), skrevet av
' «kommuneokonomi-addin install».
'
' Kildefilen er UTF-8 med LF; scripts/build_addin.py lagrer den i tillegget som tegnsett 1252
' med CRLF, slik VBA-redigeringsprogrammet gjør.
Option Explicit

Private Const TITTEL As String = "Kommuneøkonomi"
Private Const MAKROER As String = "import kommuneokonomi.macros as m; m."

' ---------------------------------------------------------------------------------------------
' Knappene (onAction i customUI14.xml)
' ---------------------------------------------------------------------------------------------

Public Sub KnappBeregn(control As IRibbonControl)
    KjorPython "beregn_knapp()", "Kommuneøkonomi: beregner ..."
End Sub

Public Sub KnappKontroller(control As IRibbonControl)
    KjorPython "kontroller_knapp()", "Kommuneøkonomi: kontrollerer ..."
End Sub

Public Sub KnappNyInnsparing(control As IRibbonControl)
    NyAnalyse "innsparing"
End Sub

Public Sub KnappNyStandardanalyse(control As IRibbonControl)
    ' Python spør selv om kommune, år og gruppe (Excels InputBox): det brukeren skriver,
    ' kommer aldri inn i teksten til RunPython.
    Dim tom As Workbook
    If ActiveWorkbook Is Nothing Then Set tom = Workbooks.Add
    KjorPython "ny_standardanalyse_knapp()", "Kommuneøkonomi: lager standardanalyse ..."
    If Not tom Is Nothing Then tom.Close SaveChanges:=False
End Sub

Public Sub KnappNyBudsjett(control As IRibbonControl)
    NyAnalyse "budsjett"
End Sub

Public Sub KnappNyPlan(control As IRibbonControl)
    NyAnalyse "plan"
End Sub

Public Sub KnappLagNotat(control As IRibbonControl)
    KjorPython "lag_notat_knapp()", "Kommuneøkonomi: skriver notatet ..."
End Sub

Public Sub KnappHentKostra(control As IRibbonControl)
    KjorPython "hent_kostra_knapp()", "Kommuneøkonomi: henter KOSTRA-tall fra SSB ..."
End Sub

Public Sub KnappImporterFunksjoner(control As IRibbonControl)
    ' xlwings skriver funksjonene KO_... som VBA-modulen xlwings_udfs i dette tillegget (ikke i
    ' brukerens arbeidsbok, som kan forbli .xlsx). Det krever tilgang til VBA-prosjektets
    ' objektmodell; tillegget lagres etterpå så funksjonene er der neste gang Excel starter.
    Dim antall As Long
    Dim svar As String

    On Error Resume Next
    antall = ThisWorkbook.VBProject.VBComponents.Count
    If Err.Number <> 0 Then
        On Error GoTo 0
        MsgBox "Excel gir ikke tillegget tilgang til VBA-prosjektet, og det trengs for å " & _
            "importere funksjonene." & vbCrLf & vbCrLf & _
            "Slå det på slik: Fil > Alternativer > Klareringssenter > Innstillinger for " & _
            "klareringssenter > Makroinnstillinger > kryss av for «Klarer tilgang til " & _
            "objektmodellen for VBA-prosjektet». Klikk så «Importer funksjoner» igjen.", _
            vbExclamation, TITTEL
        Exit Sub
    End If

    On Error GoTo Feil
    If GetConfig("CONDA PATH") <> "" Then
        If CheckConda(GetConfig("CONDA PATH")) = False Then Exit Sub
    End If
    Application.StatusBar = "Kommuneøkonomi: importerer funksjonene ..."
    svar = XLPy.Str(XLPy.Call(XLPy.Module("kommuneokonomi.excel_repair"), "import_functions", _
        XLPy.Tuple(GetUdfModules(ThisWorkbook), ThisWorkbook)))
    Application.StatusBar = False

    On Error GoTo IkkeLagret
    ThisWorkbook.Save
    MsgBox "Funksjonene KO_... er importert og lagret i tillegget. De virker i alle " & _
        "arbeidsbøker så lenge tillegget er lastet.", vbInformation, TITTEL
    Exit Sub

IkkeLagret:
    MsgBox "Funksjonene er importert, men tillegget kunne ikke lagres (" & Err.Description & _
        "). De virker til Excel lukkes; klikk «Importer funksjoner» igjen neste gang.", _
        vbExclamation, TITTEL
    Exit Sub

Feil:
    Application.StatusBar = False
    MsgBox "Funksjonene kunne ikke importeres:" & vbCrLf & vbCrLf & Err.Description, _
        vbCritical, TITTEL
End Sub

Public Sub KnappHjelp(control As IRibbonControl)
    Dim tekst As String
    tekst = "Knappene virker på den aktive arbeidsboka:" & vbCrLf & vbCrLf
    tekst = tekst & "• Beregn: leser inndatatabellene, regner ut og skriver resultatarkene " & _
        "(Innsparing, Nøkkeltall, Kontroller eller Plan). Inndataarkene endres aldri." & vbCrLf
    tekst = tekst & "• Kontroller: som Beregn, og for budsjett og plan en oppsummering av " & _
        "kontrollene (OK, AVVIK, ADVARSEL)." & vbCrLf
    tekst = tekst & "• Ny analyse: lager en ny arbeidsbok fra malen for innsparingsanalyse, " & _
        "budsjettkontroll eller økonomiplan." & vbCrLf
    tekst = tekst & "• Lag notat: skriver et notat (Word) fra den beregnede " & _
        "innsparingsanalysen, ved siden av arbeidsboken." & vbCrLf
    tekst = tekst & "• Hent KOSTRA-tall: henter tall fra SSB til tabellen Data." & vbCrLf
    tekst = tekst & "• Importer funksjoner: reparasjon, hvis regnearkfunksjonene KO_... er " & _
        "borte (de følger ellers med tillegget)." & vbCrLf & vbCrLf
    tekst = tekst & "Feil i inndata vises med ark og celle, og da skrives ingenting." & _
        vbCrLf & vbCrLf
    tekst = tekst & "Innstillinger (hvilken Python som brukes): " & GetConfigFilePath() & _
        vbCrLf
    tekst = tekst & "Tillegget: " & ThisWorkbook.FullName & vbCrLf
    tekst = tekst & "xlwings " & XLWINGS_VERSION & vbCrLf & vbCrLf
    tekst = tekst & "Installer eller oppdater med: kommuneokonomi-addin install"
    MsgBox tekst, vbInformation, TITTEL
End Sub

' ---------------------------------------------------------------------------------------------
' Hjelpere
' ---------------------------------------------------------------------------------------------

Private Sub NyAnalyse(typen As String)
    ' Python lager analysen i en ny arbeidsbok, men trenger en aktiv arbeidsbok å starte fra
    ' (xw.Book.caller()). Er ingen åpen, lages en tom som lukkes igjen etterpå.
    Dim tom As Workbook
    If ActiveWorkbook Is Nothing Then Set tom = Workbooks.Add
    KjorPython "ny_analyse_knapp('" & typen & "')", "Kommuneøkonomi: lager ny analyse ..."
    If Not tom Is Nothing Then tom.Close SaveChanges:=False
End Sub

Private Sub KjorPython(kall As String, melding As String)
    ' Kjører kommuneokonomi.macros.<kall> for den aktive arbeidsboka; kall er en av de faste
    ' tekstene i denne modulen, aldri noe lest fra en arbeidsbok.
    If ActiveWorkbook Is Nothing Then
        MsgBox "Ingen arbeidsbok er aktiv." & vbCrLf & vbCrLf & _
            "Åpne arbeidsboka du vil bruke, og prøv igjen. Er den åpnet i beskyttet visning, " & _
            "klikker du først «Aktiver redigering».", vbExclamation, TITTEL
        Exit Sub
    End If
    On Error GoTo Feil
    Application.StatusBar = melding
    RunPython MAKROER & kall
    Application.StatusBar = False
    Exit Sub
Feil:
    Application.StatusBar = False
    MsgBox "Python kunne ikke startes: " & Err.Description, vbCritical, TITTEL
End Sub
