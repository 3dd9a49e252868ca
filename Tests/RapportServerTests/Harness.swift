import Fluent
import Foundation
import NIOHTTP1
import RapportCore
@testable import RapportServer
import RapportVault
import SQLKit
import Testing
import Vapor
import VaporTesting

/// Each test gets a fresh database: in-memory SQLite, or, when RAPPORT_TEST_DATABASE_URL is set (scripts/test
/// sets it), its own schema in that PostgreSQL database, dropped afterwards.
enum TestDatabase {
    static var postgresURL: String? {
        ProcessInfo.processInfo.environment["RAPPORT_TEST_DATABASE_URL"].flatMap { $0.isEmpty ? nil : $0 }
    }

    static func choice() -> (RapportConfiguration.DatabaseChoice, schema: String?) {
        guard let url = postgresURL else { return (.sqliteMemory, nil) }
        let schema = "t_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "")
        return (.postgres(url: url, searchPath: [schema]), schema)
    }
}

/// A running test application plus shortcuts for making people and signing them in.
struct TestPractice {
    let app: Application
    var configuration: RapportConfiguration { app.rapport.configuration }
    let clock: RapportClock
    var people: People { People(app: app) }

    /// A client's record opened outside a request, the way `withClientRecord` opens it (tests set up through it).
    func record(_ actor: Principal, _ action: Action, _ scope: ClientScope, now: Date = Date()) async throws -> ClientRecord {
        try await ClientRecord.open(ClientAccess(actor: actor, action: action, scope: scope, noteID: nil), keys: app.rapport.keys,
                                    now: now, on: app.db)
    }

    /// `adjust` changes the test configuration before the app starts (limits, timeouts).
    /// Tests run in parallel, each with its own application and connection pool: on PostgreSQL that many pools at
    /// once ran past the server's connection limit ("too many clients already"). At most this many run together there.
    static let postgresGate = ConcurrencyGate(limit: 16)

    static func run(adjust: (inout RapportConfiguration) -> Void = { _ in }, _ body: (TestPractice) async throws -> Void) async throws {
        let (database, schema) = TestDatabase.choice()
        guard schema != nil else { return try await runOpen(database: database, schema: schema, adjust: adjust, body) }
        await postgresGate.enter()
        do {
            try await runOpen(database: database, schema: schema, adjust: adjust, body)
        } catch {
            await postgresGate.leave()
            throw error
        }
        await postgresGate.leave()
    }

