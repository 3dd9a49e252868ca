import Fluent
import Foundation
import Plot
import RapportCore
import Vapor

/// A therapist's caseload, one client's record with its notes, and the client's own home.
enum ClientPages {
    static func register(_ routes: any RoutesBuilder) {
        routes.get("clients", action: .viewCaseload, use: caseload)
        routes.get("clients", ":clientID", action: .viewClientRecord, use: record)
        routes.post("clients", ":clientID", "progress-notes", action: .writeProgressNote, use: writeProgressNote)
        routes.get("clients", ":clientID", "progress-notes", ":noteID", action: .readProgressNote, use: progressNote)
        routes.post("clients", ":clientID", "psychotherapy-notes", action: .writePsychotherapyNote, use: writePsychotherapyNote)
        routes.get("clients", ":clientID", "psychotherapy-notes", ":noteID", action: .readPsychotherapyNote, use: psychotherapyNote)
        routes.post("clients", ":clientID", "appointments", action: .scheduleAppointment, use: schedule)
        routes.post("clients", ":clientID", "appointments", ":appointmentID", "attendance", action: .recordAttendance, use: attendance)
        routes.get("me", action: .viewOwnPortal, use: portal)
    }

    // MARK: Caseload

    @Sendable static func caseload(_ req: Request) async throws -> Response {
        try await caseloadPage(req, form: PeoplePages.InviteForm(), problems: [])
    }

    static func caseloadPage(_ req: Request, form: PeoplePages.InviteForm, problems: [FieldProblem]) async throws -> Response {
        guard let actor = req.identity.actor else { throw RapportError.denied(.notSignedIn) }
        // Clients with an open risk alert come first.
        let entries = try await People(req).caseload(therapistID: actor.userID, on: req.db)
            .enumerated().sorted { ($0.element.hasRiskAlert ? 0 : 1, $0.offset) < ($1.element.hasRiskAlert ? 0 : 1, $1.offset) }.map(\.element)
        return Layout.render("Your clients", req.page, status: problems.isEmpty ? .ok : .unprocessableEntity,
            .h1("Your clients"),
            .if(entries.isEmpty,
                .p(.class("muted"), "No clients yet. When you invite someone, they'll appear here."),
                else: .ul(.class("plain card"), .forEach(entries) { entry in
                    .li(.a(.class("client-link"), .href("/clients/\(entry.clientID.uuidString.lowercased())"), .text(entry.name),
                           .if(entry.hasRiskAlert, .span(.class("badge risk"), " Risk alert"))),
                        .if(!entry.hasJoined, .span(.class("muted"), " · invited")))
                })),
            .h2("Invite a client"),
            .p("This creates their private record and a link for them to join. The link works once and expires in \(PeoplePages.days(req)) days."),
            FormParts.form(id: "invite-client-form", action: "/clients/invitations", req.page, problems: problems, submit: "Create invitation",
                FormParts.field("name", label: "Client's name", value: form.name ?? "", autocomplete: "off", problems: problems),
                FormParts.field("email", label: "Client's email", type: .email, value: form.email ?? "", autocomplete: "off", problems: problems)
            )
        )
    }

    // MARK: A client's record

    struct NoteForm: Content { var body: String? }

    struct RecordContents: Sendable {
        let name: String
        let progressNotes: [NoteView]
        let psychotherapyNotes: [NoteView]
        let appointments: [AppointmentView]
        let checkIns: CheckInSummary

        /// Everything the record page shows, read with the record's one unwrapped key.
        static func load(in record: ClientRecord) async throws -> RecordContents {
            guard let client = try await ClientRow.find(record.clientID, on: record.db) else { throw RecordError.notFound }
            let appointments = try await Appointments.all(in: record)
            return RecordContents(
                name: try record.open(client.nameEnvelope, ClientRow.schema, "name", row: record.clientID),
                progressNotes: try await Notes.progressNotes(in: record),
                psychotherapyNotes: try await Notes.ownPsychotherapyNotes(in: record),
                appointments: appointments,
                checkIns: try await CheckInSummary.load(sessions: appointments.map(\.slot), in: record))
        }
    }

    static func recordContents(_ req: Request) async throws -> RecordContents {
        try await req.withClientRecord(recording: .viewClientRecord) { record in try await RecordContents.load(in: record) }
    }

    @Sendable static func record(_ req: Request) async throws -> Response {
        try await recordPage(req, contents: try await recordContents(req), drafts: [:], problems: [:])
    }

    /// Practice-local date and time, e.g. "Tue 1 Dec 2026, 14:00".
    static func when(_ date: Date, _ req: Request) -> String {
        var style = Date.FormatStyle(date: .abbreviated, time: .shortened)
        style.timeZone = req.rapport.configuration.timeZone
        return date.formatted(style)
    }

