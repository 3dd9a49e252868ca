import Fluent
import Foundation
import RapportCore
import RapportVault
import Vapor

/// `rapport demo`: a small practice anyone can sign in to within a minute. Every account gets a random password,
/// and staff a ready two-step secret, printed once as JSON.
enum DemoPractice {
    static let ownerEmail = "owner@demo.rapport.invalid"
    static let demoTimeZone = "Europe/London"

    struct Account: Codable {
        var role: String
        var name: String
        var email: String
        var password: String
        var totp_secret: String?
        var calendar_feed: String?
    }

    struct Output: Codable {
        var url: String
        var practice: String
        var how_to_start: String
        var accounts: [Account]
    }

    struct GeneratedOutput: Codable {
        var url: String
        var practice: String
        var how_to_start: String
        var clients: Int
        var sessions: Int
        var measure_sets: Int
        var seconds: Double
        var accounts: [Account]
    }

    /// More therapists for a generated practice, after Dana and Jonas.
    static let moreTherapists = ["Amara Lewis", "Kenji Mori", "Sofia Rossi", "Farah Aziz", "Tomás Ruiz", "Ingrid Holm",
                                 "Kwame Mensah", "Leah Cohen"]

    static func create(_ app: Application, generated: DemoGenerator? = nil, therapists therapistCount: Int = 2) async throws -> String {
        let started = Date()
        let services = app.rapport
        let people = People(app: app)
        // The demo is for trying Rapport: it goes into a folder of its own, never beside a real practice.
        if try await PracticeRow.query(on: app.db).count() > 0 {
            throw ConfigurationError(message: "This data folder already holds a practice. Run the demo with a new folder, e.g. `rapport demo --data-dir ./rapport-demo`.")
        }
        var accounts: [Account] = []
        func password() -> String { "demo-" + SecureToken.generate(byteCount: 16) }

        let practiceName = "Harbour Street Counselling"
        let ownerPassword = password()
        let setupToken = try await services.transactions.run(on: app.db) { db in
            try await People.issueSetupToken(services: services, on: db)
        }
        let owner = try await people.setUpPractice(token: setupToken, .init(
            practiceName: practiceName, ownerName: "Morgan Reyes", email: ownerEmail, password: ownerPassword))
        accounts.append(Account(role: "owner", name: "Morgan Reyes", email: ownerEmail, password: ownerPassword,
                                totp_secret: try await enableTwoFactor(owner, app), calendar_feed: nil))
        let ownerActor = Principal(userID: try owner.requireID(), role: .owner, practiceID: owner.practiceID)
        // The demo practice is on Harbour Street: its times read as London times, whatever zone the server runs in.
        try await services.transactions.run(on: app.db) { db in
            try await PracticeSettings.save(enabled: [], crisisResources: "", timeZone: demoTimeZone, by: ownerActor, keys: services.keys,
                                            now: services.now, on: db)
            // Its public reach-out page, at /reach-out/harbour-street, and two people who wrote from it.
            try await Enquiries.savePage(slug: "harbour-street", frameOrigin: "", retentionDays: "90", by: ownerActor, now: services.now, on: db)
            let handled = try await Enquiries.receive(Enquiry(
                message: "Hello. I've been finding it hard to say no to people at work and at home, and it's wearing me down. I'm not sure if this is something you help with.",
                name: "Jo", route: .email, contact: "jo@demo.rapport.invalid"), practiceID: owner.practiceID, services: services, on: db)
            try await Enquiries.mark(handled, handled: true, by: ownerActor, now: services.now, on: db)
            _ = try await Enquiries.receive(Enquiry(
                message: "Hi, my GP suggested I get in touch. Evenings are best for me.",
                name: nil, route: .phone, contact: "07700 900456"), practiceID: owner.practiceID, services: services, on: db)
        }

        let caseloads: [(name: String, email: String, clients: [(String, String, [String])])] = [
            ("Dana Okafor", "dana@demo.rapport.invalid", [
                ("Sam Lee", "sam@demo.rapport.invalid", [
                    "First session. Sam described feeling tired and flat for months; we agreed to meet weekly and revisit goals in six weeks.",
                    "Sam practised saying no to an extra shift; noticed guilt afterwards but also relief.",
                ]),
                ("Priya Nair", "priya@demo.rapport.invalid", [
                    "Explored the pattern of hesitating before disagreeing with her manager. Priya named it herself this time.",
                ]),
            ]),
            ("Jonas Berg", "jonas@demo.rapport.invalid", [
                ("Alex Moreau", "alex@demo.rapport.invalid", [
                    "Alex arrived late and was quieter than usual. I named it gently; Alex said last week felt rushed. We slowed down.",
                ]),
                ("Rosa Diaz", "rosa@demo.rapport.invalid", []),
            ]),
        ]

        var plans = caseloads
        if generated != nil {
            let names = [("Dana Okafor", "dana"), ("Jonas Berg", "jonas")] + moreTherapists.map { ($0, $0.split(separator: " ")[0].lowercased()) }
            plans = (0..<max(1, therapistCount)).map { index in
                let (name, handle) = names[index % names.count]
                let suffix = index < names.count ? "" : "\(index / names.count + 1)"
                return (name + (suffix.isEmpty ? "" : " \(suffix)"), "\(handle)\(suffix)@demo.rapport.invalid", [])
            }
        }
        var therapistActors: [Principal] = []
        for (index, therapistPlan) in plans.enumerated() {
            let invitation = try await people.inviteTherapist(by: ownerActor, name: therapistPlan.name, email: therapistPlan.email)
            let therapistPassword = password()
            let therapist = try await people.acceptInvitation(token: invitation.token, password: therapistPassword, confirmation: therapistPassword)
            accounts.append(Account(role: "therapist", name: therapistPlan.name, email: therapistPlan.email, password: therapistPassword,
                                    totp_secret: try await enableTwoFactor(therapist, app),
                                    calendar_feed: try await calendarFeed(for: therapist, app)))
            let therapistActor = Principal(userID: try therapist.requireID(), role: .therapist, practiceID: therapist.practiceID)
            therapistActors.append(therapistActor)

            for (clientIndex, clientPlan) in therapistPlan.clients.enumerated() {
                let (name, email, notes) = clientPlan
                let clientInvitation = try await people.inviteClient(by: therapistActor, name: name, email: email)
                guard let clientID = clientInvitation.clientID else { continue }
                var clientUserID: UUID?
                // The last client of the second therapist has been invited but has not joined yet.
                if !(index == 1 && clientIndex == therapistPlan.clients.count - 1) {
                    let clientPassword = password()
                    let clientUser = try await people.acceptInvitation(token: clientInvitation.token, password: clientPassword, confirmation: clientPassword)
                    clientUserID = try clientUser.requireID()
                    try await services.transactions.run(on: app.db) { db in
                        try await Consents.sign(asClient: clientUser, typedName: name, services: services, on: db)
                    }
                    accounts.append(Account(role: "client", name: name, email: email, password: clientPassword, totp_secret: nil,
                                            calendar_feed: try await calendarFeed(for: clientUser, app)))
                }
                let access = try PolicyMiddleware.grant(therapistActor, .writeProgressNote,
                                                        ClientScope(clientID: clientID, practiceID: therapist.practiceID, careTeam: [therapistActor.userID]))
                // Weekly sessions: two past (attended, then late), the next in two days, and the one after.
                let booking = try PolicyMiddleware.grant(therapistActor, .scheduleAppointment, access.scope)
                let attendance = try PolicyMiddleware.grant(therapistActor, .recordAttendance, access.scope)
                let calendar = Calendar(identifier: .gregorian)
                let thisHour = calendar.dateInterval(of: .hour, for: services.now)?.start ?? services.now
                var sessions: [Int: UUID] = [:]
                for week in [-12, -5, 2, 9] {
                    let start = thisHour.addingTimeInterval(Double(week) * 86400 + Double(clientIndex * 2 + index) * 3600)
                    sessions[week] = try await services.transactions.run(on: app.db) { db in
                        // Booked as if the day before, so past sessions pass the "not long ago" check.
                        let bookingRecord = try await ClientRecord.open(booking, keys: services.keys, now: start.addingTimeInterval(-86400), on: db)
                        let session = try await Appointments.schedule(
                            .init(start: start, startField: "date", lengthMinutes: 50, location: index == 0 ? "Room 2, Harbour Street" : "Video call"),
                            in: bookingRecord)
                        try await audit(booking, session.id, at: services.now, on: db)
                        if week < 0 {
                            let attendanceRecord = try await ClientRecord.open(attendance, keys: services.keys, now: services.now, on: db)
                            try await Appointments.recordAttendance(session.id, attendance: week == -12 ? .attended : .late,
                                                                    lateMinutes: week == -12 ? nil : 10, in: attendanceRecord)
                            try await audit(attendance, session.id, at: services.now, on: db)
                        }
                        return session.id
                    }
                }
                if let clientUserID {
                    try await answerCheckIns(story: name, sessions: sessions, scope: access.scope, clientUserID: clientUserID, app)
                }
                if clientIndex == 0, let clientUserID {
                    try await exchangeMessages(clientUserID: clientUserID, therapist: access, services: services, app)
                    try await giveWordsToCarry(clientUserID: clientUserID, therapist: access, services: services, app)
                    try await writeSafetyPlan(therapist: access, services: services, app)
                    try await agreePractice(clientUserID: clientUserID, therapist: access, services: services, app)
                }
                for (offset, note) in notes.enumerated() {
                    try await services.transactions.run(on: app.db) { db in
                        let record = try await ClientRecord.open(access, keys: services.keys,
                                                                 now: services.now.addingTimeInterval(Double(offset - notes.count) * 7 * 86400), on: db)
                        let written = try await Notes.write(.progress, body: note, in: record)
                        try await audit(access, written.id, at: services.now, on: db)
                    }
                }
            }
        }

        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        if let generated {
            let counts = try await generate(generated, therapists: therapistActors, app)
            let output = GeneratedOutput(url: services.configuration.baseURL, practice: practiceName,
                                         how_to_start: "rapport serve --data-dir \(services.configuration.dataDirectory)",
                                         clients: generated.clients, sessions: counts.sessions, measure_sets: counts.measureSets,
                                         seconds: (Date().timeIntervalSince(started) * 10).rounded() / 10, accounts: accounts)
            return String(decoding: try encoder.encode(output), as: UTF8.self)
        }
        try await addLongerStories(jonas: therapistActors[1], accounts: &accounts, app)
        let output = Output(url: services.configuration.baseURL, practice: practiceName,
                            how_to_start: "rapport serve --data-dir \(services.configuration.dataDirectory)", accounts: accounts)
        return String(decoding: try encoder.encode(output), as: UTF8.self)
    }

