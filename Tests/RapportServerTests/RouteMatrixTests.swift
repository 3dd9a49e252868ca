import Fluent
import Foundation
import RapportCore
@testable import RapportServer
import Testing
import Vapor
import VaporTesting

/// Who asks, relative to one client's record.
enum Persona: String, CaseIterable, CustomStringConvertible {
    case ownTherapist, colleagueTherapist, ownerOfPractice, otherPracticeTherapist, otherPracticeOwner, theClient, anotherClient, signedOut
    /// An owner who also sees clients (both roles, one account), on this client's care team beside their own therapist.
    case coOwnerSeeingThisClient
    var description: String { rawValue }
}

/// The role × ownership matrix: for every action, who may do it. A route whose action is missing here fails
/// `everyRouteHasAMatrixEntry`, so a new route cannot ship without someone deciding who may use it.
let allowedPersonas: [Action: Set<Persona>] = {
    let everyone = Set(Persona.allCases)
    let signedIn = everyone.subtracting([.signedOut])
    let owners: Set<Persona> = [.ownerOfPractice, .otherPracticeOwner, .coOwnerSeeingThisClient]
    let therapists: Set<Persona> = [.ownTherapist, .colleagueTherapist, .otherPracticeTherapist, .coOwnerSeeingThisClient]
    // The care team: the client's therapist, and an owner who sees this client as their therapist too.
    let careTeam: Set<Persona> = [.ownTherapist, .coOwnerSeeingThisClient]
    return [
        .usePublicPage: everyone,
        .completeSignIn: signedIn,
        .useOwnAccount: signedIn,
        .viewPractice: owners,
        .inviteTherapist: owners,
        // The policy lets any owner ask; the reset itself finds only the owner's own therapists (OwnerResetTests).
        .resetStaffTwoFactor: owners,
        .manageSettings: owners,
        .viewPracticeOutcomes: owners,
        .eraseClientRecord: owners,
        .reviewWithheldDisclosures: owners,
        .exportClientRecord: careTeam,
        .recordDisclosure: careTeam,
        .recordWithheldDisclosure: careTeam,
        .viewEnquiries: owners.union(therapists),
        .handleEnquiry: owners.union(therapists),
        .viewCaseload: therapists,
        .inviteClient: therapists,
        .viewClientRecord: careTeam,
        .listProgressNotes: careTeam,
        .readProgressNote: careTeam,
        .writeProgressNote: careTeam,
        .listPsychotherapyNotes: careTeam,
        // Only its author, even on the same care team (the cast's note is the own therapist's).
        .readPsychotherapyNote: [.ownTherapist],
        .writePsychotherapyNote: careTeam,
        .listAppointments: careTeam,
        .scheduleAppointment: careTeam,
        .recordAttendance: careTeam,
        .listCheckIns: careTeam,
        .enterCheckIn: careTeam,
        .chooseMeasures: careTeam,
        .acknowledgeRiskAlert: careTeam,
        .listRuptures: careTeam,
        .recordRupture: careTeam,
        // The owner as owner reads no message; a client writes only in their own thread.
        .listMessages: careTeam,
        .writeMessage: careTeam,
        .writeWordsToCarry: careTeam,
        .readSafetyPlan: careTeam,
        .writeSafetyPlan: careTeam,
        .agreePractice: careTeam,
        .planEnding: careTeam,
        .viewOwnPortal: [.theClient, .anotherClient],
        .answerOwnCheckIn: [.theClient, .anotherClient],
        .setOwnPreferences: [.theClient, .anotherClient],
        .writeOwnMessage: [.theClient, .anotherClient],
        .pinOwnWords: [.theClient, .anotherClient],
        .writeOwnSafetyPlan: [.theClient, .anotherClient],
        .logOwnPractice: [.theClient, .anotherClient],
        // The route lets any client ask; their own record then decides (only once their therapy has ended: EndingTests).
        .reachOutAgain: [.theClient, .anotherClient],
        .answerOwnFollowUp: [.theClient, .anotherClient],
        .exportOwnRecord: [.theClient, .anotherClient],
    ]
}()

