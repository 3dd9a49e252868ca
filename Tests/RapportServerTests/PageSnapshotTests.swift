import Foundation
import Plot
@testable import RapportCore
@testable import RapportServer
import SnapshotTesting
import Testing

/// The main pages rendered whole from fixed models, no server and no request, and compared with the reviewed
/// snapshots in `__Snapshots__/PageSnapshotTests/`. A change to a page's shape shows here as a diff to read; when
/// the change is meant, delete the snapshot file and run the test once to record the new one (then review it).
@Suite struct PageSnapshotTests {
    static let now = Date(timeIntervalSince1970: 1_796_126_400) // Tue 1 Dec 2026, 12:00 UTC
    static let zone = TimeZone(identifier: "Europe/London")!
    static let therapistID = UUID(uuidString: "00000000-0000-4000-8000-00000000000a")!
    static let clientID = UUID(uuidString: "00000000-0000-4000-8000-0000000000c1")!
    static let practiceID = UUID(uuidString: "00000000-0000-4000-8000-0000000000b1")!

    static func id(_ n: Int) -> UUID { UUID(uuidString: String(format: "00000000-0000-4000-8000-%012d", n))! }
    static func days(_ n: Double) -> Date { now.addingTimeInterval(n * 86400) }

    static func context(_ role: Role, clientID: UUID? = nil, path: String = "") -> PageContext {
        let actor = Principal(userID: role == .client ? id(99) : therapistID, role: role, practiceID: practiceID, clientID: clientID)
        return PageContext(csrfToken: "csrf-token-for-snapshots", identity: Identity(requester: .signedIn(actor), user: nil, signIn: nil),
                           path: path)
    }

    static func definition(_ id: String) -> InstrumentDefinition { InstrumentCatalogue.definition(id: id)! }

    static func appointment(_ n: Int, at start: Date, attendance: Attendance? = nil, lateMinutes: Int? = nil,
                            location: String? = "Room 2, Harbour Street") -> AppointmentView {
        AppointmentView(id: id(n), clientID: clientID, therapistID: therapistID, startsAt: start, durationMinutes: 50, location: location,
                        cancelled: attendance == .cancelledLate, attendance: attendance, lateMinutes: lateMinutes)
    }

    static func checkIn(_ n: Int, _ instrument: String, for appointment: AppointmentView, answers: [Double], comment: String? = nil,
                        inRoom: Bool = false) throws -> CheckInView {
        let definition = definition(instrument)
        let result = try Scoring.score(definition, answers: answers)
        return CheckInView(id: id(n), appointmentID: appointment.id, definition: definition, answers: answers, comment: comment,
                           total: result.total, band: result.band, flags: result.flags, inRoom: inRoom,
                           startedAt: appointment.startsAt.addingTimeInterval(-86400), completedAt: appointment.startsAt.addingTimeInterval(-3600))
    }

