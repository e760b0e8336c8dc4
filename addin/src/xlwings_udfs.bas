Attribute VB_Name = "xlwings_udfs"
' Laget av scripts/build_addin.py --udfs fra kommuneokonomi.udfs; ikke rediger.

#Const App = "Microsoft Excel" 'Adjust when using outside of Excel

Function KO_ARLIG_VEKST(rater)
    #If App = "Microsoft Excel" Then
        If TypeOf Application.Caller Is Range Then On Error GoTo failed
        KO_ARLIG_VEKST = XLPy.CallUDF("kommuneokonomi.udfs", "KO_ARLIG_VEKST", Array(rater), ActiveWorkbook, Application.Caller)
        Exit Function
    #Else
        KO_ARLIG_VEKST = XLPy.CallUDF("kommuneokonomi.udfs", "KO_ARLIG_VEKST", Array(rater))
        Exit Function
    #End If
failed:
    KO_ARLIG_VEKST = Err.Description
End Function

Function KO_AVDRAGSPLAN(laan, avdragstid, rente, opptaksaar, Optional til_aar)
    #If App = "Microsoft Excel" Then
        If TypeOf Application.Caller Is Range Then On Error GoTo failed
        KO_AVDRAGSPLAN = XLPy.CallUDF("kommuneokonomi.udfs", "KO_AVDRAGSPLAN", Array(laan, avdragstid, rente, opptaksaar, til_aar), ActiveWorkbook, Application.Caller)
        Exit Function
    #Else
        KO_AVDRAGSPLAN = XLPy.CallUDF("kommuneokonomi.udfs", "KO_AVDRAGSPLAN", Array(laan, avdragstid, rente, opptaksaar, til_aar))
        Exit Function
    #End If
failed:
    KO_AVDRAGSPLAN = Err.Description
End Function

Function KO_BEHOVSKORRIGERT(utgift_per_innbygger, utgiftsbehov_indeks)
    #If App = "Microsoft Excel" Then
        If TypeOf Application.Caller Is Range Then On Error GoTo failed
        KO_BEHOVSKORRIGERT = XLPy.CallUDF("kommuneokonomi.udfs", "KO_BEHOVSKORRIGERT", Array(utgift_per_innbygger, utgiftsbehov_indeks), ActiveWorkbook, Application.Caller)
        Exit Function
    #Else
        KO_BEHOVSKORRIGERT = XLPy.CallUDF("kommuneokonomi.udfs", "KO_BEHOVSKORRIGERT", Array(utgift_per_innbygger, utgiftsbehov_indeks))
        Exit Function
    #End If
failed:
    KO_BEHOVSKORRIGERT = Err.Description
End Function

Function KO_DEMOGRAFIKOSTNAD(satser, antall_basis, antall_aar, Optional andel, Optional antall_aaret_for)
    #If App = "Microsoft Excel" Then
        If TypeOf Application.Caller Is Range Then On Error GoTo failed
        KO_DEMOGRAFIKOSTNAD = XLPy.CallUDF("kommuneokonomi.udfs", "KO_DEMOGRAFIKOSTNAD", Array(satser, antall_basis, antall_aar, andel, antall_aaret_for), ActiveWorkbook, Application.Caller)
        Exit Function
    #Else
        KO_DEMOGRAFIKOSTNAD = XLPy.CallUDF("kommuneokonomi.udfs", "KO_DEMOGRAFIKOSTNAD", Array(satser, antall_basis, antall_aar, andel, antall_aaret_for))
        Exit Function
    #End If
failed:
    KO_DEMOGRAFIKOSTNAD = Err.Description
End Function

Function KO_INNSPARING(egen, referanse, volum, beste, Optional beregning, Optional faktor)
    #If App = "Microsoft Excel" Then
        If TypeOf Application.Caller Is Range Then On Error GoTo failed
        KO_INNSPARING = XLPy.CallUDF("kommuneokonomi.udfs", "KO_INNSPARING", Array(egen, referanse, volum, beste, beregning, faktor), ActiveWorkbook, Application.Caller)
        Exit Function
    #Else
        KO_INNSPARING = XLPy.CallUDF("kommuneokonomi.udfs", "KO_INNSPARING", Array(egen, referanse, volum, beste, beregning, faktor))
        Exit Function
    #End If
failed:
    KO_INNSPARING = Err.Description
End Function

Function KO_INNSPARINGSTABELL(data, indikatorer, innstillinger, Optional kommuner)
    #If App = "Microsoft Excel" Then
        If TypeOf Application.Caller Is Range Then On Error GoTo failed
        KO_INNSPARINGSTABELL = XLPy.CallUDF("kommuneokonomi.udfs", "KO_INNSPARINGSTABELL", Array(data, indikatorer, innstillinger, kommuner), ActiveWorkbook, Application.Caller)
        Exit Function
    #Else
        KO_INNSPARINGSTABELL = XLPy.CallUDF("kommuneokonomi.udfs", "KO_INNSPARINGSTABELL", Array(data, indikatorer, innstillinger, kommuner))
        Exit Function
    #End If
failed:
    KO_INNSPARINGSTABELL = Err.Description
End Function

Function KO_KONTROLLSUM(belop, oppgitt_sum, Optional toleranse)
    #If App = "Microsoft Excel" Then
        If TypeOf Application.Caller Is Range Then On Error GoTo failed
        KO_KONTROLLSUM = XLPy.CallUDF("kommuneokonomi.udfs", "KO_KONTROLLSUM", Array(belop, oppgitt_sum, toleranse), ActiveWorkbook, Application.Caller)
        Exit Function
    #Else
        KO_KONTROLLSUM = XLPy.CallUDF("kommuneokonomi.udfs", "KO_KONTROLLSUM", Array(belop, oppgitt_sum, toleranse))
        Exit Function
    #End If
