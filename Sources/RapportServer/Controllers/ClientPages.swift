import Fluent
import Foundation
import Plot
import RapportCore
import Vapor

/// A therapist's caseload, one client's record with its notes, and the client's own home.
enum ClientPages {
    static func register(_ routes: any RoutesBuilder) {
        routes.get("clients", ":clientID", action: .viewClientRecord, use: record)
        routes.post("clients", ":clientID", "progress-notes", action: .writeProgressNote, use: writeProgressNote)
        routes.get("clients", ":clientID", "progress-notes", ":noteID", action: .readProgressNote, use: progressNote)
        routes.post("clients", ":clientID", "psychotherapy-notes", action: .writePsychotherapyNote, use: writePsychotherapyNote)
        routes.get("clients", ":clientID", "psychotherapy-notes", ":noteID", action: .readPsychotherapyNote, use: psychotherapyNote)
        routes.post("clients", ":clientID", "appointments", action: .scheduleAppointment, use: schedule)
        routes.post("clients", ":clientID", "appointments", ":appointmentID", "attendance", action: .recordAttendance, use: attendance)
        routes.get("clients", ":clientID", "appointments", ":appointmentID", action: .listAppointments, use: sessionPage)
        routes.post("clients", ":clientID", "appointments", ":appointmentID", action: .scheduleAppointment, use: changeSession)
        routes.post("clients", ":clientID", "appointments", ":appointmentID", "cancel", action: .scheduleAppointment, use: cancelSession)
        routes.post("clients", ":clientID", "measures", action: .chooseMeasures, use: chooseMeasures)
        routes.post("clients", ":clientID", "risk-alerts", "acknowledge", action: .acknowledgeRiskAlert, use: acknowledge)
        routes.get("me", action: .viewOwnPortal, use: portal)
        routes.get("me", "sessions", action: .viewOwnPortal, use: ownSessions)
        routes.get("me", "check-ins", action: .viewOwnPortal, use: ownCheckIns)
        routes.get("me", "progress", action: .viewOwnPortal, use: ownProgress)
        routes.post("me", "progress", action: .setOwnPreferences, use: chooseProgressView)
        routes.get("me", "record-access", action: .viewOwnPortal, use: ownRecordAccess)
        routes.get("clients", ":clientID", "access", action: .viewClientRecord, use: recordAccess)
    }

    // MARK: Who opened the record

    /// `?before=` a sequence number of the audit trail: a whole number from 1; anything else is refused.
    static func accessPageStart(_ req: Request) throws -> Int64? {
        guard let raw = req.query[String.self, at: "before"] else { return nil }
        guard raw.count <= 19, raw.allSatisfy(\.isASCII), let before = Int64(raw), before >= 1 else {
            throw RapportError.badRequest("The page of the list to show must be a whole number from 1.")
        }
        return before
    }

    /// The client's "who opened my record". Their own look at it is not an access by anyone else, so, like the rest of
    /// their portal, it is not itself written to the trail.
    @Sendable static func ownRecordAccess(_ req: Request) async throws -> Response {
        let before = try accessPageStart(req)
        let record = try await ownRecord(req)
        let (lines, older) = try await RecordAccessLog.page(before: before, in: record)
        let erasure = try await Erasure.status(clientID: record.clientID, on: req.db)
        return Layout.render(RecordAccessPage(lines: lines, older: older, isEarlierPage: before != nil, client: nil,
                                              zone: try await req.practiceZone(), erasure: erasure, context: req.page))
    }

    /// The same list from the therapist's side: reading it is reading the record, and is written to the trail as that.
    @Sendable static func recordAccess(_ req: Request) async throws -> Response {
        let before = try accessPageStart(req)
        let (name, lines, older) = try await req.withClientRecord(recording: .viewClientRecord, onlyReads: true) { record in
            let (lines, older) = try await RecordAccessLog.page(before: before, in: record)
            return (try await record.clientName(), lines, older)
        }
        let base = "/clients/\(try req.clientAccess().scope.clientID.lowercasedText)"
        return Layout.render(RecordAccessPage(lines: lines, older: older, isEarlierPage: before != nil, client: (name, base),
                                              zone: try await req.practiceZone(), context: req.page))
    }