    /// `drafts` and `problems` are keyed by form id, so a rejected note stays in its own box with its message.
    static func recordPage(_ req: Request, contents: RecordContents, drafts: [String: String], problems: [String: [FieldProblem]]) async throws -> Response {
        let access = try req.clientAccess()
        let base = "/clients/\(access.scope.clientID.uuidString.lowercased())"
        return Layout.render(contents.name, req.page, status: problems.isEmpty ? .ok : .unprocessableEntity,
            .p(.a(.href("/clients"), "← Your clients")),
            .h1(.text(contents.name)),
            checkInSection(req, base: base, summary: contents.checkIns, appointments: contents.appointments, problems: problems),
            sessionsSection(req, base: base, contents: contents, drafts: drafts, problems: problems),
            .h2("Progress notes"),
            .p(.class("muted"), "Part of the client's record."),
            FormParts.form(id: "progress-note-form", action: "\(base)/progress-notes", req.page,
                           problems: problems["progress-note-form"] ?? [], submit: "Save progress note",
                FormParts.textArea("body", id: "progress-body", label: "New progress note", value: drafts["progress-note-form"] ?? "",
                                   problems: problems["progress-note-form"] ?? [])),
            .if(contents.progressNotes.isEmpty, .p(.class("muted"), "No progress notes yet.")),
            .forEach(contents.progressNotes) { noteNode($0, href: "\(base)/progress-notes/\($0.id.uuidString.lowercased())") },
            .h2("Psychotherapy notes"),
            .p(.class("muted"), "Your private process notes. Only you can read them: not the client, not colleagues, not the practice owner."),
            FormParts.form(id: "psychotherapy-note-form", action: "\(base)/psychotherapy-notes", req.page,
                           problems: problems["psychotherapy-note-form"] ?? [], submit: "Save private note",
                FormParts.textArea("body", id: "psychotherapy-body", label: "New psychotherapy note", value: drafts["psychotherapy-note-form"] ?? "",
                                   problems: problems["psychotherapy-note-form"] ?? [])),
            .if(contents.psychotherapyNotes.isEmpty, .p(.class("muted"), "No psychotherapy notes yet.")),
            .forEach(contents.psychotherapyNotes) { noteNode($0, href: "\(base)/psychotherapy-notes/\($0.id.uuidString.lowercased())") }
        )
    }

    static func sessionsSection(_ req: Request, base: String, contents: RecordContents, drafts: [String: String],
                                problems: [String: [FieldProblem]]) -> Node<HTML.BodyContext> {
        let now = req.rapport.now
        let upcoming = contents.appointments.filter { $0.startsAt > now && !$0.cancelled }
        let past = contents.appointments.filter { $0.startsAt <= now }.reversed()
        let scheduleProblems = problems["schedule-form"] ?? []
        return .section(.id("sessions"),
            .h2("Sessions"),
            .if(upcoming.isEmpty, .p(.class("muted"), "No sessions booked.")),
            .if(!upcoming.isEmpty, .ul(.class("plain card sessions"), .forEach(upcoming) { session in
                .li(.class("session"), sessionLine(session, req, minutes: "min"),
                    // A refusal for this session (attendance sent before it started) shows beside it.
                    .unwrap((problems["attendance-\(session.id.uuidString.lowercased())"] ?? []).first) { .p(.class("error"), .text($0.message)) },
                    .form(.id("cancel-\(session.id.uuidString.lowercased())"), .method(.post), .class("inline"),
                          .action("\(base)/appointments/\(session.id.uuidString.lowercased())/attendance"),
                          .input(.type(.hidden), .name(CSRF.fieldName), .value(req.page.csrfToken)),
                          .input(.type(.hidden), .name("attendance"), .value(Attendance.cancelledLate.rawValue)),
                          .button(.type(.submit), .class("link-button"), .text("Mark as cancelled late"))))
            })),
            FormParts.form(id: "schedule-form", action: "\(base)/appointments", req.page, problems: scheduleProblems, submit: "Book session",
                FormParts.field("date", label: "Date", type: .date, value: drafts["date"] ?? "", problems: scheduleProblems),
                FormParts.field("time", label: "Time (\(req.rapport.configuration.timeZone.identifier))", type: .time,
                                value: drafts["time"] ?? "", problems: scheduleProblems),
                FormParts.field("length", label: "Length in minutes", type: .number, value: drafts["length"] ?? "50", problems: scheduleProblems,
                                extra: [.attribute(named: "min", value: "10"), .attribute(named: "max", value: "240")]),
                FormParts.field("location", label: "Place or video link (optional)", value: drafts["location"] ?? "",
                                hint: "The client sees this, and it appears in their calendar.", problems: scheduleProblems, required: false)
            ),
            .if(!past.isEmpty, .h2("Past sessions")),
            .forEach(past) { session in
                let formID = "attendance-\(session.id.uuidString.lowercased())"
                let sessionProblems = problems[formID] ?? []
                return .div(.class("card session past"),
                    .p(.strong(.text(when(session.startsAt, req))), .text(" · \(session.durationMinutes) min"),
                       .unwrap(session.attendance) { attendance in
                           .text(" · \(attendance.display)\(attendance == .late ? " (\(session.lateMinutes ?? 0) min)" : "")")
                       }),
                    .if(session.attendance == nil,
                        FormParts.form(id: formID, action: "\(base)/appointments/\(session.id.uuidString.lowercased())/attendance",
                                       req.page, problems: sessionProblems, submit: "Record attendance",
                            .div(.class("field"),
                                 .label(.for("\(formID)-attendance"), "What happened"),
                                 .unwrap(sessionProblems.first { $0.field == "attendance" }) { .p(.class("error"), .text($0.message)) },
                                 .select(.attribute(named: "name", value: "attendance"), .attribute(named: "id", value: "\(formID)-attendance"),
                                         .forEach(Attendance.allCases) { .option(.value($0.rawValue), .label($0.display)) })),
                            FormParts.field("late_minutes", label: "Minutes late (if late)", type: .number, problems: sessionProblems,
                                            required: false, id: "\(formID)-late")
                        ))
                )
            }
        )
    }