    /// A client three sessions in: two scores each on PHQ-9 and GAD-7, feedback with a comment, a risk alert, notes.
    static func recordModel() throws -> RecordPage.Model {
        let first = appointment(1, at: days(-14), attendance: .attended)
        let second = appointment(2, at: days(-7), attendance: .late, lateMinutes: 10)
        let next = appointment(3, at: days(2), location: "Video call")
        let measures = ["phq-9", "gad-7", "session-feedback"].map(definition)
        let results = [
            try checkIn(10, "phq-9", for: first, answers: [2, 2, 2, 2, 2, 2, 2, 2, 1]),
            try checkIn(11, "gad-7", for: first, answers: [2, 2, 2, 2, 2, 2, 1]),
            try checkIn(12, "session-feedback", for: first, answers: [9, 9, 8, 9]),
            try checkIn(13, "phq-9", for: second, answers: [1, 1, 1, 1, 1, 1, 1, 1, 1]),
            try checkIn(14, "gad-7", for: second, answers: [1, 1, 1, 1, 1, 1, 1]),
            try checkIn(15, "session-feedback", for: second, answers: [8, 6, 7, 8],
                        comment: "It felt rushed at the end, and I didn't get to talk about work."),
        ]
        let done = Set(results.map { CheckInKey(appointmentID: $0.appointmentID, instrumentID: $0.definition.id) })
        let plan = CheckInSchedule.plan(appointments: [first.slot, second.slot, next.slot], measures: measures, completed: done, now: now)
        let alert = RiskAlerts.OpenAlert(id: id(20), raisedAt: days(-7.1), checkIn: results[3],
                                         evidence: ["Thoughts that you would be better off dead, or of hurting yourself in some way: Several days"])
        let note = NoteView(id: id(30), kind: .progress, clientID: clientID, authorID: therapistID, createdAt: days(-7),
                            body: "Talked about saying no at work; agreed to practise once this week.")
        let privateNote = NoteView(id: id(31), kind: .psychotherapy, clientID: clientID, authorID: therapistID, createdAt: days(-7),
                                   body: "Noticed I hurried the ending. Slow down next time.")
        let checkIns = CheckInSummary(measures: measures, available: InstrumentCatalogue.shipped.filter(\.enabledByDefault),
                                      plan: plan, results: results, openAlerts: [alert])
        // The rules on this timeline, as the record reads them: 35 of 40 after the first session, then 29.
        let sessions = RuptureLog.timeline(appointments: [first, second, next], checkIns: checkIns, practice: .none, now: now)
        let possible = RuptureRules.signals(sessions.map(\.session)).map { signal in
            PossibleRupture(appointmentID: sessions[signal.session].appointmentID, sessionStart: sessions[signal.session].startsAt,
                            type: signal.type, rule: signal.rule, evidence: signal.evidence)
        }
        let repair = RepairView(id: id(51), actions: [.namedIt, .acknowledgedOwnPart], outcome: .partly,
                                note: "Said I had rushed the ending; she nodded but stayed quiet.", sharedWithClient: true,
                                recordedBy: therapistID, recordedAt: days(-7))
        let noticed = LoggedRupture(id: id(50), appointmentID: first.id, sessionStart: first.startsAt, origin: .noticed, rule: nil,
                                    type: .withdrawal, status: .confirmed, markers: [.minimalResponse, .shiftingTopic],
                                    note: "Changed the subject twice when her sister came up.", recordedBy: therapistID,
                                    recordedAt: days(-14), repairs: [repair],
                                    feedback: FeedbackRecovery.around(0, totals: sessions.map { $0.session.feedback?.total }))
        return RecordPage.Model(name: "Sam Lee", progressNotes: [note], psychotherapyNotes: [privateNote],
                                appointments: [first, second, next], checkIns: checkIns,
                                ruptures: RuptureSummary(possible: possible, log: [noticed]),
                                courseModels: .defaults(now: now), unreadMessages: 2, wordsToCarry: wordsToCarry, safetyPlan: safetyPlan,
                                practice: practice)
    }

    static let safetyPlan = SafetyPlanView(version: 2, plan: SafetyPlan(parts: [
        "warning_signs": "Not sleeping.\nCancelling plans with friends.",
        "coping": "A walk by the river; the playlist Dana and I made.",
        "helpers": "My sister Ana: 07700 900123",
        "reasons_for_living": "My niece. Finishing the course.",
    ]), byClient: true, savedAt: days(-3))

    /// Agreed 20 days ago, three times a week: done, tried, a "not this time", then a quiet week.
    static let practice = PracticeView(
        id: id(401), agreedAt: days(-20),
        agreement: PracticeAgreement(what: "Say no to one request I'd usually agree to.", frequency: .threeTimesAWeek,
                                     why: "So I stop feeling resentful after saying yes.\nI matter too."),
        attempts: [
            PracticeAttemptView(id: id(405), loggedAt: days(-2), entry: PracticeAttemptEntry(outcome: .did, feeling: .proud, note: nil)),
            PracticeAttemptView(id: id(404), loggedAt: days(-9.5), entry: PracticeAttemptEntry(outcome: .notThisTime, feeling: nil,
                                                                                                note: "Too tired to argue.")),
            PracticeAttemptView(id: id(403), loggedAt: days(-12), entry: PracticeAttemptEntry(outcome: .tried, feeling: .uneasy,
                                                                                               note: "Said maybe instead of no.")),
            PracticeAttemptView(id: id(402), loggedAt: days(-16), entry: PracticeAttemptEntry(outcome: .did, feeling: .hard, note: nil)),
        ])