struct Cast {
    let practice: TestPractice
    let own: TestPractice.Person
    let colleague: TestPractice.Person
    let owner: TestPractice.Person
    let otherTherapist: TestPractice.Person
    let otherOwner: TestPractice.Person
    let client: TestPractice.Person
    let anotherClient: TestPractice.Person
    let coOwner: TestPractice.Person
    let progressNoteID: UUID
    let psychotherapyNoteID: UUID
    let appointmentID: UUID
    /// A session still to come, for the routes that move one.
    let upcomingID: UUID
    /// One still to come for each route that cancels one (page and API), so neither finds it cancelled already.
    let toCancelIDs: (page: UUID, api: UUID)
    /// A rupture on the log, for the routes that name one.
    let ruptureID: UUID

    var clientID: UUID { client.user.clientID! }

    static func assemble(_ practice: TestPractice) async throws -> Cast {
        let owner = try await practice.newPractice("A")
        let own = try await practice.newTherapist(in: owner)
        let colleague = try await practice.newTherapist(in: owner, name: "Colleague")
        let client = try await practice.newClient(of: own)
        let anotherClient = try await practice.newClient(of: colleague, name: "Other Client")
        let otherOwner = try await practice.newPractice("B")
        let otherTherapist = try await practice.newTherapist(in: otherOwner)
        // A second owner of practice A who also sees clients, on this client's care team: joined as a therapist,
        // then given the owner's role with a caseload (setup makes one owner per practice; the policy doesn't count).
        let coOwnerJoined = try await practice.newTherapist(in: owner, name: "Co-owner")
        coOwnerJoined.user.role = Role.owner.rawValue
        coOwnerJoined.user.seesClients = true
        try await coOwnerJoined.user.update(on: practice.app.db)
        let member = CareTeamMemberRow()
        member.clientID = client.user.clientID!
        member.therapistID = coOwnerJoined.id
        member.createdAt = Date()
        try await member.create(on: practice.app.db)
        // One note of each kind, written by the client's own therapist, for the routes that name a note.
        let access = ClientAccess(actor: own.actor, action: .writeProgressNote,
                                  scope: ClientScope(clientID: client.user.clientID!, practiceID: owner.user.practiceID, careTeam: [own.id]), noteID: nil)
        let record = try await ClientRecord.open(access, keys: practice.app.rapport.keys, now: Date(), on: practice.app.db)
        let progress = try await Notes.write(.progress, body: "progress", in: record)
        let psychotherapy = try await Notes.write(.psychotherapy, body: "private", in: record)
        // A session yesterday, so attendance can be recorded for it.
        let session = try await Appointments.schedule(
            .init(start: Date().addingTimeInterval(-86400), startField: "date", lengthMinutes: 50, location: "Room 2"), in: record)
        // Ten days away: its check-in isn't open yet, so yesterday's is still the one the client is asked for.
        var upcoming: [UUID] = []
        for days in [10.0, 11, 12] {
            upcoming.append(try await Appointments.schedule(
                .init(start: Date().addingTimeInterval(days * 86400), startField: "date", lengthMinutes: 50, location: "Room 2"), in: record).id)
        }
        let rupture = try await RuptureLog.record(RuptureEntry(decision: "noticed", appointmentID: session.id.uuidString, type: "withdrawal",
                                                               markers: ["minimal-response"], note: nil), in: record)
        return Cast(practice: practice, own: own, colleague: colleague, owner: owner, otherTherapist: otherTherapist, otherOwner: otherOwner,
                    client: client, anotherClient: anotherClient, coOwner: coOwnerJoined, progressNoteID: progress.id, psychotherapyNoteID: psychotherapy.id,
                    appointmentID: session.id, upcomingID: upcoming[0], toCancelIDs: (upcoming[1], upcoming[2]), ruptureID: rupture)
    }

    func person(_ persona: Persona) -> TestPractice.Person? {
        switch persona {
        case .ownTherapist: return own
        case .colleagueTherapist: return colleague
        case .ownerOfPractice: return owner
        case .otherPracticeTherapist: return otherTherapist
        case .otherPracticeOwner: return otherOwner
        case .theClient: return client
        case .anotherClient: return anotherClient
        case .coOwnerSeeingThisClient: return coOwner
        case .signedOut: return nil
        }
    }

    func requester(_ persona: Persona) -> Requester {
        person(persona).map { .signedIn($0.actor) } ?? .signedOut
    }

    var scope: ClientScope { ClientScope(clientID: clientID, practiceID: owner.user.practiceID, careTeam: [own.id, coOwner.id]) }