    // MARK: A client's record


    struct NoteForm: Content { var body: String? }

    static func recordContents(_ req: Request) async throws -> RecordPage.Model {
        // Read once for the page: its measures here, its time zone when it is drawn.
        let available = PracticeSettings.availableMeasures(try await req.practiceSettings())
        guard let actor = req.identity.actor else { throw RapportError.denied(.notSignedIn) }
        let courseModels = try await req.rapport.courseModels.fits(practiceID: actor.practiceID, now: req.rapport.now, on: req.db)
        return try await req.withClientRecord(recording: .viewClientRecord, onlyReads: true) { record in
            try await RecordPage.Model.load(available: available, courseModels: courseModels, in: record)
        }
    }

    /// The record page; `drafts` and `problems` are keyed by form id, so a rejected form keeps its text and message.
    static func recordPage(_ req: Request, contents: RecordPage.Model, drafts: [String: String],
                           problems: [String: [FieldProblem]], ticked: [String: Set<String>] = [:],
                           status: HTTPResponseStatus? = nil) async throws -> Response {
        let page = RecordPage(model: contents, clientID: try req.clientAccess().scope.clientID, context: req.page, now: req.rapport.now,
                              zone: try await req.practiceZone(), drafts: drafts, problems: problems, ticked: ticked)
        return Layout.render(page, status: status ?? (problems.isEmpty ? .ok : .unprocessableEntity))
    }

    @Sendable static func record(_ req: Request) async throws -> Response {
        try await recordPage(req, contents: try await recordContents(req), drafts: [:], problems: [:])
    }

    struct ScheduleForm: Content {
        var date: String?
        var time: String?
        var length: String?
        var location: String?
        /// "no", "weekly" or "fortnightly"; absent is "no".
        var repeats: String?
        var count: String?

        func booking(in zone: TimeZone) -> Appointments.Booking {
            let sessions = count.flatMap { InputRules.integer($0, in: SessionSeries.counts) }
            var repeatsEvery: Appointments.Repeats?
            switch repeats ?? "no" {
            case "no", "": repeatsEvery = nil
            case "weekly": repeatsEvery = .init(everyWeeks: 1, count: sessions)
            case "fortnightly": repeatsEvery = .init(everyWeeks: 2, count: sessions)
            default: repeatsEvery = .init(everyWeeks: nil, count: nil)
            }
            return Appointments.Booking(start: Appointments.start(date: date ?? "", time: time ?? "", in: zone), startField: "date",
                                        lengthMinutes: length.flatMap { InputRules.integer($0, in: AppointmentRules.lengths) },
                                        location: location ?? "", repeats: repeatsEvery, zone: zone)
        }

        var drafts: [String: String] {
            ["date": date ?? "", "time": time ?? "", "length": length ?? "", "location": location ?? "", "repeats": repeats ?? "no",
             "count": count ?? ""]
        }
    }

    @Sendable static func schedule(_ req: Request) async throws -> Response {
        let form = try req.content.decode(ScheduleForm.self)
        let booking = form.booking(in: try await req.practiceZone())
        do {
            let session = try await req.withClientRecord { record in try await Appointments.schedule(booking, in: record) }
            return req.redirect(to: "/clients/\(session.clientID.uuidString.lowercased())#sessions")
        } catch RecordError.invalid(let problems) {
            return try await recordPage(req, contents: try await recordContents(req), drafts: form.drafts, problems: ["schedule-form": problems])
        }
    }

    // MARK: One session: change or cancel

    static func appointmentID(_ req: Request) throws -> UUID {
        guard let id = req.parameters.get("appointmentID").flatMap(UUID.init(uuidString:)) else { throw RapportError.notFound }
        return id
    }