    /// The generated clients, dealt to the therapists in turn, written 200 at a time (each batch one transaction).
    private static func generate(_ generator: DemoGenerator, therapists: [Principal], _ app: Application) async throws -> (sessions: Int, measureSets: Int) {
        var sessions = 0
        var measureSets = 0
        let batch = 200
        for start in stride(from: 0, to: generator.clients, by: batch) {
            let indices = start..<min(start + batch, generator.clients)
            var byTherapist: [Int: [(name: String, sessions: [DemoHistories.Session])]] = [:]
            for index in indices {
                let client = generator.client(index)
                sessions += client.sessions.count
                measureSets += client.sessions.filter { !$0.outcomes.isEmpty }.count
                byTherapist[index % therapists.count, default: []].append(client)
            }
            let dealt = byTherapist.sorted(by: { $0.key < $1.key })
            try await app.rapport.transactions.run(on: app.db) { db in
                for (therapist, clients) in dealt {
                    _ = try await DemoHistories.writeClients(clients, therapist: therapists[therapist], now: app.rapport.now, app: app, on: db)
                }
            }
        }
        return (sessions, measureSets)
    }

    /// The longer stories on Jonas's caseload (issue 10, point 8): a client who recovered and stayed on track, one
    /// not on track, a rupture that was repaired (and shared with the client), and a withdrawal pattern nobody has
    /// looked at yet. Weekly sessions, the newest first in each list read from the end.
    private static func addLongerStories(jonas: Principal, accounts: inout [Account], _ app: Application) async throws {
        typealias Session = DemoHistories.Session
        /// `endedDaysAgo`: the weeks end that long before now, with nothing booked after (an ending's story).
        func weeks(_ phq: [Int], _ gad: [Int], feedback: [Int?], attendance: [Attendance] = [], late: [Int?] = [], low: [Int: Int] = [:],
                   endedDaysAgo: Double = 0) -> [Session] {
            let count = phq.count
            var sessions: [Session] = (0..<count).map { index in
                let state = index < attendance.count ? attendance[index] : .attended
                let attended = state == .attended || state == .late
                var session = Session(days: -Double(count - index) * 7 + 1.5 - endedDaysAgo, attendance: state)
                session.lateMinutes = index < late.count ? late[index] : nil
                session.cancelled = state == .cancelledLate
                if attended && phq[index] >= 0 { session.outcomes = ["phq-9": phq[index], "gad-7": gad[index]] }
                session.feedback = attended && index < feedback.count ? feedback[index] : nil
                session.lowItem = low[index]
                return session
            }
            if endedDaysAgo == 0 { sessions.append(Session(days: 8.5, attendance: nil)) }
            return sessions
        }
        let stories: [(String, [Session])] = [
            // Recovered, and on track all the way: PHQ-9 18 → 6, GAD-7 14 → 5.
            ("Maya Chen", weeks([18, 16, 14, 12, 11, 9, 8, 7, 6, 6], [14, 13, 11, 10, 8, 7, 7, 6, 5, 5],
                                feedback: [36, 37, 38, 38, 39, 39, 40, 39, 40, 40])),
            // Not on track: PHQ-9 no better after eight sessions, and above the expected course's band.
            ("Tom Walsh", weeks([16, 17, 16, 17, 18, 18, 19, 19], [12, 12, 13, 13, 14, 14, 15, 15],
                                feedback: [37, 38, 37, 38, 37, 37, 38, 37])),
            // A rupture four weeks ago (feedback 38 → 29, "the way we work" held low), repaired; feedback came back.
            ("Lena Fischer", weeks([15, 14, 13, 13, 12, 11, 10, 9], [11, 10, 10, 9, 9, 8, 8, 7],
                                   feedback: [38, 38, 39, 38, 29, 35, 37, 38], low: [4: 2])),
            // Recovered, and her therapy ended five weeks ago: her one-month follow-up check-in is open now.
            ("Noor Aziz", weeks([15, 13, 11, 9, 8, 6, 5, 5], [11, 10, 9, 7, 6, 5, 4, 4],
                                feedback: [37, 38, 38, 39, 39, 40, 40, 40], endedDaysAgo: 36)),
            // Withdrawal: late, then a late cancellation, then not there, after weeks free of all of them.
            ("Omar Haddad", weeks([14, 13, 12, 12, 12, -1, -1], [10, 10, 9, 9, 9, -1, -1],
                                  feedback: [37, 38, 38, 37, 36, nil, nil],
                                  attendance: [.attended, .attended, .attended, .attended, .late, .cancelledLate, .didNotAttend],
                                  late: [nil, nil, nil, nil, 20, nil, nil])),
        ]
        let services = app.rapport
        let people = People(app: app)
        var ids: [String: UUID] = [:]
        for (name, sessions) in stories {
            // Invited and joined the usual way, so each can sign in and see their own progress.
            let email = name.split(separator: " ")[0].lowercased() + "@demo.rapport.invalid"
            let invitation = try await people.inviteClient(by: jonas, name: name, email: email)
            guard let clientID = invitation.clientID else { continue }
            let password = "demo-" + SecureToken.generate(byteCount: 16)
            let user = try await people.acceptInvitation(token: invitation.token, password: password, confirmation: password)
            accounts.append(Account(role: "client", name: name, email: email, password: password, totp_secret: nil,
                                    calendar_feed: try await calendarFeed(for: user, app)))
            try await services.transactions.run(on: app.db) { db in
                try await Consents.sign(asClient: user, typedName: name, services: services, on: db)
            }
            try await services.transactions.run(on: app.db) { db in
                try await DemoHistories.writeHistory(clientID: clientID, therapist: jonas, sessions: sessions, now: services.now, app: app, on: db)
            }
            ids[name] = clientID
        }
        // Maya recovered and stayed on track: her therapy ended last week, with her closing letter and plan; her
        // follow-up check-ins fall one, three and six months on.
        if let maya = ids["Maya Chen"] {
            let mayaScope = ClientScope(clientID: maya, practiceID: jonas.practiceID, careTeam: [jonas.userID])
            let ending = try PolicyMiddleware.grant(jonas, .planEnding, mayaScope)
            try await services.transactions.run(on: app.db) { db in
                let record = try await ClientRecord.open(ending, keys: services.keys, now: services.now.addingTimeInterval(-4 * 86400), on: db)
                try await Endings.plan(lastSession: nil, months: EndingRules.defaultFollowUpMonths, in: record.at(services.now.addingTimeInterval(-21 * 86400)))
                try await Endings.end(ClosingLetter(
                    whatChanged: "When we met, most days felt heavy and you'd stopped seeing friends. Now you are back at the running club and you notice the heavy days early, before they pile up.",
                    whatHelped: "Planning one small, good thing each day, even on the hard ones. Saying out loud what you were telling yourself, so you could question it.",
                    earlySigns: "Cancelling plans. Staying in bed past nine. Telling yourself it isn't worth the effort.",
                    whatToDo: "Plan tomorrow's one small thing tonight. Text a friend before you cancel. Go for the short run, not the long one.",
                    whoToContact: "Your sister Lin. Your GP. The practice, with Reach out again, whenever you'd like to talk."),
                    zone: TimeZone(identifier: demoTimeZone) ?? .gmt, in: record)
                try await audit(ending, maya, at: services.now, on: db)
            }
        }
        // Noor ended five weeks ago, a week after her last session: her one-month follow-up is waiting for her.
        if let noor = ids["Noor Aziz"] {
            let ending = try PolicyMiddleware.grant(jonas, .planEnding, ClientScope(clientID: noor, practiceID: jonas.practiceID,
                                                                                    careTeam: [jonas.userID]))
            try await services.transactions.run(on: app.db) { db in
                let record = try await ClientRecord.open(ending, keys: services.keys, now: services.now.addingTimeInterval(-35 * 86400), on: db)
                try await Endings.end(ClosingLetter(
                    whatChanged: "You came in feeling you were failing at everything. You leave noticing what you manage, most days.",
                    whatHelped: "Writing down three things you'd done each evening. Talking back to the voice that says it isn't enough.",
                    earlySigns: "Skipping the evening list. Lying awake going over the day.",
                    whatToDo: "Start the list again, even with one line. Tell someone how the week went.",
                    whoToContact: "Your partner. Your GP. The practice, with Reach out again."),
                    zone: TimeZone(identifier: demoTimeZone) ?? .gmt, in: record)
                try await audit(ending, noor, at: services.now, on: db)
            }
        }
        // Lena's rupture: confirmed from the fall in feedback, then repaired, through the log's own path.
        guard let lena = ids["Lena Fischer"] else { return }
        let scope = ClientScope(clientID: lena, practiceID: jonas.practiceID, careTeam: [jonas.userID])
        let access = try PolicyMiddleware.grant(jonas, .recordRupture, scope)
        try await services.transactions.run(on: app.db) { db in
            let record = try await ClientRecord.open(access, keys: services.keys, now: services.now.addingTimeInterval(-20 * 86400), on: db)
            let summary = try await RuptureLog.load(in: record)
            guard let signal = summary.possible.first(where: { $0.rule == "feedback-drop" }) else { return }
            let ruptureID = try await RuptureLog.record(RuptureEntry(
                decision: RuptureEntry.Decision.confirm.rawValue, appointmentID: signal.appointmentID.uuidString, rule: signal.rule,
                type: RuptureType.confrontation.rawValue, markers: [RuptureMarker.complaintAboutWork.rawValue],
                note: "Lena said the homework felt like being marked. I had pushed the worksheet twice."), in: record)
            try await audit(access, ruptureID, at: services.now, on: db)
            // The same moment raised other signals (an answer held low, a total below 36): the same rupture.
            for other in summary.possible where other.appointmentID == signal.appointmentID && other.rule != signal.rule {
                let dismissed = try await RuptureLog.record(RuptureEntry(
                    decision: RuptureEntry.Decision.dismiss.rawValue, appointmentID: other.appointmentID.uuidString, rule: other.rule,
                    type: other.type.rawValue, note: "The same moment as the fall in feedback, already on the log."), in: record)
                try await audit(access, dismissed, at: services.now, on: db)
            }
            _ = try await RuptureLog.repair(ruptureID, RepairEntry(
                actions: [RepairAction.namedIt, .acknowledgedOwnPart, .changedTaskOrGoal].map(\.rawValue), outcome: RepairOutcome.resolved.rawValue,
                note: "We dropped the worksheet and agreed she brings one moment from the week instead.", shareWithClient: true), in: record)
            try await audit(access, ruptureID, at: services.now, on: db)
        }
    }

