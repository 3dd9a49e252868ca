import Fluent
import Foundation
import RapportCore
import Vapor

/// The JSON API under /api/v1: the same operations as the pages, for scripts and other tools. Sign in with
/// POST /sessions, then send `Authorization: Bearer <token>`. Errors are RFC 9457 problem details.
enum APIController {
    static func register(_ api: any RoutesBuilder) {
        api.get("openapi.json", action: .usePublicPage, use: openAPI)
        let budgeted = api.grouped(SignedOutBudgetMiddleware())
        budgeted.post("setup", action: .usePublicPage, use: setup)
        budgeted.post("sessions", action: .usePublicPage, use: signIn)
        api.delete("sessions", "current", action: .completeSignIn, use: signOut)
        api.get("me", action: .useOwnAccount, use: me)
        api.post("invitations", "therapists", action: .inviteTherapist, use: inviteTherapist)
        budgeted.get("invitations", ":token", action: .usePublicPage, use: invitation)
        budgeted.post("invitations", ":token", "accept", action: .usePublicPage, use: acceptInvitation)
        api.get("clients", action: .viewCaseload, use: caseload)
        api.post("clients", action: .inviteClient, use: inviteClient)
        api.get("clients", ":clientID", action: .viewClientRecord, use: client)
        api.get("clients", ":clientID", "progress-notes", action: .listProgressNotes, use: listProgressNotes)
        api.post("clients", ":clientID", "progress-notes", action: .writeProgressNote, use: writeProgressNote)
        api.get("clients", ":clientID", "progress-notes", ":noteID", action: .readProgressNote, use: readProgressNote)
        api.get("clients", ":clientID", "psychotherapy-notes", action: .listPsychotherapyNotes, use: listPsychotherapyNotes)
        api.post("clients", ":clientID", "psychotherapy-notes", action: .writePsychotherapyNote, use: writePsychotherapyNote)
        api.get("clients", ":clientID", "psychotherapy-notes", ":noteID", action: .readPsychotherapyNote, use: readPsychotherapyNote)
        api.get("clients", ":clientID", "messages", action: .listMessages, use: listMessages)
        api.post("clients", ":clientID", "messages", action: .writeMessage, use: writeMessage)
        api.get("clients", ":clientID", "appointments", action: .listAppointments, use: listAppointments)
        api.post("clients", ":clientID", "appointments", action: .scheduleAppointment, use: scheduleAppointment)
        api.post("clients", ":clientID", "appointments", ":appointmentID", "attendance", action: .recordAttendance, use: recordAttendance)
        api.post("clients", ":clientID", "appointments", ":appointmentID", action: .scheduleAppointment, use: changeAppointment)
        api.post("clients", ":clientID", "appointments", ":appointmentID", "cancel", action: .scheduleAppointment, use: cancelAppointment)
        CheckInsAPI.register(api)
        RupturesAPI.register(api)
        InstrumentsAPI.register(api)
    }

    /// Decodes a JSON body, turning a missing or malformed one into a 400 problem that says what was expected:
    /// `expected` describes the shape, or the answer points to the OpenAPI document.
    static func body<T: Decodable>(_ req: Request, _ type: T.Type, expected: String? = nil) throws -> T {
        let shape = expected.map { ", shaped \($0)" } ?? ""
        guard req.headers.contentType == .json else {
            throw RapportError.badRequest("Send a JSON body with Content-Type: application/json\(shape).")
        }
        do {
            return try req.content.decode(T.self)
        } catch {
            throw RapportError.badRequest(expected == nil
                ? "The JSON body could not be read. See /api/v1/openapi.json for the fields this endpoint takes."
                : "The JSON body could not be read. It should be shaped \(expected ?? "").")
        }
    }

    static func created<T: Content>(_ value: T) throws -> Response {
        let response = Response(status: .created)
        try response.content.encode(value, as: .json)
        return response
    }

    // MARK: Setup and sessions

    struct SetupBody: Content {
        var token: String
        var practice_name: String
        var name: String
        var email: String
        var password: String
        var sees_clients: Bool?
    }

    struct UserOut: Content {
        var id: UUID
        var role: String
        var roles: [String]
        var name: String
        var practice_id: UUID
        var client_id: UUID?
        var two_factor_enabled: Bool
    }

