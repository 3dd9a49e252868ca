/// The measures Rapport ships, as FHIR-shaped JSON data. Each is read through `InstrumentLoader`, exactly like
/// a definition an owner adds later; a test loads every one. Generated once from a script; edit the JSON, not code.
enum ShippedInstrumentDefinitions {
    static let json: [String] = [
        #"""
{
 "resourceType": "Questionnaire",
 "id": "phq-9",
 "name": "PHQ-9",
 "title": "Patient Health Questionnaire-9 (depression)",
 "version": "1",
 "purpose": "outcome",
 "direction": "lower-is-better",
 "enabledByDefault": true,
 "validated": true,
 "code": [
  {
   "system": "http://loinc.org",
   "code": "44249-1",
   "display": "PHQ-9 quick depression assessment panel"
  }
 ],
 "totalCode": {
  "system": "http://loinc.org",
  "code": "44261-6",
  "display": "Patient Health Questionnaire 9 item (PHQ-9) total score"
 },
 "prompt": "Over the last 2 weeks, how often have you been bothered by any of the following problems?",
 "answerOption": [
  {
   "value": 0,
   "display": "Not at all"
  },
  {
   "value": 1,
   "display": "Several days"
  },
  {
   "value": 2,
   "display": "More than half the days"
  },
  {
   "value": 3,
   "display": "Nearly every day"
  }
 ],
 "item": [
  {
   "linkId": "1",
   "text": "Little interest or pleasure in doing things"
  },
  {
   "linkId": "2",
   "text": "Feeling down, depressed, or hopeless"
  },
  {
   "linkId": "3",
   "text": "Trouble falling or staying asleep, or sleeping too much"
  },
  {
   "linkId": "4",
   "text": "Feeling tired or having little energy"
  },
  {
   "linkId": "5",
   "text": "Poor appetite or overeating"
  },
  {
   "linkId": "6",
   "text": "Feeling bad about yourself, or that you are a failure or have let yourself or your family down"
  },
  {
   "linkId": "7",
   "text": "Trouble concentrating on things, such as reading the newspaper or watching television"
  },
  {
   "linkId": "8",
   "text": "Moving or speaking so slowly that other people could have noticed, or the opposite: being so fidgety or restless that you have been moving around a lot more than usual"
  },
  {
   "linkId": "9",
   "text": "Thoughts that you would be better off dead, or of hurting yourself in some way",
   "risk": true
  }
 ],
 "band": [
  {
   "code": "minimal",
   "display": "Minimal",
   "min": 0,
   "max": 4
  },
  {
   "code": "mild",
   "display": "Mild",
   "min": 5,
   "max": 9
  },
  {
   "code": "moderate",
   "display": "Moderate",
   "min": 10,
   "max": 14
  },
  {
   "code": "moderately-severe",
   "display": "Moderately severe",
   "min": 15,
   "max": 19
  },
  {
   "code": "severe",
   "display": "Severe",
   "min": 20,
   "max": 27
  }
 ],
 "casenessCutoff": 10,
 "reliableChange": 6,
 "rci": {
  "s1": 5.41,
  "r": 0.84,
  "source": "r = 0.84: 48-hour test-retest reliability, Kroenke, Spitzer & Williams (2001), J Gen Intern Med 16:606-613. s1 is the intake standard deviation implied by the NHS Talking Therapies reliable-change amount of 6 points with that r (s1 = 6 / (1.96 x sqrt(2) x sqrt(1 - r)), rounded down to two decimals), so that |RC| > 1.96 agrees with the NHS convention. Replace with your service's intake SD when you have one."
 },
 "source": "Kroenke K, Spitzer RL, Williams JBW (2001). The PHQ-9: validity of a brief depression severity measure. J Gen Intern Med 16(9):606-613. Bands as published; caseness 10 and reliable change 6 per the NHS Talking Therapies manual.",
 "licence": "Developed by Drs Robert L. Spitzer, Janet B.W. Williams, Kurt Kroenke and colleagues, with an educational grant from Pfizer Inc. No permission required to reproduce, translate, display or distribute. (c) Pfizer Inc."
}
"""#,
        #"""
{
 "resourceType": "Questionnaire",
 "id": "gad-7",
 "name": "GAD-7",
 "title": "Generalised Anxiety Disorder-7",
 "version": "1",
 "purpose": "outcome",
 "direction": "lower-is-better",
 "enabledByDefault": true,
 "validated": true,
 "code": [
  {
   "system": "http://loinc.org",
   "code": "69737-5",
   "display": "Generalized anxiety disorder 7 item (GAD-7)"
  }
 ],
 "totalCode": {
  "system": "http://loinc.org",
  "code": "70274-6",
  "display": "Generalized anxiety disorder 7 item (GAD-7) total score"
 },
 "prompt": "Over the last 2 weeks, how often have you been bothered by the following problems?",
 "answerOption": [
  {
   "value": 0,
   "display": "Not at all"
  },
  {
   "value": 1,
   "display": "Several days"
  },
  {
   "value": 2,
   "display": "More than half the days"
  },
  {
   "value": 3,
   "display": "Nearly every day"
  }
 ],
 "item": [
  {
   "linkId": "1",
   "text": "Feeling nervous, anxious or on edge"
  },
  {
   "linkId": "2",
   "text": "Not being able to stop or control worrying"
  },
  {
   "linkId": "3",
   "text": "Worrying too much about different things"
  },
  {
   "linkId": "4",
   "text": "Trouble relaxing"
  },
  {
   "linkId": "5",
   "text": "Being so restless that it is hard to sit still"
  },
  {
   "linkId": "6",
   "text": "Becoming easily annoyed or irritable"
  },
  {
   "linkId": "7",
   "text": "Feeling afraid as if something awful might happen"
  }
 ],
 "band": [
  {
   "code": "minimal",
   "display": "Minimal",
   "min": 0,
   "max": 4
  },
  {
   "code": "mild",
   "display": "Mild",
   "min": 5,
   "max": 9
  },
  {
   "code": "moderate",
   "display": "Moderate",
   "min": 10,
   "max": 14
  },
  {
   "code": "severe",
   "display": "Severe",
   "min": 15,
   "max": 21
  }
 ],
 "casenessCutoff": 8,
 "reliableChange": 4,
 "rci": {
  "s1": 3.49,
  "r": 0.83,
  "source": "r = 0.83: test-retest intraclass correlation, Spitzer, Kroenke, Williams & Lowe (2006), Arch Intern Med 166:1092-1097. s1 is the intake standard deviation implied by the NHS Talking Therapies reliable-change amount of 4 points with that r (s1 = 4 / (1.96 x sqrt(2) x sqrt(1 - r)), rounded down to two decimals). Replace with your service's intake SD when you have one."
 },
 "source": "Spitzer RL, Kroenke K, Williams JBW, Lowe B (2006). A brief measure for assessing generalized anxiety disorder: the GAD-7. Arch Intern Med 166(10):1092-1097. Caseness 8 and reliable change 4 per the NHS Talking Therapies manual.",
 "licence": "Developed by Drs Robert L. Spitzer, Janet B.W. Williams, Kurt Kroenke and colleagues, with an educational grant from Pfizer Inc. No permission required to reproduce, translate, display or distribute. (c) Pfizer Inc."
}
"""#,
        #"""
{
 "resourceType": "Questionnaire",
 "id": "session-feedback",
 "name": "Session feedback",
 "title": "How the session felt",
 "version": "1",
 "purpose": "session-feedback",
 "direction": "higher-is-better",
 "enabledByDefault": true,
 "validated": false,
 "code": [
  {
   "system": "https://rapport.invalid/instruments",
   "code": "session-feedback",
   "display": "Rapport session feedback"
  }
 ],
 "prompt": "Thinking about your last session, how true is each of these for you? There are no right answers, and honest ones help most.",
 "item": [
  {
   "linkId": "heard",
   "text": "I felt heard, understood and respected.",
   "range": {
    "min": 0,
    "max": 10,
    "step": 1,
    "minLabel": "Not at all",
    "maxLabel": "Completely"
   }
  },
  {
   "linkId": "goals",
   "text": "We worked on and talked about what I wanted to.",
   "range": {
    "min": 0,
    "max": 10,
    "step": 1,
    "minLabel": "Not at all",
    "maxLabel": "Completely"
   }
  },
  {
   "linkId": "approach",
   "text": "The way we worked fitted me.",
   "range": {
    "min": 0,
    "max": 10,
    "step": 1,
    "minLabel": "Not at all",
    "maxLabel": "Completely"
   }
  },
  {
   "linkId": "overall",
   "text": "Overall, the session was right for me.",
   "range": {
    "min": 0,
    "max": 10,
    "step": 1,
    "minLabel": "Not at all",
    "maxLabel": "Completely"
   }
  }
 ],
 "band": [],
 "flag": [
  {
   "code": "alliance-concern",
   "when": "total-below",
   "value": 36,
   "explanation": "Total below 36 of 40 (PCOMS convention for session ratings)."
  },
  {
   "code": "alliance-concern",
   "when": "any-item-below",
   "value": 6,
   "explanation": "Any one answer below 6 of 10."
  }
 ],
 "source": "Written by Rapport after the areas of the Session Rating Scale (Duncan, Miller et al. 2003) and Bordin's working alliance: bond, goals, tasks, overall. It is not a validated instrument, and Rapport says so wherever it is shown. Alliance-concern threshold after the PCOMS convention.",
 "licence": "Rapport's own wording, free to use and change."
}
"""#,
        #"""
{
 "resourceType": "Questionnaire",
 "id": "ors",
 "name": "ORS",
 "title": "Outcome Rating Scale",
 "version": "1",
 "purpose": "outcome",
 "direction": "higher-is-better",
 "enabledByDefault": false,
 "validated": true,
 "code": [
  {
   "system": "https://rapport.invalid/instruments",
   "code": "ors",
   "display": "Outcome Rating Scale"
  }
 ],
 "prompt": "Looking back over the last week, including today, how have you been doing in each of these areas of your life?",
 "item": [
  {
   "linkId": "individually",
   "text": "Individually (personal well-being)",
   "range": {
    "min": 0,
    "max": 10,
    "step": 0.1
   }
  },
  {
   "linkId": "interpersonally",
   "text": "Interpersonally (family, close relationships)",
   "range": {
    "min": 0,
    "max": 10,
    "step": 0.1
   }
  },
  {
   "linkId": "socially",
   "text": "Socially (work, school, friendships)",
   "range": {
    "min": 0,
    "max": 10,
    "step": 0.1
   }
  },
  {
   "linkId": "overall",
   "text": "Overall (general sense of well-being)",
   "range": {
    "min": 0,
    "max": 10,
    "step": 0.1
   }
  }
 ],
 "band": [
  {
   "code": "clinical",
   "display": "In the clinical range",
   "min": 0,
   "max": 24.9
  },
  {
   "code": "non-clinical",
   "display": "Above the clinical cutoff",
   "min": 25,
   "max": 40
  }
 ],
 "casenessCutoff": 25,
 "reliableChange": 5,
 "source": "Miller SD, Duncan BL, Brown J, Sparks JA, Claud DA (2003). The Outcome Rating Scale: a preliminary study of the reliability, validity, and feasibility of a brief visual analog measure. Journal of Brief Therapy 2(2):91-100. Adult clinical cutoff 25 and reliable change 5 as published with PCOMS.",
 "licence": "(c) Scott D. Miller and Barry L. Duncan. Free for individual practitioners with a licence from the authors' website; groups and agencies need a paid licence. The owner enables this measure only after obtaining the licence."
}
"""#,
        #"""
{
 "resourceType": "Questionnaire",
 "id": "srs",
 "name": "SRS",
 "title": "Session Rating Scale",
 "version": "1",
 "purpose": "session-feedback",
 "direction": "higher-is-better",
 "enabledByDefault": false,
 "validated": true,
 "code": [
  {
   "system": "https://rapport.invalid/instruments",
   "code": "srs",
   "display": "Session Rating Scale"
  }
 ],
 "prompt": "Please rate today's session by marking where you feel it fits best.",
 "item": [
  {
   "linkId": "relationship",
   "text": "Relationship: I felt heard, understood, and respected",
   "range": {
    "min": 0,
    "max": 10,
    "step": 0.1
   }
  },
  {
   "linkId": "goals",
   "text": "Goals and topics: we worked on and talked about what I wanted to",
   "range": {
    "min": 0,
    "max": 10,
    "step": 0.1
   }
  },
  {
   "linkId": "approach",
   "text": "Approach or method: the therapist's approach is a good fit for me",
   "range": {
    "min": 0,
    "max": 10,
    "step": 0.1
   }
  },
  {
   "linkId": "overall",
   "text": "Overall: today's session was right for me",
   "range": {
    "min": 0,
    "max": 10,
    "step": 0.1
   }
  }
 ],
 "band": [],
 "flag": [
  {
   "code": "alliance-concern",
   "when": "total-below",
   "value": 36,
   "explanation": "Total below 36 of 40 (PCOMS)."
  }
 ],
 "source": "Duncan BL, Miller SD, Sparks JA, Claud DA, Reynolds LR, Brown J, Johnson LD (2003). The Session Rating Scale: preliminary psychometric properties of a working alliance measure. Journal of Brief Therapy 3(1):3-12.",
 "licence": "(c) Barry L. Duncan, Scott D. Miller and Lynn D. Johnson. Free for individual practitioners with a licence from the authors' website; groups and agencies need a paid licence. The owner enables this measure only after obtaining the licence."
}
"""#,
        #"""
{
 "resourceType": "Questionnaire",
 "id": "core-10",
 "name": "CORE-10",
 "title": "Clinical Outcomes in Routine Evaluation-10",
 "version": "1",
 "purpose": "outcome",
 "direction": "lower-is-better",
 "enabledByDefault": false,
 "validated": true,
 "code": [
  {
   "system": "https://rapport.invalid/instruments",
   "code": "core-10",
   "display": "CORE-10"
  }
 ],
 "prompt": "Over the last week...",
 "answerOption": [
  {
   "value": 0,
   "display": "Not at all"
  },
  {
   "value": 1,
   "display": "Only occasionally"
  },
  {
   "value": 2,
   "display": "Sometimes"
  },
  {
   "value": 3,
   "display": "Often"
  },
  {
   "value": 4,
   "display": "Most or all of the time"
  }
 ],
 "item": [
  {
   "linkId": "1",
   "text": "I have felt tense, anxious or nervous"
  },
  {
   "linkId": "2",
   "text": "I have felt I have someone to turn to for support when needed",
   "reverse": true
  },
  {
   "linkId": "3",
   "text": "I have felt able to cope when things go wrong",
   "reverse": true
  },
  {
   "linkId": "4",
   "text": "Talking to people has felt too much for me"
  },
  {
   "linkId": "5",
   "text": "I have felt panic or terror"
  },
  {
   "linkId": "6",
   "text": "I made plans to end my life",
   "risk": true
  },
  {
   "linkId": "7",
   "text": "I have had difficulty getting to sleep or staying asleep"
  },
  {
   "linkId": "8",
   "text": "I have felt despairing or hopeless"
  },
  {
   "linkId": "9",
   "text": "I have felt unhappy"
  },
  {
   "linkId": "10",
   "text": "Unwanted images or memories have been distressing me"
  }
 ],
 "band": [
  {
   "code": "healthy",
   "display": "Healthy",
   "min": 0,
   "max": 5
  },
  {
   "code": "low",
   "display": "Low level",
   "min": 6,
   "max": 10
  },
  {
   "code": "mild",
   "display": "Mild",
   "min": 11,
   "max": 14
  },
  {
   "code": "moderate",
   "display": "Moderate",
   "min": 15,
   "max": 19
  },
  {
   "code": "moderate-to-severe",
   "display": "Moderate to severe",
   "min": 20,
   "max": 24
  },
  {
   "code": "severe",
   "display": "Severe",
   "min": 25,
   "max": 40
  }
 ],
 "casenessCutoff": 11,
 "reliableChange": 6,
 "source": "Barkham M, Bewick B, Mullin T, Gilbody S, Connell J, Cahill J, Mellor-Clark J, Richards D, Unsworth G, Evans C (2013). The CORE-10: a short measure of psychological distress for routine use in the psychological therapies. Counselling and Psychotherapy Research 13(1):3-13. Items 2 and 3 are scored in reverse; item 6 is the risk item.",
 "licence": "(c) CORE System Trust. Free to use, copy and distribute provided it is not changed and not sold. Enable it only if you will use it unchanged."
}
"""#,
    ]
}