    /// Check-ins as each client would have answered them: done for past sessions, some still due, one risk alert.
    /// Totals are spread over the items; the risk item stays 0 except where the story says otherwise.
    private static func answerCheckIns(story: String, sessions: [Int: UUID], scope: ClientScope, clientUserID: UUID,
                                       _ app: Application) async throws {
        struct Answered { let week: Int; let instrument: String; let total: Int; var risk = 0; var comment: String?; var hoursAgo: Double? }
        let plan: [Answered]
        switch story {
        case "Sam Lee":
            // Reliable improvement on PHQ-9, reliable recovery on GAD-7, and one session that felt rushed.
            plan = [Answered(week: -12, instrument: "phq-9", total: 17), Answered(week: -12, instrument: "gad-7", total: 13),
                    Answered(week: -12, instrument: "session-feedback", total: 37),
                    Answered(week: -5, instrument: "phq-9", total: 11), Answered(week: -5, instrument: "gad-7", total: 7),
                    Answered(week: -5, instrument: "session-feedback", total: 31,
                             comment: "It felt rushed at the end, and I didn't get to talk about work.")]
        case "Priya Nair":
            // Answered this morning, before the session in two days: item 9 above 0 raised a risk alert.
            plan = [Answered(week: -12, instrument: "phq-9", total: 12), Answered(week: -12, instrument: "gad-7", total: 10),
                    Answered(week: -5, instrument: "phq-9", total: 14), Answered(week: -5, instrument: "gad-7", total: 11),
                    Answered(week: 2, instrument: "phq-9", total: 16, risk: 1, hoursAgo: 3)]
        case "Alex Moreau":
            plan = [Answered(week: -12, instrument: "phq-9", total: 9), Answered(week: -12, instrument: "session-feedback", total: 28,
                                                                                 comment: "Last week felt rushed.")]
        default:
            plan = []
        }
        let services = app.rapport
        let client = Principal(userID: clientUserID, role: .client, practiceID: scope.practiceID, clientID: scope.clientID)
        let own = try PolicyMiddleware.grant(client, .answerOwnCheckIn, scope)
        for answered in plan {
            guard let appointmentID = sessions[answered.week], let definition = InstrumentCatalogue.definition(id: answered.instrument),
                  let session = try await AppointmentRow.find(appointmentID, on: app.db)
            else { continue }
            let when = answered.hoursAgo.map { services.now.addingTimeInterval(-$0 * 3600) }
                ?? (definition.purpose == .outcome ? session.startsAt.addingTimeInterval(-86400)
                    : session.startsAt.addingTimeInterval(Double(session.durationMinutes + 180) * 60))
            let answers = spread(answered.total, over: definition, risk: answered.risk)
            try await services.transactions.run(on: app.db) { db in
                let record = try await ClientRecord.open(own, keys: services.keys, now: when, on: db)
                var checkIn: OpenedCheckIn?
                for (index, value) in answers.enumerated() {
                    checkIn = try await CheckIns.saveAnswer(value, item: index, definition: definition, appointmentID: appointmentID,
                                                            to: checkIn, in: record)
                }
                _ = try await CheckIns.finish(checkIn, definition: definition, comment: answered.comment, in: record)
            }
        }
    }

