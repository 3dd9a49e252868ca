import Fluent
import Foundation
import RapportCore
import RapportVault
import SQLKit
import NIOPosix

/// Practice, people, invitations and sign-in: the operations behind both the pages and the API.
/// Each method validates, then writes in one transaction.
struct People: Sendable {
    let services: RapportServices
    /// The database outside any transaction: each method opens its own.
    let db: any Database
    /// Where bcrypt runs, off the event loop.
    let threadPool: NIOThreadPool

    var keys: KeyStore { services.keys }

    // MARK: First-run setup

    /// A one-time link for creating a practice and its owner. Printed by `serve` while no practice exists.
    static func issueSetupToken(services: RapportServices, on db: any Database) async throws -> String {
        let token = SecureToken.generate()
        let row = SetupTokenRow()
        row.tokenHash = SecureToken.hash(token)
        row.createdAt = services.now
        row.expiresAt = services.now.addingTimeInterval(services.configuration.setupLinkLifetime)
        try await row.create(on: db)
        return token
    }

    func checkSetupToken(_ token: String, on db: any Database) async throws -> SetupTokenRow {
        guard token.utf8.count <= 128,
              let row = try await SetupTokenRow.query(on: db).filter(\.$tokenHash == SecureToken.hash(token)).first()
        else { throw RecordError.notFound }
        if row.usedAt != nil {
            throw RecordError.gone("This setup link has already been used. Sign in instead, or ask your operator to run `rapport setup-link` for a new one.")
        }
        if row.expiresAt <= services.now {
            throw RecordError.gone("This setup link has expired. Run `rapport setup-link` on the server for a new one.")
        }
        return row
    }

    struct SetupInput: Sendable {
        var practiceName: String
        var ownerName: String
        var email: String
        var password: String
        /// The owner also sees clients (a solo practice): one account for both roles.
        var ownerSeesClients = false

        var problems: [FieldProblem] {
            [InputRules.nameProblem(practiceName, field: "practice_name", what: "the practice's name"),
             InputRules.nameProblem(ownerName, field: "name", what: "your name"),
             InputRules.emailProblem(email),
             InputRules.passwordProblem(password)].compactMap { $0 }
        }
    }

    func setUpPractice(token: String, _ input: SetupInput) async throws -> UserRow {
        let problems = input.problems
        guard problems.isEmpty else { throw RecordError.invalid(problems) }
        let emailIndex = keys.emailIndex(input.email)
        let password = try await keyedPassword(input.password, emailIndex: emailIndex)
        let now = services.now
        return try await services.transactions.run(on: db) { [keys] db in
            let setup = try await checkSetupToken(token, on: db)
            guard try await OneTimeClaim.claim(SetupTokenRow.schema, id: try setup.requireID(), setting: "used_at", to: now,
                                               unlessAlready: OneTimeClaim.isNull("used_at"), on: db)
            else { throw RecordError.gone("This setup link has just been used. Sign in instead.") }
            try await ensurePasswordUnused(password.hash, emailIndex: emailIndex, field: "password", on: db)
            let practice = PracticeRow()
            let practiceID = UUID()
            practice.id = practiceID
            practice.createdAt = now
            // The key row references the practice, and the name is sealed with that key: practice, key, then name.
            practice.nameEnvelope = Data()
            try await practice.create(on: db)
            let practiceKey = try await keys.createPracticeKey(practiceID: practiceID, now: now, on: db)
            practice.nameEnvelope = try keys.seal(clean(input.practiceName), key: practiceKey, PracticeRow.schema, "name", row: practiceID)
            try await practice.update(on: db)
            let owner = try await createUser(role: .owner, practiceID: practiceID, clientID: nil, name: input.ownerName,
                                             email: input.email, emailIndex: emailIndex, password: password,
                                             key: .practice(practiceKey), seesClients: input.ownerSeesClients, on: db)
            // Rapport's starting agreement, version 1, until the owner writes their own.
            _ = try await Consents.current(practiceID: practiceID, now: now, on: db)
            return owner
        }
    }

    private func clean(_ text: String) -> String { text.trimmingCharacters(in: .whitespacesAndNewlines) }

    /// A password's keyed hash (one bcrypt) and the scheme it was made with.
    private func keyedPassword(_ password: String, emailIndex: Data) async throws -> (hash: String, scheme: String) {
        let cost = services.configuration.passwordHashCost
        return (try await Passwords.keyedHash(password, salt: keys.passwordSalt(emailIndex: emailIndex), cost: cost, on: threadPool),
                Passwords.keyedScheme(cost: cost))
    }