    static let wordsToCarry = [
        WordsToCarryView(id: id(301), authorID: therapistID, createdAt: days(-7), pinned: true,
                         body: "When the guilt comes after saying no, remember: guilt is not proof you did something wrong."),
        WordsToCarryView(id: id(302), authorID: therapistID, createdAt: days(-21), pinned: false,
                         body: "You are allowed to take up room.\nEven with your family."),
    ]

    @Test func theRecordPage() throws {
        let page = RecordPage(model: try Self.recordModel(), clientID: Self.clientID,
                              context: Self.context(.therapist, path: "/clients/\(Self.clientID.uuidString.lowercased())"), now: Self.now, zone: Self.zone)
        assertSnapshot(of: Layout.document(page, indented: true), as: .lines, named: "record")
    }

    @Test func theRecordPageWithARefusedNoteKeepsTheDraftBesideItsMessage() throws {
        let page = RecordPage(model: try Self.recordModel(), clientID: Self.clientID, context: Self.context(.therapist), now: Self.now,
                              zone: Self.zone, drafts: ["progress-note-form": "   "],
                              problems: ["progress-note-form": [FieldProblem(field: "body", message: "Please write something before saving.")]])
        assertSnapshot(of: Layout.document(page, indented: true), as: .lines, named: "record-refused-note")
    }

    /// Refused rupture forms keep what was chosen: the markers ticked, the kind and the session, a note's draft, and
    /// each message beside its form (`Markup.attribute` escapes what was typed, in attributes and in text).
    @Test func theRecordPageWithRefusedRuptureFormsKeepsWhatWasChosen() throws {
        let model = try Self.recordModel()
        let possible = try #require(model.ruptures.possible.first)
        let review = RelationshipPart.formID(possible)
        let noticed = RelationshipPart.noticedFormID
        let session = try #require(model.appointments.first { $0.startsAt <= Self.now })
        let page = RecordPage(model: model, clientID: Self.clientID, context: Self.context(.therapist), now: Self.now, zone: Self.zone,
                              drafts: [review: "Not a rupture: <she was ill> & \"tired\"", "\(noticed)-type": "confrontation",
                                       "\(noticed)-session": session.id.uuidString.lowercased(), noticed: "Went quiet"],
                              problems: [review: [FieldProblem(field: "decision", message: "Please choose confirm or dismiss.")],
                                         noticed: [FieldProblem(field: "markers", message: "Please tick at least one marker."),
                                                   FieldProblem(field: "note", message: "Please keep the note shorter.")],
                                         RelationshipPart.sectionProblems: [FieldProblem(field: "form", message: "Someone reviewed this meanwhile.")]],
                              ticked: [review: ["complaint-about-work"], noticed: ["minimal-response", "deferring"]])
        assertSnapshot(of: Layout.document(page, indented: true), as: .lines, named: "record-refused-ruptures")
    }

    @Test func theCaseload() {
        let page = CaseloadPage(entries: [
            CaseloadEntry(clientID: Self.id(40), name: "Aisha Khan", hasJoined: true, hasRiskAlert: false,
                          needs: [CaseloadNeed(kind: .overdueCheckIn, words: "PHQ-9 overdue")], nextSession: Self.days(3)),
            CaseloadEntry(clientID: Self.id(41), name: "Alex Moreau", hasJoined: true, hasRiskAlert: false,
                          needs: [CaseloadNeed(kind: .possibleRupture, words: "withdrawal: late by 15 minutes, outcome check-in missed")],
                          nextSession: Self.days(1)),
            CaseloadEntry(clientID: Self.id(42), name: "Priya Nair", hasJoined: true, hasRiskAlert: true,
                          needs: [CaseloadNeed(kind: .riskAlert, words: "risk alert open"),
                                  CaseloadNeed(kind: .notOnTrack, words: "PHQ-9 above the expected course for 3 scores")], nextSession: Self.days(2)),
            CaseloadEntry(clientID: Self.id(43), name: "Sam Lee", hasJoined: false, hasRiskAlert: false),
            CaseloadEntry(clientID: Self.id(44), name: "Tom Ward", hasJoined: true, hasRiskAlert: false, nextSession: Self.days(5)),
        ], context: Self.context(.therapist, path: "/clients"), invitationDays: 7, now: Self.now, zone: Self.zone)
        assertSnapshot(of: Layout.document(page, indented: true), as: .lines, named: "caseload")
    }