    /// Answers adding up to `total`, as even as the options allow, with the risk item set apart.
    static func spread(_ total: Int, over definition: InstrumentDefinition, risk: Int) -> [Double] {
        var remaining = Double(total - risk)
        var answers = definition.item.map { $0.risk == true ? Double(risk) : 0 }
        let open = definition.item.indices.filter { definition.item[$0].risk != true }
        while remaining > 0 {
            var placed = false
            for index in open where remaining > 0 && answers[index] < definition.scoreRange(of: definition.item[index]).upperBound {
                answers[index] += 1
                remaining -= 1
                placed = true
            }
            if !placed { break }
        }
        return answers
    }

    /// A first client's thread: they wrote two days ago about practising a boundary, their therapist replied (and the
    /// client read it), and they have just written again, so the record shows a message waiting.
    private static func exchangeMessages(clientUserID: UUID, therapist access: ClientAccess, services: RapportServices,
                                         _ app: Application) async throws {
        let scope = access.scope
        let client = ClientAccess(actor: Principal(userID: clientUserID, role: .client, practiceID: scope.practiceID, clientID: scope.clientID),
                                  action: .writeOwnMessage, scope: scope, noteID: nil)
        let writing = try PolicyMiddleware.grant(access.actor, .writeMessage, scope)
        let thread: [(ClientAccess, Double, String)] = [
            (client, -2 * 86400, "Hi, I tried saying no to my sister on Sunday. It went better than I expected, and then the guilt came. Could we start there on Thursday?"),
            (writing, -1.8 * 86400, "Thank you for telling me, and well done for trying it. Yes, let's start there. Guilt after a new boundary is common: it isn't proof you did something wrong."),
            (client, -3600, "Thank you. See you Thursday."),
        ]
        for (index, (writer, offset, words)) in thread.enumerated() {
            try await services.transactions.run(on: app.db) { db in
                let record = try await ClientRecord.open(writer, keys: services.keys, now: services.now.addingTimeInterval(offset), on: db)
                _ = try await Messages.write(words, fromClient: writer.actor.isClient, in: record)
                if writer.actor.isClient { return }
                // As a request records it: the client's record is the resource (`withClientRecord`).
                try await audit(writer, scope.clientID, at: services.now, on: db)
                if index == 1 {
                    // The client read the reply: marked as their opening of the thread would mark it.
                    let reading = try await ClientRecord.open(client, keys: services.keys, now: services.now.addingTimeInterval(-1.5 * 86400), on: db)
                    try await Messages.markRead(byClient: true, in: reading)
                }
            }
            if index == 0 {
                // The therapist read the first before replying.
                try await services.transactions.run(on: app.db) { db in
                    let reading = try PolicyMiddleware.grant(access.actor, .listMessages, scope)
                    let record = try await ClientRecord.open(reading, keys: services.keys, now: services.now.addingTimeInterval(-1.9 * 86400), on: db)
                    try await Messages.markRead(byClient: false, in: record)
                    try await audit(reading, scope.clientID, at: services.now, on: db)
                }
            }
        }
    }