    /// Accounts are per invitation: one email address may have accounts in several practices (or several in one),
    /// and nothing here may say whether it does, because that would tell a practice that someone is in therapy
    /// elsewhere. Only the same address *and the same password* as another account is refused, since sign-in
    /// tells accounts apart by their password; only someone who already knows that password learns anything.
    private func ensurePasswordUnused(_ hash: String, emailIndex: Data, field: String, on db: any Database) async throws {
        if try await UserRow.query(on: db).filter(\.$emailIndex == emailIndex).filter(\.$passwordHash == hash).count() > 0 {
            throw RecordError.invalid([FieldProblem(field: field, message: "You already use this password with this email address for another Rapport account. Please choose a different one, so each account has its own.")])
        }
    }

    private func createUser(role: Role, practiceID: UUID, clientID: UUID?, name: String, email: String, emailIndex: Data,
                            password: (hash: String, scheme: String), key: SubjectKey, seesClients: Bool = false,
                            on db: any Database) async throws -> UserRow {
        let user = UserRow()
        let userID = UUID()
        user.id = userID
        user.practiceID = practiceID
        user.role = role.rawValue
        user.seesClients = role == .owner && seesClients
        user.clientID = clientID
        user.emailIndex = emailIndex
        user.emailEnvelope = try keys.seal(clean(email), key: key, UserRow.schema, "email", row: userID)
        user.nameEnvelope = try keys.seal(clean(name), key: key, UserRow.schema, "name", row: userID)
        user.passwordHash = password.hash
        user.passwordScheme = password.scheme
        user.createdAt = services.now
        try await user.create(on: db)
        return user
    }

    // MARK: Reading people

    func name(of user: UserRow, on db: any Database) async throws -> String {
        try name(of: user, key: try await keys.userKey(for: user, on: db))
    }

    func name(of user: UserRow, key: SubjectKey) throws -> String {
        try keys.open(user.nameEnvelope, key: key, UserRow.schema, "name", row: try user.requireID())
    }

    func email(of user: UserRow, on db: any Database) async throws -> String {
        let key = try await keys.userKey(for: user, on: db)
        return try keys.open(user.emailEnvelope, key: key, UserRow.schema, "email", row: try user.requireID())
    }

    func practiceName(_ practiceID: UUID, on db: any Database) async throws -> String {
        guard let practice = try await PracticeRow.find(practiceID, on: db) else { throw RecordError.notFound }
        let key = try await keys.practiceKey(practiceID: practiceID, on: db)
        return try keys.open(practice.nameEnvelope, key: key, PracticeRow.schema, "name", row: practiceID)
    }

    func clientName(_ client: ClientRow, key: ClientDataKey) throws -> String {
        try keys.open(client.nameEnvelope, key: key, ClientRow.schema, "name", row: try client.requireID())
    }

    // MARK: An owner's own caseload

    /// How many clients have this person on their care team.
    func caseloadSize(therapistID: UUID, on db: any Database) async throws -> Int {
        try await CareTeamMemberRow.query(on: db).filter(\.$therapistID == therapistID).count()
    }

    /// An owner starts or stops seeing clients themselves (a solo practice is one person with both roles). Stopping
    /// is refused while any client has them on their care team: those clients would be left with nobody able to read
    /// their record. The change is audited, since it changes what the owner may read.
    func setOwnerSeesClients(_ seesClients: Bool, by owner: Principal) async throws {
        let now = services.now
        try await services.transactions.run(on: db) { db in
            // Locked first, as `inviteClient` locks its inviter: a client can't join their care team in between.
            try await RowLock.take(UserRow.schema, id: owner.userID, column: "sees_clients", on: db)
            guard let user = try await UserRow.find(owner.userID, on: db), user.practiceID == owner.practiceID,
                  user.role == Role.owner.rawValue
            else { throw RecordError.notFound }
            guard user.seesClients != seesClients else { return }
            if !seesClients {
                let clients = try await caseloadSize(therapistID: owner.userID, on: db)
                if clients > 0 {
                    throw RecordError.conflict(clients == 1
                        ? "One client has you on their care team, so you can't stop seeing clients yet: their record would have nobody to look after it."
                        : "\(clients) clients have you on their care team, so you can't stop seeing clients yet: their records would have nobody to look after them.")
                }
            }
            user.seesClients = seesClients
            try await user.update(on: db)
            try await AuditWriter.append(.access(by: owner, .manageSettings, clientID: nil, resource: owner.userID,
                                                 resourceType: seesClients ? "owner-sees-clients" : "owner-stops-seeing-clients"),
                                         at: now, on: db)
        }
    }