    @Test func theClientsOwnSpace() throws {
        let next = Self.appointment(3, at: Self.days(2), location: "Video call")
        let last = Self.appointment(2, at: Self.days(-1), attendance: .attended)
        let phq9 = Self.definition("phq-9")
        let feedback = Self.definition("session-feedback")
        let plan = CheckInSchedule.plan(appointments: [last.slot, next.slot], measures: [phq9, feedback], completed: [], now: Self.now)
            .filter(\.state.isOpen)
        let due = plan.map { entry in
            DueCheckIn(planned: entry, definition: entry.instrumentID == "phq-9" ? phq9 : feedback,
                       session: [last.slot, next.slot].first { $0.id == entry.appointmentID })
        }
        let page = PortalPage(name: "Sam Lee", practiceName: "Harbour Street Therapy", upcoming: [next], checkIns: due,
                              crisisResources: PracticeSettings.defaultCrisisResources, unreadMessages: 1, wordsToCarry: Self.wordsToCarry,
                              safetyPlan: Self.safetyPlan, practice: Self.practice, now: Self.now,
                              context: Self.context(.client, clientID: Self.clientID, path: "/me"), zone: Self.zone)
        #expect(due.count == 2, "an outcome check-in before the next session and feedback on the last")
        assertSnapshot(of: Layout.document(page, indented: true), as: .lines, named: "portal")
    }

    static func message(_ n: Int, fromClient: Bool, daysAgo: Double, _ body: String, read: Bool = true) -> MessageView {
        MessageView(id: id(n), clientID: clientID, authorID: fromClient ? id(99) : therapistID, fromClient: fromClient,
                    authorName: fromClient ? "Sam Lee" : "Dana Okafor", createdAt: days(-daysAgo), readAt: read ? days(-daysAgo + 0.1) : nil,
                    body: body)
    }

    static let thread = [
        message(201, fromClient: true, daysAgo: 3, "Hi Dana, could we move Thursday to the afternoon? Work changed my shift."),
        message(202, fromClient: false, daysAgo: 2.5, "Of course. Thursday at 15:00 is free; I've moved it.\nSee you then."),
        message(203, fromClient: true, daysAgo: 0.2, "Thank you. I tried saying no to my sister this week. I'd like to talk about how it went.",
                read: false),
    ]

    /// The client's thread on a phone: not for emergencies first, with the crisis resources and the reply time; a
    /// refused (empty) message keeps the box with its reason.
    @Test func theClientsMessagesWithARefusedEmptyMessage() {
        let page = MessagesPage(viewer: .client, messages: Self.thread, replyTime: ReplyTime(hours: 72),
                                crisisResources: PracticeSettings.defaultCrisisResources,
                                context: Self.context(.client, clientID: Self.clientID, path: "/me/messages"), zone: Self.zone,
                                draft: "   ", problems: [MessageRules.problem("   ")!])
        assertSnapshot(of: Layout.document(page, indented: true), as: .lines, named: "client-messages-refused")
    }