    /// Two notes to keep, from three weeks and a week ago; the client pinned the newer one.
    private static func giveWordsToCarry(clientUserID: UUID, therapist access: ClientAccess, services: RapportServices,
                                         _ app: Application) async throws {
        let scope = access.scope
        let writing = try PolicyMiddleware.grant(access.actor, .writeWordsToCarry, scope)
        let client = ClientAccess(actor: Principal(userID: clientUserID, role: .client, practiceID: scope.practiceID, clientID: scope.clientID),
                                  action: .pinOwnWords, scope: scope, noteID: nil)
        let notes: [(Double, String, Bool)] = [
            (-21, "You are allowed to take up room, even with your family.", false),
            (-7, "When the guilt comes after saying no, remember: guilt is not proof you did something wrong.", true),
        ]
        for (days, words, pinned) in notes {
            try await services.transactions.run(on: app.db) { db in
                let record = try await ClientRecord.open(writing, keys: services.keys, now: services.now.addingTimeInterval(days * 86400), on: db)
                let written = try await WordsToCarry.write(words, in: record)
                try await audit(writing, scope.clientID, at: services.now, on: db)
                if pinned {
                    try await WordsToCarry.pin(written.id, pinned: true,
                                               in: try await ClientRecord.open(client, keys: services.keys, now: services.now, on: db))
                }
            }
        }
    }