    func therapists(practiceID: UUID, on db: any Database) async throws -> [(id: UUID, name: String, twoFactorOn: Bool)] {
        let rows = try await UserRow.query(on: db).filter(\.$practiceID == practiceID)
            .filter(\.$role == Role.therapist.rawValue).sort(\.$createdAt).all()
        // Staff fields are all sealed with the practice key: unwrap it once for the whole list.
        let key = SubjectKey.practice(try await keys.practiceKey(practiceID: practiceID, on: db))
        return try rows.map { (try $0.requireID(), try name(of: $0, key: key), $0.totpEnabledAt != nil) }
    }

    /// A therapist's caseload: the clients whose care team they are on, by name.
    /// `settings` are the therapist's practice's settings when the caller has read them already (a nil row: the
    /// practice's defaults); nil reads them here.
    func caseload(therapistID: UUID, now: Date, settings: (practiceID: UUID, row: PracticeSettingsRow?)? = nil,
                  on db: any Database) async throws -> [CaseloadEntry] {
        // A fixed number of statements however long the caseload (the clients with their flags, their keys and the
        // practice's measures per practice, and `CaseloadNeeds`' four): the therapist's home page is opened all day.
        // Plain SQL, see HotPaths for why.
        let rows = try await HotPaths.sql(db).raw("""
            SELECT "clients"."id" AS "id", "clients"."practice_id" AS "practice_id", "clients"."name_envelope" AS "name_envelope",
                   CASE WHEN EXISTS (SELECT 1 FROM "users" WHERE "users"."client_id" = "clients"."id") THEN 1 ELSE 0 END AS "joined",
                   CASE WHEN EXISTS (SELECT 1 FROM "risk_alerts" WHERE "risk_alerts"."client_id" = "clients"."id"
                                     AND "risk_alerts"."acknowledged_at" IS NULL) THEN 1 ELSE 0 END AS "alerted",
                   (SELECT MAX("version") FROM "consent_signatures" WHERE "consent_signatures"."client_id" = "clients"."id") AS "consent_signed",
                   (SELECT MAX("version") FROM "consent_versions" WHERE "consent_versions"."practice_id" = "clients"."practice_id") AS "consent_current",
                   "clients"."record_version" AS "record_version", "client_keys"."version" AS "key_version",
                   "client_keys"."wrapped_key" AS "wrapped_key"
            FROM "care_team_members" JOIN "clients" ON "clients"."id" = "care_team_members"."client_id"
            LEFT JOIN "client_keys" ON "client_keys"."client_id" = "clients"."id"
                 AND "client_keys"."version" = (SELECT MAX("version") FROM "client_keys" AS "newest" WHERE "newest"."client_id" = "clients"."id")
            WHERE "care_team_members"."therapist_id" = \(bind: therapistID)
            """).all()
        let clients = try rows.map { row in
            (id: try HotPaths.uuid(row, "id"), practiceID: try HotPaths.uuid(row, "practice_id"),
             name: try row.decode(column: "name_envelope", as: Data.self),
             joined: try row.decode(column: "joined", as: Int.self) == 1, alerted: try row.decode(column: "alerted", as: Int.self) == 1,
             version: try row.decode(column: "record_version", as: Int64.self),
             consent: (signed: try row.decode(column: "consent_signed", as: Int?.self), current: try row.decode(column: "consent_current", as: Int?.self)),
             key: try row.decode(column: "key_version", as: Int?.self).map { ($0, try row.decode(column: "wrapped_key", as: Data.self)) })
        }
        var names: [UUID: String] = [:]
        var available: [UUID: [InstrumentDefinition]] = [:]
        var courses: [UUID: ExpectedCourseModels.Fits] = [:]
        for (practiceID, group) in Dictionary(grouping: clients, by: \.practiceID) {
            var wrapped: [UUID: (version: Int, wrapped: Data)] = [:]
            for client in group {
                guard let key = client.key else { throw RecordError.missingKey }
                wrapped[client.id] = key
            }
            let keys = try await self.keys.unwrap(wrapped, practiceID: practiceID, on: db)
            if let settings, settings.practiceID == practiceID {
                available[practiceID] = PracticeSettings.availableMeasures(settings.row)
            } else {
                available[practiceID] = try await PracticeSettings.availableMeasures(practiceID: practiceID, on: db)
            }
            courses[practiceID] = try await services.courseModels.fits(practiceID: practiceID, now: now, on: db)
            for client in group {
                guard let key = keys[client.id] else { throw RecordError.missingKey }
                names[client.id] = try self.keys.open(client.name, key: key, ClientRow.schema, "name", row: client.id)
            }
        }
        let needs = try await CaseloadNeeds.load(therapistID: therapistID, alerted: Set(clients.filter(\.alerted).map(\.id)),
                                                 clients: Dictionary(clients.map { ($0.id, $0.version) }, uniquingKeysWith: { a, _ in a }),
                                                 available: available, courses: courses,
                                                 practiceOf: Dictionary(clients.map { ($0.id, $0.practiceID) }, uniquingKeysWith: { a, _ in a }),
                                                 now: now, cache: services.caseloadNeeds, on: db)
        let waiting = try await Messages.unreadByCareTeam(clientIDs: clients.map(\.id), on: db)
        let entries = clients.map { client in
            let name = names[client.id] ?? ""
            return (sortKey: name.folding(options: [.caseInsensitive, .diacriticInsensitive], locale: nil), idText: client.id.lowercasedText,
                    entry: CaseloadEntry(clientID: client.id, name: name, hasJoined: client.joined, hasRiskAlert: client.alerted,
                                         needs: needs[client.id]?.needs ?? [], nextSession: needs[client.id]?.nextSession,
                                         unreadMessages: waiting[client.id] ?? 0,
                                         consentSigned: client.consent.signed, consentCurrent: client.consent.current ?? 1))
        }
        // By name here; the page orders by need. The id breaks ties between equal names; its text is made once per
        // client, not once per comparison.
        return entries.sorted { ($0.sortKey, $0.idText) < ($1.sortKey, $1.idText) }.map(\.entry)
    }