    static func userOut(_ user: UserRow, _ req: Request) async throws -> UserOut {
        UserOut(id: try user.requireID(), role: user.role,
                roles: Role.allCases.filter { user.roles?.contains($0) == true }.map(\.rawValue), name: try await People(req).name(of: user, on: req.db),
                practice_id: user.practiceID, client_id: user.clientID, two_factor_enabled: user.totpEnabledAt != nil)
    }

    @Sendable static func setup(_ req: Request) async throws -> Response {
        let input = try body(req, SetupBody.self)
        let owner = try await People(req).setUpPractice(token: input.token, .init(
            practiceName: input.practice_name, ownerName: input.name, email: input.email, password: input.password,
            ownerSeesClients: input.sees_clients ?? false))
        return try created(try await userOut(owner, req))
    }

    struct SignInBody: Content {
        var email: String
        var password: String
        var code: String?
    }

    struct SessionOut: Content {
        var token: String
        var token_type: String
        var expires_at: Date
        var user: UserOut
    }

    @Sendable static func signIn(_ req: Request) async throws -> Response {
        let input = try body(req, SignInBody.self)
        let people = People(req)
        let user: UserRow
        // A wrong email, password or code is a refused sign-in (401), not a malformed request (422).
        do {
            let stage: SignInStage
            (user, stage) = try await people.checkPassword(email: input.email, password: input.password)
            switch stage {
            case .enrolTwoFactor:
                throw RapportError.conflict("Two-step sign-in isn't set up for this account yet. Sign in once in the browser to set it up, then use the API.")
            case .twoFactor:
                guard let code = input.code, !code.isEmpty else {
                    throw RapportError.signInRefused("This account uses two-step sign-in: add the 6-digit code from the authenticator app as \"code\".")
                }
                try await people.checkCode(code, for: user, enrolling: false)
            case .full:
                break
            }
        } catch RecordError.invalid(let problems) {
            throw RapportError.signInRefused(problems.map(\.message).joined(separator: " "))
        }
        let services = req.rapport
        let token = try await req.transaction { db in
            try await SignIns.start(for: user, stage: .full, kind: .api, services: services, on: db)
        }
        let out = SessionOut(token: token, token_type: "Bearer",
                             expires_at: services.now.addingTimeInterval(services.configuration.signInLifetime),
                             user: try await userOut(user, req))
        return try created(out)
    }

    @Sendable static func signOut(_ req: Request) async throws -> HTTPStatus {
        if let signIn = req.identity.signIn {
            try await req.transaction { db in try await SignIns.end(signIn, on: db) }
        }
        return .noContent
    }

    @Sendable static func me(_ req: Request) async throws -> UserOut {
        guard let user = req.identity.user else { throw RapportError.denied(.notSignedIn) }
        return try await userOut(user, req)
    }

    // MARK: Invitations

    struct InviteBody: Content {
        var name: String
        var email: String
    }

    struct InvitationOut: Content {
        var invitation_link: String
        var expires_at: Date
        var client_id: UUID?
    }

    @Sendable static func inviteTherapist(_ req: Request) async throws -> Response {
        guard let actor = req.identity.actor else { throw RapportError.denied(.notSignedIn) }
        let input = try body(req, InviteBody.self)
        let invitation = try await People(req).inviteTherapist(by: actor, name: input.name, email: input.email)
        return try created(InvitationOut(invitation_link: invitation.link, expires_at: invitation.expiresAt, client_id: nil))
    }

    @Sendable static func inviteClient(_ req: Request) async throws -> Response {
        guard let actor = req.identity.actor else { throw RapportError.denied(.notSignedIn) }
        let input = try body(req, InviteBody.self)
        let invitation = try await People(req).inviteClient(by: actor, name: input.name, email: input.email)
        return try created(InvitationOut(invitation_link: invitation.link, expires_at: invitation.expiresAt, client_id: invitation.clientID))
    }

    struct PendingInvitationOut: Content {
        var role: String
        var name: String
        var email: String
        var practice_name: String
        var expires_at: Date
    }

    @Sendable static func invitation(_ req: Request) async throws -> PendingInvitationOut {
        let pending = try await People(req).pendingInvitation(token: req.parameters.get("token") ?? "", on: req.db)
        return PendingInvitationOut(role: pending.role.rawValue, name: pending.name, email: pending.email,
                                    practice_name: pending.practiceName, expires_at: pending.row.expiresAt)
    }