    /// The path with its parameters filled in for this cast's client and notes.
    func concretePath(_ route: Route) -> String {
        "/" + route.path.map { component -> String in
            switch component.description {
            case ":clientID": return clientID.uuidString.lowercased()
            case ":noteID":
                return route.path.contains(where: { $0.description == "psychotherapy-notes" })
                    ? psychotherapyNoteID.uuidString.lowercased() : progressNoteID.uuidString.lowercased()
            case ":token": return "no-such-token"
            // No disclosure is held in the cast's record: the walks check who is refused, `DisclosureTests` the rest.
            case ":disclosureID": return UUID().uuidString.lowercased()
            case ":appointmentID":
                // Attendance is for a session that has happened; moving and cancelling for one still to come.
                let movesOrCancels = route.path.contains { $0.description == "appointments" } && route.path.last?.description != "attendance"
                if route.path.last?.description == "cancel" {
                    return (route.path.first?.description == "api" ? toCancelIDs.api : toCancelIDs.page).uuidString.lowercased()
                }
                return (movesOrCancels ? upcomingID : appointmentID).uuidString.lowercased()
            // The colleague: a therapist none of the walks sign in as, so a reset of their two-step ends nobody's sign-in.
            case ":therapistID": return colleague.id.uuidString.lowercased()
            case ":instrumentID": return "phq-9"
            case ":ruptureID": return ruptureID.uuidString.lowercased()
            default: return component.description
            }
        }.joined(separator: "/")
    }
}