    // MARK: Invitations

    struct Invitation: Sendable {
        let token: String
        let link: String
        let expiresAt: Date
        let clientID: UUID?
    }

    func inviteTherapist(by owner: Principal, name: String, email: String) async throws -> Invitation {
        let problems = [InputRules.nameProblem(name, what: "the therapist's name"), InputRules.emailProblem(email)].compactMap { $0 }
        guard problems.isEmpty else { throw RecordError.invalid(problems) }
        let emailIndex = keys.emailIndex(email)
        // No check for an existing account here: the answer would tell the inviter that this person already uses
        // Rapport, perhaps as someone's client. Acceptance refuses a taken address, to the address's owner only.
        return try await services.transactions.run(on: db) { [keys] db in
            let practiceKey = try await keys.practiceKey(practiceID: owner.practiceID, on: db)
            return try await createInvitation(role: .therapist, practiceID: owner.practiceID, invitedBy: owner.userID, clientID: nil,
                                              name: name, email: email, emailIndex: emailIndex, key: .practice(practiceKey), on: db)
        }
    }

    /// Creates the client's record (with its own data key), puts them on the therapist's care team, and invites them.
    /// `alsoInside` runs in the same transaction once the record exists (an enquiry becoming theirs): all or nothing.
    func inviteClient(by therapist: Principal, name: String, email: String,
                      alsoInside: (@Sendable (UUID, any Database) async throws -> Void)? = nil) async throws -> Invitation {
        let problems = [InputRules.nameProblem(name, what: "your client's name"), InputRules.emailProblem(email)].compactMap { $0 }
        guard problems.isEmpty else { throw RecordError.invalid(problems) }
        let emailIndex = keys.emailIndex(email)
        let now = services.now
        return try await services.transactions.run(on: db) { [keys] db in
            // The inviter must still see clients once their row is locked: an owner stopping at this moment would
            // otherwise leave this client with nobody able to read their record.
            try await RowLock.take(UserRow.schema, id: therapist.userID, column: "sees_clients", on: db)
            guard let inviter = try await UserRow.find(therapist.userID, on: db), inviter.roles?.contains(.therapist) == true else {
                throw RecordError.conflict("You no longer see clients here, so you can't invite one.")
            }
            let clientID = UUID()
            let client = ClientRow()
            client.id = clientID
            client.practiceID = therapist.practiceID
            client.createdAt = now
            client.progressWordsOnly = false
            client.nameEnvelope = Data()
            try await client.create(on: db)
            let clientKey = try await keys.createClientKey(clientID: clientID, practiceID: therapist.practiceID, now: now, on: db)
            client.nameEnvelope = try keys.seal(clean(name), key: clientKey, ClientRow.schema, "name", row: clientID)
            try await client.update(on: db)
            let member = CareTeamMemberRow()
            member.clientID = clientID
            member.therapistID = therapist.userID
            member.createdAt = now
            try await member.create(on: db)
            let invitation = try await createInvitation(role: .client, practiceID: therapist.practiceID, invitedBy: therapist.userID,
                                                        clientID: clientID, name: name, email: email, emailIndex: emailIndex,
                                                        key: .client(clientKey), on: db)
            try await AuditWriter.append(.access(by: therapist, .inviteClient, clientID: clientID, resource: clientID), at: now, on: db)
            try await alsoInside?(clientID, db)
            return invitation
        }
    }