    /// A safety plan written together in a session ten days ago.
    private static func writeSafetyPlan(therapist access: ClientAccess, services: RapportServices, _ app: Application) async throws {
        let writing = try PolicyMiddleware.grant(access.actor, .writeSafetyPlan, access.scope)
        try await services.transactions.run(on: app.db) { db in
            let record = try await ClientRecord.open(writing, keys: services.keys, now: services.now.addingTimeInterval(-10 * 86400), on: db)
            try await SafetyPlans.save([
                "warning_signs": "Not sleeping.\nCancelling plans with friends.\nThinking \"what's the point\".",
                "coping": "A walk by the river. A hot shower. The playlist I made.",
                "distraction": "The café on Harbour Street. My neighbour's dog.",
                "helpers": "My sister (number in my phone under \"Sis\"). My friend from work.",
                "professionals": "My therapist at the practice, in working hours. My doctor. Samaritans 116 123, any hour.",
                "safer_environment": "My sister keeps the spare medication.",
                "reasons_for_living": "My niece. Finishing the course. The sea in summer.",
            ], basedOn: 0, byClient: false, in: record)
            try await audit(writing, access.scope.clientID, at: services.now, on: db)
        }
    }

    /// A practice agreed twelve days ago, and the client's attempts since: a go, a "not this time", a try.
    private static func agreePractice(clientUserID: UUID, therapist access: ClientAccess, services: RapportServices,
                                      _ app: Application) async throws {
        let agreeing = try PolicyMiddleware.grant(access.actor, .agreePractice, access.scope)
        let client = ClientAccess(actor: Principal(userID: clientUserID, role: .client, practiceID: access.scope.practiceID,
                                                   clientID: access.scope.clientID),
                                  action: .logOwnPractice, scope: access.scope, noteID: nil)
        try await services.transactions.run(on: app.db) { db in
            let record = try await ClientRecord.open(agreeing, keys: services.keys, now: services.now.addingTimeInterval(-12 * 86400), on: db)
            try await PracticeAgreements.agree(what: "Say no to one request I would usually agree to.", frequency: "three-a-week",
                                               why: "So I stop feeling resentful after saying yes. My time matters too.", in: record)
            try await audit(agreeing, access.scope.clientID, at: services.now, on: db)
            let attempts: [(Double, PracticeOutcome, PracticeFeeling?, String)] = [
                (-10, .did, .hard, "Said no to covering a shift. Felt guilty all evening."),
                (-6, .notThisTime, nil, ""),
                (-2, .tried, .uneasy, "Said \"let me think about it\" instead of yes. A start."),
            ]
            for (days, outcome, feeling, note) in attempts {
                let own = try await ClientRecord.open(client, keys: services.keys, now: services.now.addingTimeInterval(days * 86400), on: db)
                let id = try await PracticeAgreements.log(outcome, in: own)
                try await PracticeAgreements.describe(id, feeling: feeling, note: note, in: own)
            }
        }
    }