    /// "Who opened my record": an allowed read, an entry in the room, a refusal, and the way to earlier entries.
    @Test func whoOpenedMyRecord() {
        let therapist = UUID(uuidString: "00000000-0000-4000-8000-0000000000a1")!
        let start = Date(timeIntervalSince1970: 1_796_000_000)
        let lines = [
            RecordAccessLine(access: RecordAccessRules.entry(sequence: 9, occurredAt: start.addingTimeInterval(7200), actorID: UUID(),
                                                             actorRole: "therapist", action: Action.viewClientRecord.rawValue,
                                                             outcome: "denied:not-on-care-team")!, who: "Colleague Name, therapist"),
            RecordAccessLine(access: RecordAccessRules.entry(sequence: 8, occurredAt: start.addingTimeInterval(3600), actorID: therapist,
                                                             actorRole: "therapist", action: Action.enterCheckIn.rawValue, outcome: "allowed")!,
                             who: "Dana Okafor, therapist"),
            RecordAccessLine(access: RecordAccessRules.entry(sequence: 7, occurredAt: start, actorID: therapist, actorRole: "therapist",
                                                             action: Action.viewClientRecord.rawValue, outcome: "allowed")!,
                             who: "Dana Okafor, therapist"),
        ]
        let page = RecordAccessPage(lines: lines, older: 7, client: nil, zone: Self.zone,
                                    context: Self.context(.client, clientID: Self.clientID, path: "/me/record-access"))
        assertSnapshot(of: Layout.document(page, indented: true), as: .lines, named: "record-access")
    }

    @Test func theClientsWordsToCarry() {
        let page = WordsToCarryPage(words: Self.wordsToCarry, context: Self.context(.client, clientID: Self.clientID, path: "/me/words"),
                                    zone: Self.zone)
        assertSnapshot(of: Layout.document(page, indented: true), as: .lines, named: "words-to-carry")
    }

    /// The client's plan as saved, then the form to change it over version 2, then the crisis resources.
    @Test func theClientsSafetyPlan() {
        let page = SafetyPlanPage(viewer: .client, current: Self.safetyPlan, crisisResources: PracticeSettings.defaultCrisisResources,
                                  context: Self.context(.client, clientID: Self.clientID, path: "/me/safety-plan"), zone: Self.zone)
        assertSnapshot(of: Layout.document(page, indented: true), as: .lines, named: "safety-plan")
    }

    @Test func theClientsPractice() {
        let page = OwnPracticePage(practice: Self.practice, context: Self.context(.client, clientID: Self.clientID, path: "/me/practice"),
                                   now: Self.now, zone: Self.zone, logged: true)
        assertSnapshot(of: Layout.document(page, indented: true), as: .lines, named: "own-practice")
    }

    /// The second tap, after a refused (overlong) note: the note kept beside its reason, the feelings below it.
    @Test func howThePracticeFelt() {
        let long = String(repeating: "n", count: PracticeRules.maximumNoteLength + 1)
        let page = PracticeFeelingPage(attempt: Self.practice.attempts[0], context: Self.context(.client, clientID: Self.clientID),
                                       draft: "Too long", problems: [PracticeRules.noteProblem(long)!])
        assertSnapshot(of: Layout.document(page, indented: true), as: .lines, named: "practice-feeling")
    }

    static let reachOutPractice = ReachOutPractice(practiceID: practiceID, name: "Harbour Street Counselling", frameOrigin: nil,
                                                   crisisResources: PracticeSettings.defaultCrisisResources, replyTime: .standard)

    /// The public page on a phone, refused: each reason beside its field, what was written kept, the honeypot out of sight.
    @Test func theReachOutPageWithItsReasons() {
        let refused = EnquiryRules.enquiry(message: "I can't sleep.", name: "", route: "email", contact: "not-an-address")
        guard case .failure(let problems) = refused else { Issue.record("should be refused"); return }
        let page = ReachOutPage(practice: Self.reachOutPractice, slug: "harbour-street", embedded: false,
                                drafts: ["message": "I can't sleep.", "route": "email", "contact": "not-an-address"], problems: problems.problems)
        assertSnapshot(of: Layout.document(page, indented: true), as: .lines, named: "reach-out-refused")
    }