    /// The session page, read as the route's action (`listAppointments` to look, `scheduleAppointment` when a
    /// change was refused and the page is shown again).
    static func sessionPage(_ req: Request, id: UUID, drafts: [String: String] = [:], problems: [FieldProblem] = [],
                            confirming: Cancellation? = nil, refusal: String? = nil, status: HTTPResponseStatus = .ok) async throws -> Response {
        let zone = try await req.practiceZone()
        // Recorded as a look at the sessions, whichever route shows it: a confirmation step or a refused change wrote nothing.
        let (name, session, now) = try await req.withClientRecord(recording: .listAppointments) { record in
            let name = try await record.clientName()
            guard let row = try await Appointments.one(id, in: record) else { throw RecordError.notFound }
            return (name, try Appointments.view(row, in: record), record.now)
        }
        let page = SessionPage(clientName: name, clientID: session.clientID, session: session, now: now, zone: zone, context: req.page,
                               drafts: drafts, problems: problems, confirming: confirming,
                               refusal: refusal ?? (session.cancelled || session.startsAt > now ? nil : Appointments.alreadyStarted))
        return Layout.render(page, status: status)
    }

    @Sendable static func sessionPage(_ req: Request) async throws -> Response {
        try await sessionPage(req, id: try appointmentID(req))
    }

    @Sendable static func changeSession(_ req: Request) async throws -> Response {
        let id = try appointmentID(req)
        let form = try req.content.decode(ScheduleForm.self)
        // A change is to this one session: `Appointments.change` ignores a "repeats" sent along.
        let booking = form.booking(in: try await req.practiceZone())
        do {
            let session = try await req.withClientRecord { record in try await Appointments.change(id, to: booking, in: record) }
            return req.redirect(to: "/clients/\(session.clientID.uuidString.lowercased())#sessions")
        } catch RecordError.invalid(let problems) {
            return try await sessionPage(req, id: id, drafts: form.drafts, problems: problems, status: .unprocessableEntity)
        } catch RecordError.conflict(let message) {
            return try await sessionPage(req, id: id, refusal: message, status: .conflict)
        }
    }

    struct CancelForm: Content {
        var cancellation: String?
        var confirm: String?
    }

    /// Cancelling takes two steps: the first shows what the client will see, the second (confirm=yes) does it.
    @Sendable static func cancelSession(_ req: Request) async throws -> Response {
        let id = try appointmentID(req)
        let form = try req.content.decode(CancelForm.self)
        guard let cancellation = form.cancellation.flatMap(Cancellation.init(rawValue:)) else {
            return try await sessionPage(req, id: id, refusal: "Please choose whether it was cancelled in good time or late.",
                                         status: .unprocessableEntity)
        }
        guard form.confirm == "yes" else { return try await sessionPage(req, id: id, confirming: cancellation) }
        do {
            let session = try await req.withClientRecord { record in try await Appointments.cancel(id, cancellation, in: record) }
            return req.redirect(to: "/clients/\(session.clientID.uuidString.lowercased())#sessions")
        } catch RecordError.conflict(let message) {
            return try await sessionPage(req, id: id, refusal: message, status: .conflict)
        }
    }

    struct AttendanceForm: Content {
        var attendance: String?
        var late_minutes: String?
    }

    @Sendable static func attendance(_ req: Request) async throws -> Response {
        guard let appointmentID = req.parameters.get("appointmentID").flatMap(UUID.init(uuidString:)) else { throw RapportError.notFound }
        let form = try req.content.decode(AttendanceForm.self)
        let attendance = form.attendance.flatMap(Attendance.init(rawValue:))
        // The minutes box stays on the form whatever is chosen; it only counts for "late".
        let lateMinutes = attendance == .late ? form.late_minutes.flatMap { Int($0.trimmingCharacters(in: .whitespaces)) } : nil
        var problems: [FieldProblem]
        do {
            try await req.withClientRecord { record in
                try await Appointments.recordAttendance(appointmentID, attendance: attendance, lateMinutes: lateMinutes, in: record)
            }
            return req.redirect(to: "/clients/\((try req.clientAccess()).scope.clientID.uuidString.lowercased())#sessions")
        } catch RecordError.invalid(let found) {
            problems = found
        } catch RecordError.conflict(let message) {
            problems = [FieldProblem(field: "attendance", message: message)]
        }
        return try await recordPage(req, contents: try await recordContents(req), drafts: [:],
                                    problems: ["attendance-\(appointmentID.uuidString.lowercased())": problems])
    }