failed:
    KO_KONTROLLSUM = Err.Description
End Function

Function KO_KORRIGERT_NDR(netto_driftsresultat, driftsinntekter, Optional investeringsmoms, Optional premieavvik, Optional bundne_fond, Optional kraftfond)
    #If App = "Microsoft Excel" Then
        If TypeOf Application.Caller Is Range Then On Error GoTo failed
        KO_KORRIGERT_NDR = XLPy.CallUDF("kommuneokonomi.udfs", "KO_KORRIGERT_NDR", Array(netto_driftsresultat, driftsinntekter, investeringsmoms, premieavvik, bundne_fond, kraftfond), ActiveWorkbook, Application.Caller)
        Exit Function
    #Else
        KO_KORRIGERT_NDR = XLPy.CallUDF("kommuneokonomi.udfs", "KO_KORRIGERT_NDR", Array(netto_driftsresultat, driftsinntekter, investeringsmoms, premieavvik, bundne_fond, kraftfond))
        Exit Function
    #End If
failed:
    KO_KORRIGERT_NDR = Err.Description
End Function

Function KO_NDR(netto_driftsresultat, driftsinntekter)
    #If App = "Microsoft Excel" Then
        If TypeOf Application.Caller Is Range Then On Error GoTo failed
        KO_NDR = XLPy.CallUDF("kommuneokonomi.udfs", "KO_NDR", Array(netto_driftsresultat, driftsinntekter), ActiveWorkbook, Application.Caller)
        Exit Function
    #Else
        KO_NDR = XLPy.CallUDF("kommuneokonomi.udfs", "KO_NDR", Array(netto_driftsresultat, driftsinntekter))
        Exit Function
    #End If
failed:
    KO_NDR = Err.Description
End Function

Function KO_NTE_BESTE(verdier, kommuner, egen_kommune, n, beste)
    #If App = "Microsoft Excel" Then
        If TypeOf Application.Caller Is Range Then On Error GoTo failed
        KO_NTE_BESTE = XLPy.CallUDF("kommuneokonomi.udfs", "KO_NTE_BESTE", Array(verdier, kommuner, egen_kommune, n, beste), ActiveWorkbook, Application.Caller)
        Exit Function
    #Else
        KO_NTE_BESTE = XLPy.CallUDF("kommuneokonomi.udfs", "KO_NTE_BESTE", Array(verdier, kommuner, egen_kommune, n, beste))
        Exit Function
    #End If
failed:
    KO_NTE_BESTE = Err.Description
End Function

Function KO_NTE_BESTE_KOMMUNE(verdier, kommuner, egen_kommune, n, beste)
    #If App = "Microsoft Excel" Then
        If TypeOf Application.Caller Is Range Then On Error GoTo failed
        KO_NTE_BESTE_KOMMUNE = XLPy.CallUDF("kommuneokonomi.udfs", "KO_NTE_BESTE_KOMMUNE", Array(verdier, kommuner, egen_kommune, n, beste), ActiveWorkbook, Application.Caller)
        Exit Function
    #Else
        KO_NTE_BESTE_KOMMUNE = XLPy.CallUDF("kommuneokonomi.udfs", "KO_NTE_BESTE_KOMMUNE", Array(verdier, kommuner, egen_kommune, n, beste))
        Exit Function
    #End If
failed:
    KO_NTE_BESTE_KOMMUNE = Err.Description
End Function

Function KO_REALVEKST(rater, deflatorer, Optional samlet)
    #If App = "Microsoft Excel" Then
        If TypeOf Application.Caller Is Range Then On Error GoTo failed
        KO_REALVEKST = XLPy.CallUDF("kommuneokonomi.udfs", "KO_REALVEKST", Array(rater, deflatorer, samlet), ActiveWorkbook, Application.Caller)
        Exit Function
    #Else
        KO_REALVEKST = XLPy.CallUDF("kommuneokonomi.udfs", "KO_REALVEKST", Array(rater, deflatorer, samlet))
        Exit Function
    #End If
failed:
    KO_REALVEKST = Err.Description
End Function

Function KO_SNITT(verdier, kommuner, egen_kommune, Optional utelat, Optional vekter, Optional ta_med_egen)
    #If App = "Microsoft Excel" Then
        If TypeOf Application.Caller Is Range Then On Error GoTo failed
        KO_SNITT = XLPy.CallUDF("kommuneokonomi.udfs", "KO_SNITT", Array(verdier, kommuner, egen_kommune, utelat, vekter, ta_med_egen), ActiveWorkbook, Application.Caller)
        Exit Function
    #Else
        KO_SNITT = XLPy.CallUDF("kommuneokonomi.udfs", "KO_SNITT", Array(verdier, kommuner, egen_kommune, utelat, vekter, ta_med_egen))
        Exit Function
    #End If
failed:
    KO_SNITT = Err.Description
End Function

Function KO_VEKST(rater)
    #If App = "Microsoft Excel" Then
        If TypeOf Application.Caller Is Range Then On Error GoTo failed
        KO_VEKST = XLPy.CallUDF("kommuneokonomi.udfs", "KO_VEKST", Array(rater), ActiveWorkbook, Application.Caller)
        Exit Function
    #Else
        KO_VEKST = XLPy.CallUDF("kommuneokonomi.udfs", "KO_VEKST", Array(rater))
        Exit Function
    #End If
failed:
    KO_VEKST = Err.Description
End Function