@Suite struct RouteMatrixTests {
    @Test func everyRouteHasAMatrixEntry() async throws {
        try await TestPractice.run { practice in
            let routes = practice.app.routes.all
            #expect(routes.count > 30)
            for route in routes {
                let action = try #require(route.rapportAction, "route \(route.method) \(route.path) has no policy action")
                #expect(allowedPersonas[action] != nil, "action \(action) of \(route.method) \(route.path) has no matrix entry")
            }
            for action in Action.allCases { #expect(allowedPersonas[action] != nil, "\(action) missing from the matrix") }
        }
    }

    /// The policy function agrees with the matrix, for every route and every persona.
    @Test func policyMatchesTheMatrixForEveryRoute() async throws {
        try await TestPractice.run { practice in
            let cast = try await Cast.assemble(practice)
            for route in practice.app.routes.all {
                let action = try #require(route.rapportAction)
                let resource: Resource
                if action == .readPsychotherapyNote {
                    resource = .psychotherapyNote(cast.scope, authorID: cast.own.id)
                } else {
                    resource = action.isClientScoped ? .client(cast.scope) : .none
                }
                for persona in Persona.allCases {
                    let allowed = AccessPolicy.decide(cast.requester(persona), action, resource) == .allow
                    #expect(allowed == allowedPersonas[action]!.contains(persona), "\(persona) on \(route.method) \(route.path)")
                }
            }
        }
    }

    /// Real requests: on every client-scoped route, page and API alike, everyone but the client's own therapist
    /// gets 403 or 404 (nobody signed in: 401 from the API, 403 from a page), nothing is written, and each refusal by
    /// someone signed in is in the audit trail.
    @Test func everyClientScopedRouteRefusesEveryoneElseAndRecordsIt() async throws {
        try await TestPractice.run { practice in
            let cast = try await Cast.assemble(practice)
            let clientScoped = Self.clientScopedRoutes(practice)
            #expect(clientScoped.count >= 23)
            var tokens: [Persona: (browser: String, api: String)] = [:]
            for persona in Persona.allCases {
                if let person = cast.person(persona) {
                    tokens[persona] = (try await practice.signIn(person), try await practice.signIn(person, kind: .api))
                }
            }
            // An open risk alert (item 9 answered by the client), so a refused "mark as seen" would show.
            let riskCheckIn = try await CheckIns.saveAnswer(1, item: 8, definition: InstrumentCatalogue.definition(id: "phq-9")!,
                                                            appointmentID: cast.appointmentID, to: nil,
                                                            in: try await practice.record(cast.client.actor, .answerOwnCheckIn, cast.scope)).view
            let alertID = try #require(try await RiskAlertRow.query(on: practice.app.db).first()?.requireID())
            let notesBefore = try await ProgressNoteRow.query(on: practice.app.db).count()
                + PsychotherapyNoteRow.query(on: practice.app.db).count()

            for route in clientScoped {
                let path = cast.concretePath(route)
                let isAPI = path.hasPrefix("/api/")
                // The co-owner is on the care team: their walk is `anOwnerWhoSeesThisClientUsesEveryRouteAsTheirTherapist`.
                for persona in Persona.allCases where persona != .ownTherapist && persona != .coOwnerSeeingThisClient {
                    let deniedBefore = try await practice.auditCount("denied")
                    let countedBefore = practice.app.rapport.signedOutTraffic.totals.refused
                    try await send(route, path: path, isAPI: isAPI, appointmentID: cast.appointmentID, alertID: alertID, token: isAPI ? tokens[persona]?.api : tokens[persona]?.browser, practice) { response in
                        // Nobody signed in: the API asks for a token (401), a page offers sign-in (403).
                        let expected: Set<UInt> = persona == .signedOut ? (isAPI ? [401] : [403]) : [403, 404]
                        #expect(expected.contains(response.status.code),
                                "\(persona) on \(route.method) \(path) got \(response.status.code)")
                        #expect(!response.body.string.contains("private") || !path.contains("psychotherapy"))
                    }
                    let deniedAfter = try await practice.auditCount("denied")
                    if persona == .signedOut {
                        // Nobody signed in, nobody's access: counted, not written to the trail (issue 7).
                        #expect(deniedAfter == deniedBefore, "signed-out refusal on \(route.method) \(path) wrote an audit row")
                        #expect(practice.app.rapport.signedOutTraffic.totals.refused == countedBefore + 1)
                    } else {
                        #expect(deniedAfter == deniedBefore + 1, "refusal of \(persona) on \(route.method) \(path) not audited")
                        // Recorded in the capacity they had: an owner without a caseload as owner, never as therapist.
                        let entry = try await AuditEntryRow.query(on: practice.app.db).sort(\.$sequence, .descending).first()
                        let owners: Set<Persona> = [.ownerOfPractice, .otherPracticeOwner]
                        let clients: Set<Persona> = [.theClient, .anotherClient]
                        let expectedRole: String = owners.contains(persona) ? "owner" : (clients.contains(persona) ? "client" : "therapist")
                        #expect(entry?.actorRole == expectedRole, "\(persona) on \(route.method) \(path) recorded as \(entry?.actorRole ?? "-")")
                    }
                }
            }
            let notesAfter = try await ProgressNoteRow.query(on: practice.app.db).count()
                + PsychotherapyNoteRow.query(on: practice.app.db).count()
            #expect(notesAfter == notesBefore, "a refused request wrote a note")
            let sessions = try await AppointmentRow.query(on: practice.app.db).all()
            #expect(sessions.count == 4, "a refused request booked a session")
            #expect(sessions.allSatisfy { $0.attendance == nil }, "a refused request recorded attendance")
            #expect(sessions.allSatisfy { !$0.cancelled && $0.movedFrom == nil }, "a refused request moved or cancelled a session")
            #expect(try await CheckInRow.query(on: practice.app.db).all().map(\.id) == [riskCheckIn.id], "a refused request entered a check-in")
            #expect(try await CheckInRow.query(on: practice.app.db).first()?.completedAt == nil, "a refused request finished a check-in")
            #expect(try await RiskAlertRow.find(alertID, on: practice.app.db)?.acknowledgedAt == nil, "a refused request marked an alert as seen")
            #expect(try await CheckInPlanRow.query(on: practice.app.db).count() == 0, "a refused request chose measures")
            #expect(try await RuptureRow.query(on: practice.app.db).count() == 1, "a refused request recorded a rupture")
            #expect(try await RuptureRepairRow.query(on: practice.app.db).count() == 0, "a refused request recorded a repair")
            #expect(try await MessageRow.query(on: practice.app.db).count() == 0, "a refused request wrote a message")
            #expect(try await WordsToCarryRow.query(on: practice.app.db).count() == 0, "a refused request wrote words to carry")
            #expect(try await SafetyPlanVersionRow.query(on: practice.app.db).count() == 0, "a refused request saved a safety plan")
            #expect(try await PracticeAgreementRow.query(on: practice.app.db).count() == 0, "a refused request agreed a practice")

            // And the client's own therapist gets through on every one of them, each access audited as allowed.
            for route in clientScoped {
                let path = cast.concretePath(route)
                let isAPI = path.hasPrefix("/api/")
                // An export also takes a fresh code from the therapist's own app: `ExportTests` goes through with one.
                if Self.needsFreshCode(route, path) { continue }
                let allowedBefore = try await practice.auditCount("allowed")
                try await send(route, path: path, isAPI: isAPI, appointmentID: cast.appointmentID, alertID: alertID, token: isAPI ? tokens[.ownTherapist]!.api : tokens[.ownTherapist]!.browser, practice) { response in
                    #expect(response.status.code < 400, "own therapist on \(route.method) \(path) got \(response.status.code)")
                }
                #expect(try await practice.auditCount("allowed") == allowedBefore + 1, "\(route.method) \(path) not audited")
            }
        }
    }