    @Sendable static func writeProgressNote(_ req: Request) async throws -> Response { try await writeNote(req, .progress) }
    @Sendable static func writePsychotherapyNote(_ req: Request) async throws -> Response { try await writeNote(req, .psychotherapy) }

    static func writeNote(_ req: Request, _ kind: NoteView.Kind) async throws -> Response {
        let body = try req.content.decode(NoteForm.self).body ?? ""
        do {
            let note = try await req.withClientRecord { record in try await Notes.write(kind, body: body, in: record) }
            return req.redirect(to: "/clients/\(note.clientID.uuidString.lowercased())#note-\(note.id.uuidString.lowercased())")
        } catch RecordError.invalid(let problems) {
            // Nothing was written; show the record again with the draft kept and the message beside it.
            let formID = kind == .progress ? "progress-note-form" : "psychotherapy-note-form"
            return try await recordPage(req, contents: try await recordContents(req), drafts: [formID: body], problems: [formID: problems])
        }
    }

    @Sendable static func progressNote(_ req: Request) async throws -> Response { try await notePage(req, .progress) }
    @Sendable static func psychotherapyNote(_ req: Request) async throws -> Response { try await notePage(req, .psychotherapy) }

    static func notePage(_ req: Request, _ kind: NoteView.Kind) async throws -> Response {
        let note = try await req.withClientRecord { record in try await Notes.one(kind, in: record) }
        return Layout.render(NotePage(note: note, path: req.url.path, zone: try await req.practiceZone(), context: req.page))
    }

    // MARK: The client's home

    /// The signed-in client's own record, which the policy decides is theirs.
    static func ownRecord(_ req: Request) async throws -> ClientRecord {
        // The policy let only a client in; every client account belongs to a client record.
        guard let clientID = req.identity.user?.clientID else { throw RapportError.denied(.wrongRole) }
        return try await req.ownRecord(.viewOwnPortal, clientID: clientID, on: req.db)
    }

    @Sendable static func ownSessions(_ req: Request) async throws -> Response {
        let record = try await ownRecord(req)
        return Layout.render(ClientSessionsPage(sessions: try await Appointments.all(in: record), now: record.now,
                                                zone: try await req.practiceZone(), context: req.page))
    }

    @Sendable static func ownCheckIns(_ req: Request) async throws -> Response {
        let record = try await ownRecord(req)
        return Layout.render(ClientCheckInsPage(checkIns: try await CheckIns.open(in: record), zone: try await req.practiceZone(),
                                                context: req.page))
    }

    /// The client's progress page, from their own record: their scores, their feedback, and the repairs their
    /// therapist chose to share (never a rupture's kind, markers or notes).
    static func progressPage(_ req: Request, problem: String? = nil) async throws -> Response {
        let record = try await ownRecord(req)
        let appointments = try await Appointments.all(in: record)
        let checkIns = try await CheckInSummary.load(sessions: appointments.map(\.slot), in: record)
        let ruptures = try await RuptureLog.load(appointments: appointments, checkIns: checkIns, in: record)
        guard let client = try await ClientRow.find(record.clientID, on: record.db) else { throw RecordError.notFound }
        let start = appointments.startsByID
        let measures = checkIns.outcomeSeries.filter { $0.0.casenessCutoff != nil && $0.0.reliableChange != nil }.map { definition, series in
            ClientProgressPage.Measure(definition: definition, points: MeasureChart.points(series, starts: start))
        }
        let feedback = checkIns.feedback.compactMap { view in
            view.total.map { (date: start[view.appointmentID] ?? view.completedAt ?? view.startedAt, total: $0) }
        }
        let repairs = ruptures.confirmed.flatMap(\.repairs).filter(\.sharedWithClient).sorted { $0.recordedAt > $1.recordedAt }
            .map { (date: $0.recordedAt, words: ProgressWords.repair(actions: $0.actions, outcome: $0.outcome)) }
        let page = ClientProgressPage(measures: measures, feedback: feedback, repairs: repairs, wordsOnly: client.progressWordsOnly,
                                      context: req.page, zone: try await req.practiceZone(), problem: problem)
        return Layout.render(page, status: problem == nil ? .ok : .unprocessableEntity)
    }