    @Test func theInboxOfEnquiries() {
        let page = EnquiriesPage(enquiries: [
            EnquiryView(id: Self.id(501), receivedAt: Self.days(-0.2), status: "new", handledAt: nil,
                        enquiry: Enquiry(message: "Hello. I find it hard to say no.\nIs this something you help with?", name: "Jo",
                                         route: .email, contact: "jo@example.org")),
            EnquiryView(id: Self.id(502), receivedAt: Self.days(-3), status: "handled", handledAt: Self.days(-2),
                        enquiry: Enquiry(message: "My GP suggested I get in touch.", name: nil, route: .phone, contact: "07700 900456")),
            EnquiryView(id: Self.id(503), receivedAt: Self.days(-9), status: "invited", handledAt: Self.days(-8), enquiry: nil),
        ], page: nil, baseURL: "https://rapport.example", canInvite: true, isOwner: false,
           context: Self.context(.therapist, path: "/enquiries"), zone: Self.zone)
        assertSnapshot(of: Layout.document(page, indented: true), as: .lines, named: "enquiries")
    }

    @Test func theCareTeamsThread() {
        let page = MessagesPage(viewer: .careTeam(clientName: "Sam Lee", clientID: Self.clientID), messages: Self.thread,
                                replyTime: .standard, crisisResources: "", context: Self.context(.therapist), zone: Self.zone, sent: true)
        assertSnapshot(of: Layout.document(page, indented: true), as: .lines, named: "care-team-messages")
    }

    @Test func aCheckInQuestionShowsTheCrisisResourcesWhenTheModelCarriesThem() {
        let phq9 = Self.definition("phq-9")
        let page = CheckInQuestionPage(definition: phq9, path: "/me/check-ins/\(Self.id(3).uuidString.lowercased())/phq-9", step: 8,
                                       answers: [1, 1, 2, 0, 1, 1, 0, 1, nil], crisisResources: PracticeSettings.defaultCrisisResources,
                                       context: Self.context(.client, clientID: Self.clientID))
        assertSnapshot(of: Layout.document(page, indented: true), as: .lines, named: "check-in-question")
    }

    @Test func feedbacksLastStepAsksForTheOptionalComment() {
        let feedback = Self.definition("session-feedback")
        let page = CheckInQuestionPage(definition: feedback, path: "/me/check-ins/\(Self.id(2).uuidString.lowercased())/session-feedback",
                                       step: 4, answers: [8, 7, 9, 6], crisisResources: nil, comment: "",
                                       context: Self.context(.client, clientID: Self.clientID))
        assertSnapshot(of: Layout.document(page, indented: true), as: .lines, named: "check-in-comment")
    }

    @Test func theRoomEntryForm() throws {
        let gad7 = Self.definition("gad-7")
        let next = Self.appointment(3, at: Self.days(2))
        let planned = try #require(CheckInSchedule.plan(appointments: [next.slot], measures: [gad7], completed: [], now: Self.now).first)
        let page = RoomEntryPage(clientID: Self.clientID, planned: planned, definition: gad7, sessionStart: next.startsAt,
                                 answers: [1, 2, nil, nil, nil, nil, nil], comment: "", done: false,
                                 problems: [FieldProblem(field: "item-3", message: "Question 3 still needs an answer.")],
                                 zone: Self.zone, context: Self.context(.therapist))
        assertSnapshot(of: Layout.document(page, indented: true), as: .lines, named: "room-entry")
    }

    @Test func theRecoveryCodesRightAfterEnrolment() {
        let codes = ["k7mqx2-h9tdrw", "3fzv8p-qa2nce", "w5hub9-m4kxst", "d8ry3g-pv7eqz", "n2cjw6-t9fhua",
                     "x4qm7b-s3gdyk", "e6tpz2-h8wcjn", "r9vk4x-b2mqfs", "u3nd8h-z5yepa", "g7wc2t-k6xrjm"]
        let therapist = Principal(userID: Self.therapistID, role: .therapist, practiceID: Self.practiceID)
        let identity = Identity(requester: .partiallySignedIn(therapist), user: nil, signIn: nil)
        let page = RecoveryCodesPage(codes: codes, next: "/clients", nextLabel: AccountPages.continueLabel(for: therapist),
                                     context: PageContext(csrfToken: "csrf-token-for-snapshots", identity: identity, path: "/account/two-factor"))
        let html = Layout.document(page, indented: true)
        #expect(!html.contains("<nav"), "one thing to do: no navigation until they go on")
        assertSnapshot(of: html, as: .lines, named: "recovery-codes")
    }

