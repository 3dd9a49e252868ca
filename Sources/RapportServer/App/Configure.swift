import Foundation
import Fluent
import Plot
import RapportCore
public import RapportVault
public import Vapor

/// Builds a ready Rapport application: database migrated, keys loaded, middleware and routes in place.
public enum RapportApp {
    /// - Parameters:
    ///   - masterKey: tests pass a key; otherwise it is read from (or created at) the configured file.
    ///   - clock: tests pass a clock they can move.
    public static func configure(
        _ app: Application,
        _ configuration: RapportConfiguration,
        masterKey: MasterKey? = nil,
        clock: RapportClock = RapportClock()
    ) async throws {
        guard OpenAPIDocument.json != nil else {
            throw ConfigurationError(message: "This build of Rapport is incomplete: its resource openapi.json is missing. Build it again.")
        }
        do {
            _ = try ShippedInstrumentDefinitions.load()
            _ = try ExpectedCourses.loadDefault()
        } catch let missing as ShippedInstrumentDefinitions.MissingFile {
            throw ConfigurationError(message: "This build of Rapport is incomplete. \(missing.description) Build it again.")
        } catch let missing as ExpectedCourses.MissingModel {
            throw ConfigurationError(message: "This build of Rapport is incomplete. \(missing.description) Build it again.")
        }
        try DatabaseSetup.register(configuration.database, waitLimit: configuration.databaseWaitLimit, on: app)
        for migration in Migrations.all { app.migrations.add(migration) }
        if configuration.database.isSQLite { try await DatabaseSetup.prepareSQLite(app.db) }
        try await DatabaseSetup.prepareSchema(configuration.database, app.db)
        try await app.autoMigrate()
        let vault = try await KeyCheck.vault(masterKey, configuration, on: app.db)

        let decoy = try await Passwords.hash(SecureToken.generate(), cost: configuration.passwordHashCost, on: app.threadPool)
        app.rapport = RapportServices(
            configuration: configuration,
            keys: KeyStore(vault: vault, masterKeyFile: masterKey == nil ? configuration.masterKeyFile : nil),
            transactions: TransactionRunner(batcher: configuration.database.isSQLite
                ? CommitBatcher(writer: DatabaseSetup.writer(configuration.database, app)) : nil),
            clock: clock,
            decoyPasswordHash: decoy,
            signedOutTraffic: SignedOutTraffic(perMinute: configuration.signedOutRequestsPerMinute),
            courseModels: ExpectedCourseModels(minimumEpisodes: configuration.courseFitEpisodes))

        app.http.server.configuration.hostname = configuration.hostname
        app.http.server.configuration.port = configuration.port
        app.routes.defaultMaxBodySize = "1mb"

        // Outermost first: headers go on every response, errors included; then the request log, then errors.
        // One chain, one task (`MiddlewareChain`).
        app.middleware = Middlewares()
        app.middleware.use(MiddlewareChain(SecurityHeadersMiddleware(secure: configuration.secureCookies), RequestLogMiddleware(),
                                           RapportErrorMiddleware()))
        registerRoutes(app, configuration)
        if configuration.automaticCheckpoints {
            app.lifecycle.use(try await CheckpointScheduler.prepare(configuration, on: app.db))
            app.lifecycle.use(HourlyRound())
        }
        if configuration.deliversEmail, let smtp = configuration.smtp {
            app.lifecycle.use(EmailDelivery(settings: smtp))
        }
    }

    static func registerRoutes(_ app: Application, _ configuration: RapportConfiguration) {
        let open = app.grouped(PolicyMiddleware())
        open.get("healthz", action: .usePublicPage) { _ in HTTPStatus.ok }
        open.get("assets", "rapport.css", action: .usePublicPage) { _ -> Response in
            let response = Response(status: .ok, body: .init(string: Stylesheet.css))
            response.headers.contentType = HTTPMediaType(type: "text", subType: "css", parameters: ["charset": "utf-8"])
            response.headers.replaceOrAdd(name: .cacheControl, value: "public, max-age=3600")
            return response
        }
        open.get("assets", "copy.js", action: .usePublicPage) { _ -> Response in
            let response = Response(status: .ok, body: .init(string: CopyScript.source))
            response.headers.contentType = HTTPMediaType(type: "text", subType: "javascript", parameters: ["charset": "utf-8"])
            response.headers.replaceOrAdd(name: .cacheControl, value: "public, max-age=3600")
            return response
        }

        let pages = app.grouped(MiddlewareChain(IdentityMiddleware(), CSRFMiddleware(configuration: configuration), PolicyMiddleware()))
        AccountPages.register(pages)
        PeoplePages.register(pages)
        CaseloadPages.register(pages)
        ClientPages.register(pages)
        RupturePages.register(pages)
        MessagePages.register(pages)
        WordsToCarryPages.register(pages)
        PracticePages.register(pages)
        EmailPages.register(pages)
        EndingPages.register(pages)
        ReachOutPages.register(pages)
        // The public reach-out page: no identity, no cookie, no CSRF token (nobody is signed in to protect).
        ReachOutPages.registerPublic(open)
        SafetyPlanPages.register(pages)
        CheckInPages.register(pages)
        SettingsPages.register(pages)
        ErasurePages.register(pages)
        ConsentPages.register(pages)
        ExportPages.register(pages)
        DisclosurePages.register(pages)
        OutcomesPages.register(pages)
        CalendarPages.register(pages: pages, open: open)

        let api = app.grouped("api", "v1").grouped(MiddlewareChain(IdentityMiddleware(), PolicyMiddleware()))
        APIController.register(api)
    }