    private func createInvitation(role: Role, practiceID: UUID, invitedBy: UUID, clientID: UUID?, name: String, email: String,
                                  emailIndex: Data, key: SubjectKey, on db: any Database) async throws -> Invitation {
        let token = SecureToken.generate()
        let row = InvitationRow()
        let rowID = UUID()
        row.id = rowID
        row.practiceID = practiceID
        row.role = role.rawValue
        row.tokenHash = SecureToken.hash(token)
        row.invitedBy = invitedBy
        row.clientID = clientID
        row.emailIndex = emailIndex
        row.emailEnvelope = try keys.seal(clean(email), key: key, InvitationRow.schema, "email", row: rowID)
        row.nameEnvelope = try keys.seal(clean(name), key: key, InvitationRow.schema, "name", row: rowID)
        row.tokenEnvelope = try keys.seal(token, key: key, InvitationRow.schema, "token", row: rowID)
        row.createdAt = services.now
        row.expiresAt = services.now.addingTimeInterval(services.configuration.invitationLifetime)
        try await row.create(on: db)
        try await Notifications.enqueueInvitation(rowID, practiceID: practiceID, now: services.now, on: db)
        return Invitation(token: token, link: link(token), expiresAt: row.expiresAt, clientID: clientID)
    }

    func link(_ token: String) -> String { "\(services.configuration.baseURL)/invitations/\(token)" }

    /// An invitation not yet accepted, as its inviter sees it in a list.
    struct WaitingInvitation: Sendable {
        let id: UUID
        let name: String
        let email: String
        let sentAt: Date
        let expiresAt: Date
        /// Nil for an invitation made before links were kept: it can be re-issued, not shown again.
        let link: String?
        let clientID: UUID?

        func hasExpired(at now: Date) -> Bool { expiresAt <= now }
    }

    /// Which invitations one person may see and act on: the owner, their practice's therapist invitations; a
    /// therapist, the invitations of clients on their care team.
    enum InvitationScope: Sendable {
        case therapists(practiceID: UUID)
        case clients(of: UUID, practiceID: UUID)
    }

    /// Invitations neither accepted nor withdrawn, newest first (expired ones too: they can be re-issued).
    /// The keys are unwrapped in one go for the whole list (one practice key, or the clients' keys in one query).
    func waitingInvitations(_ scope: InvitationScope, on db: any Database) async throws -> [WaitingInvitation] {
        let rows = try await waitingRows(scope, on: db)
        switch scope {
        case .therapists(let practiceID):
            guard !rows.isEmpty else { return [] }
            let key = SubjectKey.practice(try await keys.practiceKey(practiceID: practiceID, on: db))
            return try rows.map { try waiting($0, key: key) }
        case .clients(_, let practiceID):
            let clientKeys = try await keys.clientKeys(Set(rows.compactMap(\.clientID)), practiceID: practiceID, on: db)
            return try rows.map { row in
                guard let clientID = row.clientID, let key = clientKeys[clientID] else { throw RecordError.missingKey }
                return try waiting(row, key: .client(key))
            }
        }
    }

    private func waitingRows(_ scope: InvitationScope, id: UUID? = nil, on db: any Database) async throws -> [InvitationRow] {
        // In SQL, one statement: the caseload shows these on every view, and Fluent's query building and model
        // decoding, with a hundred care-team ids bound after them, were a tenth of that page (perf record).
        var query = SQLQueryString("SELECT " + InvitationRow.sqlColumns.map { "\"\($0)\"" }.joined(separator: ", ")
            + " FROM \"invitations\" WHERE \"accepted_at\" IS NULL AND \"withdrawn_at\" IS NULL")
        if let id { query = query + " AND \"id\" = \(bind: id)" }
        switch scope {
        case .therapists(let practiceID):
            query = query + " AND \"practice_id\" = \(bind: practiceID) AND \"role\" = \(bind: Role.therapist.rawValue)"
        case .clients(let therapistID, let practiceID):
            query = query + " AND \"practice_id\" = \(bind: practiceID) AND \"role\" = \(bind: Role.client.rawValue)"
                + " AND \"client_id\" IN (SELECT \"client_id\" FROM \"care_team_members\" WHERE \"therapist_id\" = \(bind: therapistID))"
        }
        return try await HotPaths.sql(db).raw(query + " ORDER BY \"created_at\" DESC").all().map(InvitationRow.init(sqlRow:))
    }

    private func waiting(_ row: InvitationRow, key: SubjectKey) throws -> WaitingInvitation {
        let rowID = try row.requireID()
        return WaitingInvitation(
            id: rowID, name: try keys.open(row.nameEnvelope, key: key, InvitationRow.schema, "name", row: rowID),
            email: try keys.open(row.emailEnvelope, key: key, InvitationRow.schema, "email", row: rowID),
            sentAt: row.createdAt, expiresAt: row.expiresAt,
            link: try row.tokenEnvelope.map { link(try keys.open($0, key: key, InvitationRow.schema, "token", row: rowID)) },
            clientID: row.clientID)
    }