    @Test func theSecondStepWithARecoveryCodeThatWasRefused() {
        let identity = Identity(requester: .partiallySignedIn(Principal(userID: Self.therapistID, role: .therapist, practiceID: Self.practiceID)),
                                user: nil, signIn: nil)
        let page = RecoveryCodeSignInPage(problems: [FieldProblem(field: "code", message: "That recovery code didn't work. Please check it against the list you kept.")],
                                          context: PageContext(csrfToken: "csrf-token-for-snapshots", identity: identity, path: "/signin/recovery-code"))
        assertSnapshot(of: Layout.document(page, indented: true), as: .lines, named: "recovery-code-sign-in")
    }

    @Test func theOwnersConfirmationBeforeResettingATherapistsTwoStepSignIn() {
        let page = ResetTwoFactorPage(therapistID: Self.id(7), name: "Tom Ward", context: Self.context(.owner, path: "/practice"))
        assertSnapshot(of: Layout.document(page, indented: true), as: .lines, named: "reset-two-factor")
    }

    @Test func theAccountPageWhenFewRecoveryCodesAreLeft() {
        let page = AccountPage(name: "Dana Reyes", email: "dana@example.org", practiceName: "Harbour Street Therapy",
                               twoFactorSince: Self.days(-90), zone: Self.zone, recoveryCodesLeft: 2,
                               context: Self.context(.therapist, path: "/account"))
        assertSnapshot(of: Layout.document(page, indented: true), as: .lines, named: "account-few-recovery-codes")
    }

    @Test func afterARiskAnswerTheThanksPageIsTheCrisisResourcesAndNothingElseToFillIn() {
        let phq9 = Self.definition("phq-9")
        let feedback = Self.definition("session-feedback")
        let last = Self.appointment(2, at: Self.days(-1), attendance: .attended)
        let waiting = CheckInSchedule.plan(appointments: [last.slot], measures: [feedback], completed: [], now: Self.now)
            .map { DueCheckIn(planned: $0, definition: feedback, session: last.slot) }
        let page = CheckInThanksPage(definition: phq9, therapistName: "Dana", crisisResources: PracticeSettings.defaultCrisisResources,
                                     others: waiting, zone: Self.zone, context: Self.context(.client, clientID: Self.clientID))
        let html = Layout.document(page, indented: true)
        #expect(!waiting.isEmpty && !html.contains("Also waiting"), "other check-ins wait for the home page")
        #expect(html.components(separatedBy: "will see your answers").count == 2, "said once")
        assertSnapshot(of: html, as: .lines, named: "thanks-after-risk")
    }
}


/// The charts' SVG text, whole (issue 10, point 5), and what must hold of any chart: one mark per score, the ones off
/// track marked, the trend in words in its description, nothing the Content-Security-Policy would have to allow.
@Suite struct ChartTests {
    /// Coordinates read as `printf("%.1f")` would write them, without a trailing ".0", and never trap.
    @Test func numbersAreWrittenWithOneDecimalAtMost() {
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<5_000 {
            let value = Double(Int.random(in: -100_000...100_000, using: &generator)) / 100
            let rounded = (value * 10).rounded() / 10
            let printf = rounded == rounded.rounded() ? String(Int(rounded)) : String(format: "%.1f", rounded)
            #expect(Charts.n(value) == printf, "\(value)")
        }
        #expect(Charts.n(0.05) == "0.1" && Charts.n(-0.04) == "0" && Charts.n(-0.06) == "-0.1" && Charts.n(-2.5) == "-2.5")
        #expect(Charts.n(.infinity) == "0" && Charts.n(.nan) == "0" && Charts.n(1e300) == "0" && Charts.n(-1e300) == "0")
    }