    /// While the server has no practice, a one-time setup link for its owner. Earlier unused links are withdrawn
    /// so only the newest printed link works.
    public static func setupLinkIfNeeded(_ app: Application) async throws -> String? {
        guard try await PracticeRow.query(on: app.db).count() == 0 else { return nil }
        return try await newSetupLink(app, withdrawingOthers: true)
    }

    /// A setup link for one more practice on this server (`rapport setup-link`).
    public static func newSetupLink(_ app: Application, withdrawingOthers: Bool) async throws -> String {
        let services = app.rapport
        let token = try await services.transactions.run(on: app.db) { db in
            if withdrawingOthers {
                try await SetupTokenRow.query(on: db).filter(\.$usedAt == nil).delete()
            }
            return try await People.issueSetupToken(services: services, on: db)
        }
        return "\(services.configuration.baseURL)/setup/\(token)"
    }

    /// Creates the demo practice and returns its accounts as JSON (`rapport demo`).
    public static func createDemo(_ app: Application) async throws -> String {
        try await DemoPractice.create(app)
    }

    /// A generated practice of `clients` clients with `weeks` weekly sessions each, the same for the same seed
    /// (`rapport demo --clients N --weeks W --seed S`), spread over `therapists` therapists.
    public static func createGeneratedDemo(_ app: Application, clients: Int, weeks: Int, seed: UInt64, therapists: Int) async throws -> String {
        try await DemoPractice.create(app, generated: DemoGenerator(clients: clients, weeks: weeks, seed: seed), therapists: therapists)
    }

    /// Recomputes the audit chain: `.ok(count)` or the first entry that does not match.
    public static func verifyAuditTrail(_ app: Application) async throws -> AuditChain.Verification {
        try await AuditVerifier.verify(on: app.db)
    }

    /// The chain, then every signed checkpoint (stored in the database, and in `exportFile` if it exists).
    /// Returns the result and how many checkpoints were checked.
    public static func verifyAuditTrail(_ app: Application, checkpointFile: String) async throws -> (AuditChain.Verification, checkpoints: Int) {
        let chain = try await AuditVerifier.verify(on: app.db)
        guard case .ok = chain else { return (chain, 0) }
        var checkpoints = try await AuditCheckpoints.stored(on: app.db)
        // The same checkpoint is usually both stored and exported; count it once.
        for exported in try AuditCheckpoints.read(from: checkpointFile)
        where !checkpoints.contains(where: { $0.sequence == exported.sequence && $0.signature == exported.signature }) {
            checkpoints.append(exported)
        }
        let keyFile = app.rapport.configuration.checkpointKeyFile
        let trusted = FileManager.default.fileExists(atPath: keyFile) ? try CheckpointSigner.load(from: keyFile).publicKey : nil
        if trusted != nil, let missing = try await AuditCheckpoints.exportProblem(checkpointFile, on: app.db) {
            return (missing, checkpoints.count)
        }
        if let broken = try await AuditCheckpoints.verify(checkpoints, trustedPublicKey: trusted, on: app.db) {
            return (broken, checkpoints.count)
        }
        return (chain, checkpoints.count)
    }

    /// Signs the trail's current head with the key beside the master key (created on first use), stores the
    /// checkpoint and appends it to `exportFile`. Returns the checkpoint as its JSON line.
    public static func signAuditCheckpoint(_ app: Application, exportFile: String) async throws -> String {
        let signer = try CheckpointSigner.loadOrCreate(at: app.rapport.configuration.checkpointKeyFile)
        let checkpoint = try await AuditCheckpoints.create(app, signer: signer, exportFile: exportFile)
        return String(decoding: try AuditCheckpoints.encoder().encode(checkpoint), as: UTF8.self)
    }

    /// Where checkpoints are exported unless told otherwise: `RAPPORT_CHECKPOINT_FILE`, or beside the keys.
    public static func defaultCheckpointFile(_ configuration: RapportConfiguration) -> String {
        configuration.checkpointFile
    }
}

/// One line per request: method, route pattern (never the raw path, which can hold a setup or invitation
/// token), status and time. Never a name, an email, a note or an answer.
struct RequestLogMiddleware: AsyncMiddleware {
    func respond(to request: Request, chainingTo next: any AsyncResponder) async throws -> Response {
        let started = ContinuousClock.now
        let response = try await next.respond(to: request)
        let elapsed = ContinuousClock.now - started
        let route = request.route.map { "/" + $0.path.map(\.description).joined(separator: "/") } ?? "(no route)"
        let milliseconds = Double(elapsed.components.attoseconds) / 1e15 + Double(elapsed.components.seconds) * 1000
        request.logger.info("\(request.method.rawValue) \(route) \(response.status.code) \(String(format: "%.1f", milliseconds))ms")
        return response
    }
}