    /// A new link for a waiting invitation, with a new expiry; the old link stops working at once. Returns the
    /// invitation as it now stands (its new link, its name for the page that shows it).
    func reissueInvitation(_ id: UUID, _ scope: InvitationScope, by actor: Principal) async throws -> WaitingInvitation {
        let now = services.now
        return try await services.transactions.run(on: db) { [keys] db in
            guard let row = try await waitingRows(scope, id: id, on: db).first else { throw RecordError.notFound }
            let rowID = try row.requireID()
            let key = try await keys.subjectKey(clientID: row.clientID, practiceID: row.practiceID, on: db)
            let token = SecureToken.generate()
            row.tokenHash = SecureToken.hash(token)
            row.tokenEnvelope = try keys.seal(token, key: key, InvitationRow.schema, "token", row: rowID)
            row.expiresAt = now.addingTimeInterval(services.configuration.invitationLifetime)
            try await row.update(on: db)
            try await Notifications.enqueueInvitation(rowID, practiceID: row.practiceID, now: now, on: db)
            if let clientID = row.clientID {
                try await AuditWriter.append(.access(by: actor, .inviteClient, clientID: clientID, resource: clientID), at: now, on: db)
            }
            return try waiting(row, key: key)
        }
    }

    /// Withdraws a waiting invitation: its link stops working. A client's record stays with their therapist.
    func withdrawInvitation(_ id: UUID, _ scope: InvitationScope, by actor: Principal) async throws {
        let now = services.now
        try await services.transactions.run(on: db) { db in
            guard let row = try await waitingRows(scope, id: id, on: db).first else { throw RecordError.notFound }
            row.withdrawnAt = now
            try await row.update(on: db)
            if let clientID = row.clientID {
                try await AuditWriter.append(.access(by: actor, .inviteClient, clientID: clientID, resource: clientID), at: now, on: db)
            }
        }
    }

    struct PendingInvitation: Sendable {
        let row: InvitationRow
        let role: Role
        /// The key the invitation's fields are sealed with; the new account's fields are sealed with it too.
        let key: SubjectKey
        let name: String
        let email: String
        let practiceName: String
    }

    func pendingInvitation(token: String, on db: any Database) async throws -> PendingInvitation {
        guard token.utf8.count <= 128,
              let row = try await InvitationRow.query(on: db).filter(\.$tokenHash == SecureToken.hash(token)).first(),
              let role = Role(rawValue: row.role)
        else { throw RecordError.notFound }
        if row.acceptedAt != nil {
            throw RecordError.gone("This invitation has already been used. If it was you, sign in with the email and password you chose.")
        }
        if row.withdrawnAt != nil {
            throw RecordError.gone("This invitation was withdrawn. If you were expecting one, please ask the person who invited you.")
        }
        if row.expiresAt <= services.now {
            throw RecordError.gone("This invitation has expired. Please ask the person who invited you to send a new one.")
        }
        let rowID = try row.requireID()
        let key = try await keys.subjectKey(clientID: row.clientID, practiceID: row.practiceID, on: db)
        return PendingInvitation(
            row: row, role: role, key: key,
            name: try keys.open(row.nameEnvelope, key: key, InvitationRow.schema, "name", row: rowID),
            email: try keys.open(row.emailEnvelope, key: key, InvitationRow.schema, "email", row: rowID),
            practiceName: try await practiceName(row.practiceID, on: db))
    }

    func acceptInvitation(token: String, password: String, confirmation: String) async throws -> UserRow {
        var problems = [InputRules.passwordProblem(password)].compactMap { $0 }
        if problems.isEmpty && password != confirmation {
            problems.append(FieldProblem(field: "password_confirmation", message: "The two passwords are different. Please type the same password twice."))
        }
        guard problems.isEmpty else { throw RecordError.invalid(problems) }
        // The invitation's blind index gives the salt; an unknown token still costs the same one bcrypt.
        let invitationIndex = try await InvitationRow.query(on: db).filter(\.$tokenHash == SecureToken.hash(token)).first()?.emailIndex
        let hashed = try await keyedPassword(password, emailIndex: invitationIndex ?? Data(count: 32))
        let now = services.now
        return try await services.transactions.run(on: db) { db in
            let invitation = try await pendingInvitation(token: token, on: db)
            guard try await OneTimeClaim.claim(InvitationRow.schema, id: try invitation.row.requireID(), setting: "accepted_at", to: now,
                                               unlessAlready: OneTimeClaim.isNull("accepted_at"), on: db)
            else { throw RecordError.gone("This invitation has just been used. If it was you, sign in with the email and password you chose.") }
            // The same answer whether or not the address already has an account anywhere on this server.
            guard invitation.row.emailIndex == invitationIndex else { throw RecordError.notFound }
            try await ensurePasswordUnused(hashed.hash, emailIndex: invitation.row.emailIndex, field: "password", on: db)
            let user = try await createUser(role: invitation.role, practiceID: invitation.row.practiceID, clientID: invitation.row.clientID,
                                            name: invitation.name, email: invitation.email, emailIndex: invitation.row.emailIndex,
                                            password: hashed, key: invitation.key, on: db)
            return user
        }
    }