    @Sendable static func ownProgress(_ req: Request) async throws -> Response {
        try await progressPage(req)
    }

    @Sendable static func chooseProgressView(_ req: Request) async throws -> Response {
        let show = req.formFields()["show"]
        guard let choice = show, ["numbers", "words"].contains(choice) else {
            return try await progressPage(req, problem: "Please choose numbers and words, or words only.")
        }
        guard let clientID = req.identity.user?.clientID else { throw RapportError.denied(.wrongRole) }
        // The policy decides the record is the client's own before anything is written.
        let record = try await req.ownRecord(.setOwnPreferences, clientID: clientID, on: req.db)
        guard let client = try await ClientRow.find(record.clientID, on: record.db) else { throw RecordError.notFound }
        client.progressWordsOnly = choice == "words"
        try await client.update(on: record.db)
        return req.redirect(to: "/me/progress")
    }

    @Sendable static func portal(_ req: Request) async throws -> Response {
        guard let user = req.identity.user else { throw RapportError.denied(.notSignedIn) }
        let people = People(req)
        let record = try await ownRecord(req)
        let page = PortalPage(
            name: try people.name(of: user, key: .client(record.key)),
            practiceName: try await people.practiceName(user.practiceID, on: req.db),
            // Cancelled ones too, marked: the client sees at once that a session is off, not just that it is gone.
            upcoming: PortalPage.nextSessions(try await Appointments.all(in: record), after: record.now),
            checkIns: try await CheckIns.open(in: record),
            crisisResources: try await req.crisisResources(),
            unreadMessages: try await Messages.unread(forClient: true, in: record),
            wordsToCarry: try await WordsToCarry.all(pinnedFirst: true, in: record),
            safetyPlan: try await SafetyPlans.current(in: record),
            practice: try await PracticeAgreements.current(in: record),
            ending: try await Endings.current(in: record), reachedOutAgain: req.query[String.self, at: "reached"] == "1",
            followUps: try await FollowUps.open(in: record), followedUp: req.query[String.self, at: "followed"] == "1",
            consent: try await Consents.standing(clientID: record.clientID, practiceID: record.practiceID, on: req.db),
            now: record.now,
            context: req.page, zone: try await req.practiceZone())
        return Layout.render(page)
    }

    // MARK: Measures and alerts

    @Sendable static func chooseMeasures(_ req: Request) async throws -> Response {
        let fields = req.formFields()
        let chosen = InstrumentCatalogue.shipped.map(\.id).filter { fields["measure-\($0)"] != nil }
        do {
            try await req.withClientRecord { record in try await CheckIns.setMeasures(chosen, in: record) }
            return req.redirect(to: "/clients/\(try req.clientAccess().scope.clientID.uuidString.lowercased())#check-ins")
        } catch RecordError.invalid(let problems) {
            return try await recordPage(req, contents: try await ClientPages.recordContents(req), drafts: [:],
                                                    problems: ["measures-form": problems])
        }
    }

    @Sendable static func acknowledge(_ req: Request) async throws -> Response {
        let fields = req.formFields()
        let shown = fields.keys.compactMap { $0.hasPrefix("alert-") ? UUID(uuidString: String($0.dropFirst(6))) : nil }
        _ = try await req.withClientRecord { record in try await RiskAlerts.acknowledge(shown, in: record) }
        return req.redirect(to: "/clients/\(try req.clientAccess().scope.clientID.uuidString.lowercased())#check-ins")
    }
}