    /// An owner who also sees clients goes through every client-scoped route of a client on their care team, page and
    /// API, each access audited in their therapist's capacity; another therapist's psychotherapy note stays closed.
    @Test func anOwnerWhoSeesThisClientUsesEveryRouteAsTheirTherapist() async throws {
        try await TestPractice.run { practice in
            let cast = try await Cast.assemble(practice)
            let coOwnerActor = cast.coOwner.actor
            #expect(coOwnerActor.roles == [.owner, .therapist])
            let tokens = (browser: try await practice.signIn(cast.coOwner), api: try await practice.signIn(cast.coOwner, kind: .api))
            _ = try await CheckIns.saveAnswer(1, item: 8, definition: InstrumentCatalogue.definition(id: "phq-9")!,
                                              appointmentID: cast.appointmentID, to: nil,
                                              in: try await practice.record(cast.client.actor, .answerOwnCheckIn, cast.scope))
            let alertID = try #require(try await RiskAlertRow.query(on: practice.app.db).first()?.requireID())
            let clientScoped = Self.clientScopedRoutes(practice)
            for route in clientScoped {
                let path = cast.concretePath(route)
                let isAPI = path.hasPrefix("/api/")
                if Self.needsFreshCode(route, path) { continue }
                let before = try await practice.auditCount()
                let refused = route.rapportAction == .readPsychotherapyNote
                try await send(route, path: path, isAPI: isAPI, appointmentID: cast.appointmentID, alertID: alertID,
                               token: isAPI ? tokens.api : tokens.browser, practice) { response in
                    if refused {
                        #expect(response.status == .notFound, "another therapist's private note on \(path): \(response.status.code)")
                        #expect(!response.body.string.contains("private"))
                    } else {
                        #expect(response.status.code < 400, "co-owner on \(route.method) \(path) got \(response.status.code)")
                    }
                }
                #expect(try await practice.auditCount() == before + 1, "\(route.method) \(path) not audited once")
                let entry = try #require(try await AuditEntryRow.query(on: practice.app.db).sort(\.$sequence, .descending).first())
                #expect(entry.actorID == cast.coOwner.id)
                #expect(entry.actorRole == "therapist", "\(route.method) \(path) recorded as \(entry.actorRole)")
                #expect(entry.outcome == (refused ? "denied:not-author" : "allowed"), "\(route.method) \(path): \(entry.outcome)")
            }
            // The same person, on the practice's pages, is its owner.
            try await practice.app.testing().test(.GET, "/practice", headers: Browser(sessionToken: tokens.browser).headers) { response in
                #expect(response.status == .ok)
            }
        }
    }

    /// Every client-scoped route, the ending's last: ending therapy cancels the sessions still booked, which the routes
    /// that move and cancel a session need.
    static func clientScopedRoutes(_ practice: TestPractice) -> [Route] {
        let all = practice.app.routes.all.filter { $0.rapportAction?.isClientScoped == true }
        let isEnding: (Route) -> Bool = { route in route.path.contains { $0.description == "ending" } }
        return all.filter { !isEnding($0) } + all.filter(isEnding)
    }

    /// A client gets the same answer for a real record id as for a made-up one.
    @Test func clientsLearnNothingAboutWhichRecordsExist() async throws {
        try await TestPractice.run { practice in
            let cast = try await Cast.assemble(practice)
            let token = try await practice.signIn(cast.client)
            var statuses: [UInt] = []
            for id in [cast.anotherClient.user.clientID!, UUID()] {
                try await practice.app.testing().test(.GET, "/clients/\(id.uuidString.lowercased())", headers: Browser(sessionToken: token).headers) {
                    statuses.append($0.status.code)
                }
            }
            #expect(statuses == [403, 403])
        }
    }

    /// Routes whose work waits, after the policy has let them in, for a fresh code from the person's own app (exports,
    /// disclosures) or for something the cast doesn't hold (a disclosure kept from the client): `ExportTests` and
    /// `DisclosureTests` go through them.
    static func needsFreshCode(_ route: Route, _ path: String) -> Bool {
        route.method == .POST && (path.hasSuffix("/export") || path.hasSuffix("/disclosures") || path.hasSuffix("/tell"))
    }