    // MARK: Signing in

    /// Checks email and password. Failures, locks and unknown emails all give the same answer. For staff the
    /// attempt stays counted until their code is accepted too, so a known password does not reset the guesses.
    ///
    /// An address may have several accounts (one per invitation): the password tells them apart. Sign-in computes
    /// the keyed hash this address and password would have (one bcrypt) and looks it up, so the work done is the
    /// same whether the address has no account, one, or several.
    func checkPassword(email: String, password: String) async throws -> (UserRow, SignInStage) {
        let subject = keys.emailIndex(email)
        try await SignInThrottle.claimAttempt(subject, services: services, on: db)
        // Over-long input can't be anyone's password; it is hashed as empty so it costs the same and matches nothing.
        let typed = InputRules.isTooLong(password, maximum: InputRules.maximumPasswordLength) ? "" : password
        let keyed = try await keyedPassword(typed, emailIndex: subject)
        var user = try await UserRow.query(on: db).filter(\.$emailIndex == subject).filter(\.$passwordHash == keyed.hash).first()
        if let older = try await olderPasswordCheck(typed, subject: subject, keyed: keyed, upgrade: user == nil) {
            user = older
        }
        guard let user, let role = Role(rawValue: user.role) else {
            throw RecordError.invalid([FieldProblem(field: "form", message: "That email and password don't match an account. Please check them and try again.")])
        }
        let stage: SignInStage = role.requiresTwoFactor ? (user.totpEnabledAt == nil ? .enrolTwoFactor : .twoFactor) : .full
        if stage == .full {
            try await services.transactions.run(on: db) { db in try await SignInThrottle.reset(subject, on: db) }
        }
        return (user, stage)
    }

    /// Accounts whose hash predates the keyed scheme are checked the old way (a second bcrypt, against this
    /// address's older account or a decoy, so timing says nothing about which) and move to the keyed hash at their
    /// first sign-in. Once no older hash is left anywhere, sign-in skips this: the check is on the whole table,
    /// never on one address.
    /// `upgrade` is false when a keyed account already matched: the check still runs, so timing is the same.
    private func olderPasswordCheck(_ typed: String, subject: Data, keyed: (hash: String, scheme: String), upgrade: Bool) async throws -> UserRow? {
        let older = UserRow.query(on: db).group(.or) { $0.filter(\.$passwordScheme == nil).filter(\.$passwordScheme != keyed.scheme) }
        guard try await older.count() > 0 else { return nil }
        let candidate = try await UserRow.query(on: db).filter(\.$emailIndex == subject)
            .group(.or) { $0.filter(\.$passwordScheme == nil).filter(\.$passwordScheme != keyed.scheme) }
            .sort(\.$createdAt, .descending).first()
        let matches = try await Passwords.verify(typed, hash: candidate?.passwordHash ?? services.decoyPasswordHash, on: threadPool)
        guard matches, upgrade, let candidate else { return nil }
        candidate.passwordHash = keyed.hash
        candidate.passwordScheme = keyed.scheme
        try await services.transactions.run(on: db) { db in try await candidate.update(on: db) }
        return candidate
    }

    /// Starts (or restarts) two-factor enrolment: a fresh secret, stored sealed until the first code confirms it.
    /// The key to add to an authenticator app. The same key comes back on every visit until enrolment is done, so a
    /// reload (or a second look from the phone) never invalidates what the person already added; `restart` makes a
    /// new one on purpose, keeping the old one only to recognise its codes.
    func beginEnrolment(_ user: UserRow, restart: Bool = false) async throws -> (secret: String, uri: String) {
        guard user.totpEnabledAt == nil else { throw RecordError.conflict("Two-step sign-in is already set up for this account.") }
        let email = try await email(of: user, on: db)
        let userID = try user.requireID()
        let secret = try await services.transactions.run(on: db) { [keys] db -> String in
            // Read inside the transaction: of two first visits at once, both end up showing the same key.
            guard let current = try await UserRow.find(userID, on: db) else { throw RecordError.notFound }
            let key = try await keys.userKey(for: current, on: db)
            if let existing = current.totpSecretEnvelope, !restart {
                return try keys.open(existing, key: key, UserRow.schema, "totp_secret", row: userID)
            }
            if let existing = current.totpSecretEnvelope {
                let previous = try keys.open(existing, key: key, UserRow.schema, "totp_secret", row: userID)
                current.totpPreviousSecretEnvelope = try keys.seal(previous, key: key, UserRow.schema, "totp_previous_secret", row: userID)
            }
            let fresh = Base32.encode(TOTP.generateSecret())
            current.totpSecretEnvelope = try keys.seal(fresh, key: key, UserRow.schema, "totp_secret", row: userID)
            try await current.update(on: db)
            return fresh
        }
        let uri = TOTP(secret: Base32.decode(secret) ?? Data()).provisioningURI(issuer: "Rapport", account: email)
        return (secret, uri)
    }