    typealias P = PageSnapshotTests

    static func phq9Chart() throws -> MeasureChart {
        let definition = P.definition("phq-9")
        let scores: [Double] = [15, 13, 12, 14, 15]
        let course = try ExpectedCourses.course(scores, definition: definition, parameters: ExpectedCourses.defaultParameters(for: definition)!)
        let points = scores.enumerated().map { MeasureChart.Point(date: P.days(Double(-28 + 7 * $0.offset)), score: $0.element) }
        return MeasureChart(definition: definition, points: points, expectedCourse: course,
                            events: [.init(date: P.days(-14), kind: .possibleRupture, label: "feedback fell"),
                                     .init(date: P.days(-7), kind: .rupture, label: "withdrawal"),
                                     .init(date: P.days(-6), kind: .repair, label: "Resolved")],
                            zone: P.zone)
    }

    static func feedbackChart() -> FeedbackChart {
        FeedbackChart(name: "Session feedback", sessions: [
            .init(date: P.days(-28), attendance: .attended, cancelled: false, feedback: 38),
            .init(date: P.days(-21), attendance: .late, cancelled: false, feedback: 31),
            .init(date: P.days(-14), attendance: .cancelledLate, cancelled: true, feedback: nil),
            .init(date: P.days(-7), attendance: .attended, cancelled: false, feedback: 37),
        ], zone: P.zone)
    }

    @Test func theMeasureChart() throws {
        assertSnapshot(of: try Self.phq9Chart().svg.replacingOccurrences(of: "><", with: ">\n<"), as: .lines, named: "phq-9-chart")
    }

    @Test func theFeedbackChart() {
        assertSnapshot(of: Self.feedbackChart().svg.replacingOccurrences(of: "><", with: ">\n<"), as: .lines, named: "feedback-chart")
    }

    @Test func aChartMarksEveryScoreSaysItsTrendAndNeedsNothingFromElsewhere() throws {
        let chart = try Self.phq9Chart()
        let svg = chart.svg
        #expect(svg.components(separatedBy: "<circle").count - 1 == 5 + 1, "five scores and one repair")
        #expect(svg.components(separatedBy: "fill=\"\(Charts.warn)\" stroke=\"#fff\"").count - 1 == 1, "one score off track")
        #expect(svg.contains("role=\"img\"") && svg.contains("<title id=\"chart-phq-9-title\">PHQ-9 over time</title>"))
        #expect(svg.contains("Not on track: the latest score is above the expected course&#39;s band."))
        #expect(!svg.contains("style=") && !svg.contains("http") && !svg.contains("<script"))
        let feedback = Self.feedbackChart().svg
        #expect(feedback.contains("Feedback after 3 sessions: 38, 31, 37 of 40; the latest 37. Below 36 once. 2 sessions late, cancelled late or missed."))
        #expect(feedback.components(separatedBy: "<rect").count - 1 == 1 + 4, "the plot and one square per session")
        #expect(Markup.escape("<a & \"b\">") == "&lt;a &amp; &quot;b&quot;&gt;")
    }

    /// Text on pages is escaped by `Node.plain`: as Plot's `.text` for ordinary text (quotes left alone in content,
    /// non-ASCII copied as it is), but an `&` that looks like the start of an entity is escaped too, so what someone
    /// typed is what they see.
    @Test func textOnAPageIsShownAsItWasTyped() {
        let typed = "Anna's \"plan\" <b>3 > 2</b> café & more"
        let plot: Node<HTML.BodyContext> = .p(.text(typed))
        let ours: Node<HTML.BodyContext> = .p(.plain(typed))
        #expect(ours.render() == plot.render())
        #expect(ours.render() == "<p>Anna's \"plan\" &lt;b&gt;3 &gt; 2&lt;/b&gt; café &amp; more</p>")
        let entityShaped: Node<HTML.BodyContext> = .p(.plain("I wrote &lt; and &#39; and &amp;"))
        #expect(entityShaped.render() == "<p>I wrote &amp;lt; and &amp;#39; and &amp;amp;</p>")
    }
}