    private static func runOpen(database: RapportConfiguration.DatabaseChoice, schema: String?,
                                adjust: (inout RapportConfiguration) -> Void, _ body: (TestPractice) async throws -> Void) async throws {
        let dataDirectory = (NSTemporaryDirectory() as NSString).appendingPathComponent("rapport-test-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(atPath: dataDirectory) }
        var configuration = RapportConfiguration(
            dataDirectory: dataDirectory, hostname: "127.0.0.1", port: 8080, database: database,
            passwordHashCost: 4, signInFailureLimit: 5)
        adjust(&configuration)
        let clock = RapportClock()
        let app = try await Application.make(.testing)
        app.logger.logLevel = .error
        do {
            try await RapportApp.configure(app, configuration, masterKey: try MasterKey(rawBytes: Data((0..<32).map { _ in UInt8.random(in: 0...255) })), clock: clock)
            try await body(TestPractice(app: app, clock: clock))
        } catch {
            try? await cleanUp(app, schema)
            throw error
        }
        try await cleanUp(app, schema)
    }

    private static func cleanUp(_ app: Application, _ schema: String?) async throws {
        if let schema, let sql = app.db as? any SQLDatabase {
            try await sql.raw("DROP SCHEMA IF EXISTS \(ident: schema) CASCADE").run()
        }
        try await app.asyncShutdown()
    }

    // MARK: People

    struct Person {
        let user: UserRow
        let email: String
        let password: String
        var id: UUID { user.id! }
        var actor: Principal { try! user.principal()! }
    }

    static let password = "a long enough password"

    func newPractice(_ label: String = "A") async throws -> Person {
        let token = try await app.rapport.transactions.run(on: app.db) { [app] db in
            try await People.issueSetupToken(services: app.rapport, on: db)
        }
        let email = "owner-\(label.lowercased())-\(UUID().uuidString.prefix(6))@example.org"
        let owner = try await people.setUpPractice(token: token, .init(practiceName: "Practice \(label)", ownerName: "Owner \(label)",
                                                                      email: email, password: Self.password))
        return Person(user: owner, email: email, password: Self.password)
    }

    func newTherapist(in owner: Person, name: String = "Theo Therapist") async throws -> Person {
        let email = "therapist-\(UUID().uuidString.prefix(8))@example.org"
        let invitation = try await people.inviteTherapist(by: owner.actor, name: name, email: email)
        let user = try await people.acceptInvitation(token: invitation.token, password: Self.password, confirmation: Self.password)
        return Person(user: user, email: email, password: Self.password)
    }

    /// A client who has joined and (unless `signsAgreement` is false) signed the practice's agreement, as every client
    /// does before their first check-in.
    func newClient(of therapist: Person, name: String = "Cleo Client", signsAgreement: Bool = true) async throws -> Person {
        let email = "client-\(UUID().uuidString.prefix(8))@example.org"
        let invitation = try await people.inviteClient(by: therapist.actor, name: name, email: email)
        let user = try await people.acceptInvitation(token: invitation.token, password: Self.password, confirmation: Self.password)
        if signsAgreement {
            try await app.rapport.transactions.run(on: app.db) { [app] db in
                try await Consents.sign(asClient: user, typedName: name, services: app.rapport, on: db)
            }
        }
        return Person(user: user, email: email, password: Self.password)
    }

    /// A fully signed-in session token (the second factor is tested on its own).
    func signIn(_ person: Person, kind: SignInKind = .browser) async throws -> String {
        try await app.rapport.transactions.run(on: app.db) { [app] db in
            try await SignIns.start(for: person.user, stage: .full, kind: kind, services: app.rapport, on: db)
        }
    }

    func auditCount(_ outcomePrefix: String? = nil) async throws -> Int {
        let rows = try await AuditEntryRow.query(on: app.db).all()
        guard let outcomePrefix else { return rows.count }
        return rows.filter { $0.outcome.hasPrefix(outcomePrefix) }.count
    }
}

/// A browser, as far as cookies and the CSRF token go.
struct Browser {
    var sessionToken: String?
    let csrf = SecureToken.generate()

    var headers: HTTPHeaders {
        var cookies = "\(CSRF.cookieName)=\(csrf)"
        if let sessionToken { cookies += "; \(SignInCookie.name)=\(sessionToken)" }
        return HTTPHeaders([("Cookie", cookies)])
    }

    /// A form body with the CSRF field.
    func form(_ fields: [String: String]) -> (HTTPHeaders, ByteBuffer) {
        var headers = self.headers
        headers.contentType = .urlEncodedForm
        var all = fields
        all[CSRF.fieldName] = csrf
        let body = all.map { "\($0.key)=\($0.value.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "")" }.joined(separator: "&")
        return (headers, ByteBuffer(string: body))
    }
}

extension HTTPHeaders {
    static func bearer(_ token: String) -> HTTPHeaders { HTTPHeaders([("Authorization", "Bearer \(token)")]) }
    static func json(bearer token: String? = nil) -> HTTPHeaders {
        var headers = HTTPHeaders([("Content-Type", "application/json")])
        if let token { headers.add(name: "Authorization", value: "Bearer \(token)") }
        return headers
    }
}

/// A counting semaphore for async code: at most `limit` holders at once, the rest wait in turn.
actor ConcurrencyGate {
    let limit: Int
    private var running = 0
    private var waiting: [CheckedContinuation<Void, Never>] = []

    init(limit: Int) { self.limit = limit }

    func enter() async {
        if running < limit {
            running += 1
            return
        }
        await withCheckedContinuation { waiting.append($0) }
    }

    func leave() {
        if waiting.isEmpty {
            running -= 1
        } else {
            // The place passes straight to the next in line.
            waiting.removeFirst().resume()
        }
    }
}