    struct AcceptBody: Content { var password: String }

    @Sendable static func acceptInvitation(_ req: Request) async throws -> Response {
        let input = try body(req, AcceptBody.self)
        let user = try await People(req).acceptInvitation(token: req.parameters.get("token") ?? "", password: input.password,
                                                          confirmation: input.password)
        return try created(try await userOut(user, req))
    }

    // MARK: Clients and notes

    struct ClientOut: Content {
        var id: UUID
        var name: String
        var has_joined: Bool
        /// An open risk alert: answered above 0 on a risk item, not yet marked as seen.
        var risk_alert: Bool
        /// In the caseload only: why the client needs attention, most urgent first, as on the caseload page.
        var needs: [NeedOut]?
        var next_session: Date?
    }

    struct NeedOut: Content {
        var kind: String
        var words: String
    }

    @Sendable static func caseload(_ req: Request) async throws -> Response {
        guard let actor = req.identity.actor else { throw RapportError.denied(.notSignedIn) }
        // Through `json` for its ISO 8601 dates (`next_session`).
        return try json(try await People(req).caseload(therapistID: actor.userID, now: req.rapport.now, settings: (actor.practiceID, try await req.practiceSettings()), on: req.db)
            .map { ClientOut(id: $0.clientID, name: $0.name, has_joined: $0.hasJoined, risk_alert: $0.hasRiskAlert,
                             needs: $0.needs.sorted { $0.kind < $1.kind }.map { NeedOut(kind: $0.kind.slug, words: $0.words) },
                             next_session: $0.nextSession) })
    }

    @Sendable static func client(_ req: Request) async throws -> ClientOut {
        try await req.withClientRecord { record in
            guard let client = try await HotPaths.clientSummary(clientID: record.clientID, on: record.db) else { throw RecordError.notFound }
            let name = try record.open(client.name, ClientRow.schema, "name", row: record.clientID)
            return ClientOut(id: record.clientID, name: name, has_joined: client.joined, risk_alert: client.alerted)
        }
    }

    struct NoteBody: Content { var body: String }

    @Sendable static func listProgressNotes(_ req: Request) async throws -> Response {
        let notes = try await req.withClientRecord { record in try await Notes.progressNotes(in: record) }
        return try json(notes)
    }

    @Sendable static func listPsychotherapyNotes(_ req: Request) async throws -> Response {
        let notes = try await req.withClientRecord { record in try await Notes.ownPsychotherapyNotes(in: record) }
        return try json(notes)
    }

    /// The thread, oldest first. Reading it here marks nothing read: that is the therapist opening the thread's page.
    @Sendable static func listMessages(_ req: Request) async throws -> Response {
        try json(try await req.withClientRecord(onlyReads: true) { record in try await Messages.thread(in: record) })
    }

    @Sendable static func writeMessage(_ req: Request) async throws -> Response {
        let input = try body(req, NoteBody.self)
        // Refused before any transaction (see `MessagePages.careTeamWrite`).
        if let problem = MessageRules.problem(input.body) { throw RecordError.invalid([problem]) }
        let message = try await req.withClientRecord { record in try await Messages.write(input.body, fromClient: false, in: record) }
        return try json(message, status: .created)
    }

    @Sendable static func writeProgressNote(_ req: Request) async throws -> Response { try await write(req, .progress) }
    @Sendable static func writePsychotherapyNote(_ req: Request) async throws -> Response { try await write(req, .psychotherapy) }

    static func write(_ req: Request, _ kind: NoteView.Kind) async throws -> Response {
        let input = try body(req, NoteBody.self)
        let note = try await req.withClientRecord { record in try await Notes.write(kind, body: input.body, in: record) }
        let response = try json(note, status: .created)
        response.headers.replaceOrAdd(name: .location, value: "\(req.url.path)/\(note.id.uuidString.lowercased())")
        return response
    }

    @Sendable static func readProgressNote(_ req: Request) async throws -> Response { try await read(req, .progress) }
    @Sendable static func readPsychotherapyNote(_ req: Request) async throws -> Response { try await read(req, .psychotherapy) }

    static func read(_ req: Request, _ kind: NoteView.Kind) async throws -> Response {
        try json(try await req.withClientRecord { record in try await Notes.one(kind, in: record) })
    }