    /// "Tue 1 Dec 2026, 14:00 · 50 min · Room 2": a booked session, as both the therapist and the client see it.
    static func sessionLine(_ session: AppointmentView, _ req: Request, minutes: String) -> Node<HTML.BodyContext> {
        .p(.strong(.text(when(session.startsAt, req))), .text(" · \(session.durationMinutes) \(minutes)"),
           .unwrap(session.location) { .text(" · \($0)") })
    }

    struct ScheduleForm: Content {
        var date: String?
        var time: String?
        var length: String?
        var location: String?
    }

    @Sendable static func schedule(_ req: Request) async throws -> Response {
        let form = try req.content.decode(ScheduleForm.self)
        let services = req.rapport
        let booking = Appointments.Booking(start: Appointments.start(date: form.date ?? "", time: form.time ?? "", in: services.configuration.timeZone),
                                           startField: "date", lengthMinutes: form.length.flatMap { Int($0) }, location: form.location ?? "")
        do {
            let session = try await req.withClientRecord { record in try await Appointments.schedule(booking, in: record) }
            return req.redirect(to: "/clients/\(session.clientID.uuidString.lowercased())#sessions")
        } catch RecordError.invalid(let problems) {
            let drafts = ["date": form.date ?? "", "time": form.time ?? "", "length": form.length ?? "", "location": form.location ?? ""]
            return try await recordPage(req, contents: try await recordContents(req), drafts: drafts, problems: ["schedule-form": problems])
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

    static func noteNode(_ note: NoteView, href: String) -> Node<HTML.BodyContext> {
        .article(.class(note.kind == .psychotherapy ? "note private" : "note"), .id("note-\(note.id.uuidString.lowercased())"),
            .p(.class("meta"), .a(.href(href), .text(note.createdAt.formatted(date: .abbreviated, time: .shortened)))),
            .p(.class("note-body"), .text(note.body)))
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
        let title = kind == .progress ? "Progress note" : "Psychotherapy note"
        return Layout.render(title, req.page,
            .p(.a(.href("/clients/\(note.clientID.uuidString.lowercased())"), "← Back to the record")),
            .h1(.text(title)),
            noteNode(note, href: req.url.path))
    }

    // MARK: The client's home

    @Sendable static func portal(_ req: Request) async throws -> Response {
        guard let user = req.identity.user else { throw RapportError.denied(.notSignedIn) }
        let people = People(req)
        let practice = try await people.practiceName(user.practiceID, on: req.db)
        // The policy let only a client in; every client account belongs to a client record.
        guard let clientID = user.clientID else { throw RapportError.denied(.wrongRole) }
        let record = try await req.ownRecord(.viewOwnPortal, clientID: clientID, on: req.db)
        let name = try people.name(of: user, key: .client(record.key))
        let upcoming = try await Appointments.all(in: record).filter { $0.startsAt > record.now && !$0.cancelled }
        let checkIns = try await CheckIns.open(in: record)
        let support = try await CheckInPages.crisisCard(req, practiceID: user.practiceID,
                                                        opening: "If things feel like too much, you don't have to wait for your next session.")
        return Layout.render("Your space", req.page,
            .h1(.text("Welcome, \(InputRules.firstName(of: name))")),
            .p(.class("lead"), .text("This is your private space with \(practice).")),
            .if(!checkIns.isEmpty, .div(.class("card"), .id("check-ins"),
                .h2("Waiting for you"),
                .p(.class("muted"), "A few taps each. Your therapist sees your answers before your session."),
                CheckInPages.checkInList(req, checkIns))),
            .div(.class("card"), .id("upcoming-sessions"),
                .h2("Your next sessions"),
                .if(upcoming.isEmpty, .p(.class("muted"), "Nothing booked yet. Your therapist will add your sessions here.")),
                .if(!upcoming.isEmpty, .ul(.class("plain"), .forEach(upcoming) { session in
                    .li(.class("session"), sessionLine(session, req, minutes: "minutes"))
                })),
                .p(.a(.href("/account/calendar"), "Add your sessions to your phone's calendar"))
            ),
            .div(.class("card"),
                .h2("What stays in the room"),
                .p("What you share here is encrypted, and only your therapist can read it. Every time someone opens your record, it is written down, and you'll be able to see it here."),
                .p("Your therapist will talk with you about the few limits of confidentiality, such as a serious risk to your safety or someone else's, before anything else.")
            ),
            .h2("Support, any time"),
            support
        )
    }
}