    /// The same entry a request would leave: `withClientRecord` is for requests, the demo has none.
    private static func audit(_ access: ClientAccess, _ resourceID: UUID, at now: Date, on db: any Database) async throws {
        try await AuditWriter.append(.access(by: access.actor, access.action, clientID: access.scope.clientID, resource: resourceID),
                                     at: now, on: db)
    }

    private static func calendarFeed(for user: UserRow, _ app: Application) async throws -> String {
        let token = try await CalendarFeeds.renew(for: try user.requireID(), services: app.rapport, on: app.db)
        return "\(app.rapport.configuration.baseURL)/calendar/\(token).ics"
    }

    /// Demo staff skip the enrolment screen: their secret is set and enabled directly, and printed for an authenticator app.
    private static func enableTwoFactor(_ user: UserRow, _ app: Application) async throws -> String {
        let secret = Base32.encode(TOTP.generateSecret())
        let keys = app.rapport.keys
        let now = app.rapport.now
        try await app.rapport.transactions.run(on: app.db) { db in
            let key = try await keys.userKey(for: user, on: db)
            user.totpSecretEnvelope = try keys.seal(secret, key: key, UserRow.schema, "totp_secret", row: try user.requireID())
            user.totpEnabledAt = now
            try await user.update(on: db)
        }
        return secret
    }
}