    static func json<T: Encodable>(_ value: T, status: HTTPResponseStatus = .ok) throws -> Response {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        encoder.outputFormatting = [.sortedKeys]
        let response = Response(status: status, body: .init(data: try encoder.encode(value)))
        response.headers.contentType = .json
        return response
    }

    // MARK: Appointments

    @Sendable static func listAppointments(_ req: Request) async throws -> Response {
        try json(try await req.withClientRecord { record in try await Appointments.all(in: record) })
    }

    struct AppointmentBody: Decodable {
        var starts_at: String
        var duration_minutes: Int
        var location: String?
        var repeats: RepeatsBody?
    }

    struct RepeatsBody: Decodable {
        var every_weeks: Int
        var count: Int
    }

    /// Books one session, or with `repeats` a weekly or fortnightly series in the practice's time zone (each at the
    /// same time of day). Answers with the first session; the others are in the list.
    @Sendable static func scheduleAppointment(_ req: Request) async throws -> Response {
        let input = try body(req, AppointmentBody.self)
        let booking = Appointments.Booking(start: timestamp(input.starts_at), startField: "starts_at",
                                           lengthMinutes: input.duration_minutes, location: input.location ?? "",
                                           repeats: input.repeats.map { .init(everyWeeks: $0.every_weeks, count: $0.count) },
                                           zone: try await req.practiceZone())
        let session = try await req.withClientRecord { record in try await Appointments.schedule(booking, in: record) }
        return try json(session, status: .created)
    }

    @Sendable static func changeAppointment(_ req: Request) async throws -> Response {
        let appointmentID = try ClientPages.appointmentID(req)
        let input = try body(req, AppointmentBody.self)
        guard input.repeats == nil else {
            throw RapportError.invalid([FieldProblem(field: "repeats", message: "A change is to one session; repeats can only be given when booking.")])
        }
        let booking = Appointments.Booking(start: timestamp(input.starts_at), startField: "starts_at",
                                           lengthMinutes: input.duration_minutes, location: input.location ?? "")
        let session = try await req.withClientRecord { record in try await Appointments.change(appointmentID, to: booking, in: record) }
        return try json(session, status: .ok)
    }

    struct CancelBody: Decodable { var cancellation: String }

    @Sendable static func cancelAppointment(_ req: Request) async throws -> Response {
        let appointmentID = try ClientPages.appointmentID(req)
        let input = try body(req, CancelBody.self)
        guard let cancellation = Cancellation(rawValue: input.cancellation) else {
            throw RapportError.invalid([FieldProblem(field: "cancellation", message: "cancellation must be one of "
                + Cancellation.allCases.map(\.rawValue).joined(separator: ", ") + ".")])
        }
        let session = try await req.withClientRecord { record in try await Appointments.cancel(appointmentID, cancellation, in: record) }
        return try json(session, status: .ok)
    }

    /// An RFC 3339 date-time (what the document's `format: date-time` means), with or without fractions of a second.
    static func timestamp(_ text: String) -> Date? {
        guard text.utf8.count <= 40 else { return nil }
        let plain = ISO8601DateFormatter()
        plain.formatOptions = [.withInternetDateTime]
        if let date = plain.date(from: text) { return date }
        let fractional = ISO8601DateFormatter()
        fractional.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return fractional.date(from: text)
    }

    struct AttendanceBody: Decodable {
        var attendance: String
        var late_minutes: Int?
    }

    @Sendable static func recordAttendance(_ req: Request) async throws -> HTTPStatus {
        guard let appointmentID = req.parameters.get("appointmentID").flatMap(UUID.init(uuidString:)) else { throw RapportError.notFound }
        let input = try body(req, AttendanceBody.self)
        guard let attendance = Attendance(rawValue: input.attendance) else {
            throw RapportError.invalid([FieldProblem(field: "attendance", message: "attendance must be one of "
                + Attendance.allCases.map(\.rawValue).joined(separator: ", ") + ".")])
        }
        try await req.withClientRecord { record in
            try await Appointments.recordAttendance(appointmentID, attendance: attendance, lateMinutes: input.late_minutes, in: record)
        }
        return .noContent
    }

    @Sendable static func openAPI(_ req: Request) async throws -> Response {
        guard let document = OpenAPIDocument.json else { throw RapportError.unavailable("The API description is missing from this build.") }
        let response = Response(status: .ok, body: .init(string: document))
        response.headers.contentType = .json
        return response
    }
}