    /// Checks a code against the account's secret; each 30-second step is usable once. Attempts count towards the
    /// same lock-out as passwords, and only an accepted code clears it.
    func checkCode(_ code: String, for user: UserRow, enrolling: Bool) async throws {
        try await checkCode(code, for: user, enrolling: enrolling) { _ in }
    }

    /// The same, then `work` in the transaction that claims the code's step: what an accepted code allows (new
    /// recovery codes) is written together with the claim, or not at all.
    func checkCode<T: Sendable>(_ code: String, for user: UserRow, enrolling: Bool,
                                then work: @escaping @Sendable (any Database) async throws -> T) async throws -> T {
        let subject = user.emailIndex
        try await SignInThrottle.claimAttempt(subject, services: services, on: db)
        guard let envelope = user.totpSecretEnvelope else {
            throw RecordError.conflict("Two-step sign-in isn't set up yet. Start again from the sign-in page.")
        }
        if !enrolling && user.totpEnabledAt == nil { throw RecordError.conflict("Two-step sign-in isn't set up yet.") }
        let totp = try await keys.totp(for: user, secretEnvelope: envelope, on: db)
        let digits = code.filter { !$0.isWhitespace }
        guard let step = totp.verify(digits, at: services.now, lastUsedStep: user.totpLastStep) else {
            if enrolling, let previous = user.totpPreviousSecretEnvelope,
               try await keys.totp(for: user, secretEnvelope: previous, column: "totp_previous_secret", on: db)
                   .verify(digits, at: services.now, lastUsedStep: nil) != nil {
                throw RecordError.invalid([FieldProblem(field: "code", message: "That code comes from the key you added before you started again, which no longer works. In your authenticator app, remove that Rapport entry, add the key shown on this page, and enter its code.")])
            }
            throw RecordError.invalid([FieldProblem(field: "code", message: "That code didn't work. Codes change every 30 seconds, and each one works once. Please enter the newest code from your app.")])
        }
        let now = services.now
        let userID = try user.requireID()
        return try await services.transactions.run(on: db) { db in
            // Claim the step: of two requests with the same code, only one moves it forward.
            let stepIsNew = SQLGroupExpression(SQLBinaryExpression(
                left: OneTimeClaim.isNull("totp_last_step"), op: SQLBinaryOperator.or,
                right: SQLBinaryExpression(left: SQLIdentifier("totp_last_step"), op: SQLBinaryOperator.lessThan, right: SQLBind(step))))
            guard try await OneTimeClaim.claim(UserRow.schema, id: userID, setting: "totp_last_step", to: step,
                                               unlessAlready: stepIsNew, on: db)
            else { throw RecordError.invalid([FieldProblem(field: "code", message: "That code has already been used. Please wait for the next one.")]) }
            if enrolling, let fresh = try await UserRow.find(userID, on: db) {
                fresh.totpEnabledAt = now
                fresh.totpPreviousSecretEnvelope = nil
                try await fresh.update(on: db)
            }
            try await SignInThrottle.reset(subject, on: db)
            return try await work(db)
        }
    }
}

struct CaseloadEntry: Sendable {
    let clientID: UUID
    let name: String
    let hasJoined: Bool
    /// An open risk alert, shown first thing on the caseload.
    let hasRiskAlert: Bool
    /// Why the client needs attention, most urgent first (`CaseloadNeeds`).
    var needs: [CaseloadNeed] = []
    var nextSession: Date? = nil
    /// Messages from the client nobody on the care team has opened yet.
    var unreadMessages = 0
    /// The newest version of the practice's agreement the client signed (nil: none), and the practice's current one.
    var consentSigned: Int? = nil
    var consentCurrent = 1

    /// What the caseload says of the agreement, when something is to be done about it.
    var consentWords: String? {
        guard let signed = consentSigned else { return "agreement not signed yet" }
        return signed < consentCurrent ? "new agreement to sign" : nil
    }

    /// The most urgent reason, or nil when all is well.
    var topNeed: NeedKind? { needs.map(\.kind).min() }
}