    /// A valid body for each kind of write, so the one person allowed gets through and everyone else is refused
    /// for who they are, not for what they sent.
    static func validBody(_ path: String, isAPI: Bool, appointmentID: UUID, alertID: UUID?) -> (json: String, form: [String: String]) {
        if path.hasSuffix("/attendance") { return (#"{"attendance":"attended"}"#, ["attendance": "attended"]) }
        if path.hasSuffix("/cancel") { return (#"{"cancellation":"in-good-time"}"#, ["cancellation": "in-good-time", "confirm": "yes"]) }
        if path.range(of: "/appointments/[0-9a-f-]{36}$", options: .regularExpression) != nil {
            let later = Date().addingTimeInterval(4 * 86400)
            let date = Formats.dateField(later, in: .current)
            return (#"{"starts_at":"\#(ISO8601DateFormatter().string(from: later))","duration_minutes":60}"#,
                    ["date": date, "time": "11:00", "length": "60", "location": "Room 3"])
        }
        if path.hasSuffix("/ruptures") {
            return (#"{"decision":"noticed","type":"confrontation","markers":["complaint-about-work"]}"#,
                    ["decision": "noticed", "type": "confrontation", "marker-complaint-about-work": "on"])
        }
        if path.hasSuffix("/repairs") {
            return (#"{"actions":["named-it"],"outcome":"resolved"}"#, ["action-named-it": "on", "outcome": "resolved"])
        }
        if path.hasSuffix("/ending/plan") { return ("{}", ["last_session": "", "follow_ups": "1, 3, 6"]) }
        if path.hasSuffix("/ending") {
            return ("{}", ["what_changed": "w", "what_helped": "h", "early_signs": "e", "what_to_do": "t", "who_to_contact": "c"])
        }
        if path.hasSuffix("/practice") { return ("{}", ["what": "Say no once this week", "frequency": "once-a-week", "why": ""]) }
        if path.hasSuffix("/safety-plan") {
            return ("{}", ["warning_signs": "Not sleeping; skipping meals.", "based_on": "0"])
        }
        if path.hasSuffix("/acknowledge") { return ("{}", ["alert-\(alertID?.uuidString.lowercased() ?? "")": "seen"]) }
        if path.hasSuffix("/measures") { return ("{}", ["measure-phq-9": "on", "measure-gad-7": "on", "measure-session-feedback": "on"]) }
        if path.hasSuffix("/check-ins") {
            // The API enters GAD-7, so the page's PHQ-9 entry for the same session is still open.
            return (#"{"appointment_id":"\#(appointmentID.uuidString)","instrument":"gad-7","answers":[0,1,0,1,0,1,0]}"#, [:])
        }
        if path.contains("/check-ins/") {
            var answers: [String: String] = [:]
            for item in 1...9 { answers["item-\(item)"] = "0" }
            return ("{}", answers)
        }
        if path.hasSuffix("/appointments") {
            let tomorrow = Date().addingTimeInterval(86400)
            let date = Formats.dateField(tomorrow, in: .current)
            return (#"{"starts_at":"\#(ISO8601DateFormatter().string(from: tomorrow))","duration_minutes":50}"#,
                    ["date": date, "time": "10:00", "length": "50", "location": ""])
        }
        return (#"{"body":"a note that must not be written"}"#, ["body": "a note that must not be written"])
    }

    private func send(_ route: Route, path: String, isAPI: Bool, appointmentID: UUID, alertID: UUID?, token: String?, _ practice: TestPractice,
                      _ check: @escaping (TestingHTTPResponse) async throws -> Void) async throws {
        let valid = Self.validBody(path, isAPI: isAPI, appointmentID: appointmentID, alertID: alertID)
        if isAPI {
            var headers = HTTPHeaders.json(bearer: token)
            if token == nil { headers.remove(name: .authorization) }
            let body = route.method == .POST ? ByteBuffer(string: valid.json) : nil
            try await practice.app.testing().test(route.method, path, headers: headers, body: body, afterResponse: check)
        } else {
            let browser = Browser(sessionToken: token)
            if route.method == .POST {
                let (headers, body) = browser.form(valid.form)
                try await practice.app.testing().test(route.method, path, headers: headers, body: body, afterResponse: check)
            } else {
                try await practice.app.testing().test(route.method, path, headers: browser.headers, afterResponse: check)
            }
        }
    }
}
