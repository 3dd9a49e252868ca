public import Foundation

/// Everything an operator can set. Each value comes from a command-line option or an environment variable
/// (12-factor); the README has the one table that lists them.
public struct RapportConfiguration: Sendable {
    public enum DatabaseChoice: Sendable, Equatable {
        /// The default: an SQLite file in the data folder.
        case sqliteFile(path: String)
        /// Tests: a private in-memory database.
        case sqliteMemory
        /// `DATABASE_URL=postgres://…`; `searchPath` lets tests give each run its own schema.
        case postgres(url: String, searchPath: [String]?)

        public var isSQLite: Bool {
            if case .postgres = self { return false }
            return true
        }
    }

    public var dataDirectory: String
    public var hostname: String
    public var port: Int
    public var database: DatabaseChoice
    public var masterKeyFile: String
    /// Where people reach the server; used in setup and invitation links. Defaults to http://hostname:port.
    public var publicBaseURL: String?
    public var staffIdleTimeout: TimeInterval
    public var clientIdleTimeout: TimeInterval
    public var signInLifetime: TimeInterval
    public var invitationLifetime: TimeInterval
    public var setupLinkLifetime: TimeInterval
    /// bcrypt cost. SECURITY.md requires at least 12; `serve` refuses less. Tests lower it to stay quick.
    public var passwordHashCost: Int
    public var signInFailureLimit: Int
    public var signInLockout: TimeInterval
    /// Whether cookies carry `Secure`. On when the public URL is https, or forced with RAPPORT_SECURE_COOKIES.
    public var secureCookies: Bool
    /// The practice's time zone: session times are entered and shown in it (feeds carry UTC).
    public var timeZone: TimeZone
    /// Signed-out requests that make the server work (refusals, sign-in attempts, token look-ups) allowed per
    /// address and minute before it answers 429.
    public var signedOutRequestsPerMinute: Int
    /// Behind a reverse proxy every request comes from the proxy's address: then the client's address is the last
    /// one in `X-Forwarded-For`, which the proxy appends. Off by default, because anyone can send that header.
    public var behindProxy: Bool
    /// How long a request waits for a database connection before it fails (Fluent's default, 10 s). Tests that
    /// queue dozens of transactions on a loaded machine give it longer.
    public var databaseWaitLimit: TimeInterval
    /// Whether the server signs audit checkpoints on its own (`serve` turns this on; one-off commands and tests don't).
    public var automaticCheckpoints: Bool = false
    /// Whether the server sends email from the outbox (`serve` turns this on when a mail server is set).
    public var deliversEmail: Bool = false
    /// Sign a checkpoint once this long has passed with new entries in the trail…
    public var checkpointInterval: TimeInterval
    /// …or once the trail has grown by this many entries, whichever comes first.
    public var checkpointEveryEntries: Int
    /// Where checkpoints are appended: beside the keys unless set. Keep copies away from the server.
    public var checkpointFile: String
    /// The fewest ended episodes on a measure before its expected course is fitted on the practice's own data
    /// (`RAPPORT_COURSE_FIT_EPISODES`, default 30).
    public var courseFitEpisodes: Int = 30
    /// The practice's own mail server (`RAPPORT_SMTP_*`); nil until set: the outbox keeps everything meanwhile.
    var smtp: SMTPSettings? = nil
    /// The wait before the first retry of a failed email; it doubles with each try (`RAPPORT_EMAIL_RETRY_SECONDS`).
    public var emailRetrySeconds: Double = 60
    /// Tries before an email is given up and shown to the owner as not delivered (`RAPPORT_EMAIL_ATTEMPTS`).
    public var emailAttempts: Int = 10
    /// How often the outbox is looked at for email due (`RAPPORT_EMAIL_POLL_SECONDS`).
    public var emailPollSeconds: Double = 5

    public static let minimumPasswordHashCost = 12

    public init(
        dataDirectory: String = "./rapport-data",
        hostname: String = "127.0.0.1",
        port: Int = 8080,
        database: DatabaseChoice? = nil,
        masterKeyFile: String? = nil,
        publicBaseURL: String? = nil,
        staffIdleTimeout: TimeInterval = 15 * 60,
        clientIdleTimeout: TimeInterval = 30 * 60,
        signInLifetime: TimeInterval = 12 * 60 * 60,
        invitationLifetime: TimeInterval = 7 * 24 * 60 * 60,
        setupLinkLifetime: TimeInterval = 24 * 60 * 60,
        passwordHashCost: Int = 12,
        signInFailureLimit: Int = 5,
        signInLockout: TimeInterval = 15 * 60,
        secureCookies: Bool? = nil,
        timeZone: TimeZone = .current,
        signedOutRequestsPerMinute: Int = 120,
        behindProxy: Bool = false,
        checkpointInterval: TimeInterval = 3600,
        checkpointEveryEntries: Int = 1000,
        checkpointFile: String? = nil,
        databaseWaitLimit: TimeInterval = 10
    ) {
        self.databaseWaitLimit = databaseWaitLimit
        self.checkpointInterval = checkpointInterval
        self.checkpointEveryEntries = checkpointEveryEntries
        self.timeZone = timeZone
        self.signedOutRequestsPerMinute = signedOutRequestsPerMinute
        self.behindProxy = behindProxy
        self.dataDirectory = dataDirectory
        self.hostname = hostname
        self.port = port
        self.database = database ?? .sqliteFile(path: (dataDirectory as NSString).appendingPathComponent("rapport.sqlite"))
        self.masterKeyFile = masterKeyFile ?? (dataDirectory as NSString).appendingPathComponent("keys/master.key")
        self.publicBaseURL = publicBaseURL
        self.staffIdleTimeout = staffIdleTimeout
        self.clientIdleTimeout = clientIdleTimeout
        self.signInLifetime = signInLifetime
        self.invitationLifetime = invitationLifetime
        self.setupLinkLifetime = setupLinkLifetime
        self.passwordHashCost = passwordHashCost
        self.signInFailureLimit = signInFailureLimit
        self.signInLockout = signInLockout
        self.secureCookies = secureCookies ?? (publicBaseURL?.lowercased().hasPrefix("https://") ?? false)
        let keysFolder = ((masterKeyFile ?? (dataDirectory as NSString).appendingPathComponent("keys/master.key")) as NSString).deletingLastPathComponent
        self.checkpointFile = checkpointFile ?? (keysFolder as NSString).appendingPathComponent("audit-checkpoints.jsonl")
    }

    /// The base of every link Rapport prints or shows (setup, invitations), without a trailing slash.
    public var baseURL: String {
        if let publicBaseURL, !publicBaseURL.isEmpty {
            return publicBaseURL.hasSuffix("/") ? String(publicBaseURL.dropLast()) : publicBaseURL
        }
        let host = hostname.contains(":") ? "[\(hostname)]" : hostname
        return "http://\(host):\(port)"
    }

    /// The file holding the key that signs audit checkpoints, in the same folder as the master key.
    public var checkpointKeyFile: String {
        ((masterKeyFile as NSString).deletingLastPathComponent as NSString).appendingPathComponent("audit-checkpoint.key")
    }

    /// Reads the environment variables of the README table. Explicit command-line values win (the caller passes them).
    public static func fromEnvironment(
        _ environment: [String: String] = ProcessInfo.processInfo.environment,
        dataDirectory: String? = nil,
        hostname: String? = nil,
        port: Int? = nil
    ) throws -> RapportConfiguration {
        // Range-checked here, so that no setting can make a date or a timer overflow later.
        func number(_ key: String, atMost maximum: Double) throws -> Double? {
            guard let raw = environment[key], !raw.isEmpty else { return nil }
            guard let value = Double(raw), value.isFinite, value > 0, value <= maximum else {
                throw ConfigurationError(message: "\(key) must be a number above 0 and at most \(Int(maximum)), but it is \"\(raw.prefix(40))\".")
            }
            return value
        }
        let dataDir = dataDirectory ?? environment["RAPPORT_DATA_DIR"].flatMap { $0.isEmpty ? nil : $0 } ?? "./rapport-data"
        var database: DatabaseChoice?
        if let url = environment["DATABASE_URL"], !url.isEmpty {
            guard url.hasPrefix("postgres://") || url.hasPrefix("postgresql://") else {
                throw ConfigurationError(message: "DATABASE_URL must start with postgres:// (leave it unset to use the built-in SQLite database).")
            }
            database = .postgres(url: url, searchPath: nil)
        }
        var resolvedPort = port
        if resolvedPort == nil, let raw = environment["RAPPORT_PORT"], !raw.isEmpty {
            guard let parsed = Int(raw), (1...65535).contains(parsed) else {
                throw ConfigurationError(message: "RAPPORT_PORT must be a port number between 1 and 65535, but it is \"\(raw)\".")
            }
            resolvedPort = parsed
        }
        var timeZone = TimeZone.current
        if let raw = environment["RAPPORT_TIMEZONE"], !raw.isEmpty {
            guard let zone = TimeZone(identifier: raw) else {
                throw ConfigurationError(message: "RAPPORT_TIMEZONE must be a time zone name such as Europe/London, but it is \"\(raw)\".")
            }
            timeZone = zone
        }
        var secure: Bool?
        if let raw = environment["RAPPORT_SECURE_COOKIES"], !raw.isEmpty {
            secure = ["1", "true", "yes"].contains(raw.lowercased())
        }
        let signedOutBudget = try number("RAPPORT_SIGNED_OUT_REQUESTS_PER_MINUTE", atMost: 1_000_000).map { Int($0) } ?? 120
        let behindProxy = environment["RAPPORT_BEHIND_PROXY"].map { ["1", "true", "yes"].contains($0.lowercased()) } ?? false
        let checkpointMinutes = try number("RAPPORT_CHECKPOINT_MINUTES", atMost: 7 * 24 * 60) ?? 60
        let checkpointEntries = try number("RAPPORT_CHECKPOINT_ENTRIES", atMost: 1_000_000_000).map { Int($0) } ?? 1000
        let fitEpisodes = try number("RAPPORT_COURSE_FIT_EPISODES", atMost: 1_000_000).map { Int($0) } ?? 30
        guard fitEpisodes >= 10 else {
            throw ConfigurationError(message: "RAPPORT_COURSE_FIT_EPISODES must be at least 10: a course fitted on fewer episodes says more about those clients than about the practice.")
        }
        var configuration = RapportConfiguration(
            dataDirectory: dataDir,
            hostname: hostname ?? environment["RAPPORT_HOSTNAME"].flatMap { $0.isEmpty ? nil : $0 } ?? "127.0.0.1",
            port: resolvedPort ?? 8080,
            database: database,
            masterKeyFile: environment["RAPPORT_MASTER_KEY_FILE"].flatMap { $0.isEmpty ? nil : $0 },
            publicBaseURL: environment["RAPPORT_PUBLIC_URL"].flatMap { $0.isEmpty ? nil : $0 },
            staffIdleTimeout: try number("RAPPORT_STAFF_IDLE_MINUTES", atMost: 24 * 60).map { $0 * 60 } ?? 15 * 60,
            clientIdleTimeout: try number("RAPPORT_CLIENT_IDLE_MINUTES", atMost: 24 * 60).map { $0 * 60 } ?? 30 * 60,
            signInLifetime: try number("RAPPORT_SESSION_HOURS", atMost: 24 * 30).map { $0 * 3600 } ?? 12 * 3600,
            invitationLifetime: try number("RAPPORT_INVITATION_DAYS", atMost: 365).map { $0 * 86400 } ?? 7 * 86400,
            secureCookies: secure,
            timeZone: timeZone,
            signedOutRequestsPerMinute: signedOutBudget,
            behindProxy: behindProxy,
            checkpointInterval: checkpointMinutes * 60,
            checkpointEveryEntries: checkpointEntries,
            checkpointFile: environment["RAPPORT_CHECKPOINT_FILE"].flatMap { $0.isEmpty ? nil : $0 }
        )
        configuration.courseFitEpisodes = fitEpisodes
        configuration.smtp = try smtpSettings(environment)
        configuration.emailRetrySeconds = try number("RAPPORT_EMAIL_RETRY_SECONDS", atMost: 86_400) ?? 60
        configuration.emailAttempts = try number("RAPPORT_EMAIL_ATTEMPTS", atMost: 50).map { max(1, Int($0)) } ?? 10
        configuration.emailPollSeconds = try number("RAPPORT_EMAIL_POLL_SECONDS", atMost: 3600) ?? 5
        return configuration
    }

    /// The mail server from `RAPPORT_SMTP_HOST` and its companions; nil when no host is set. The password is read
    /// here and kept in memory only: never stored, logged or shown.
    static func smtpSettings(_ environment: [String: String]) throws -> SMTPSettings? {
        func value(_ key: String) -> String? { environment[key].flatMap { $0.isEmpty ? nil : $0 } }
        guard let host = value("RAPPORT_SMTP_HOST") else { return nil }
        var security = SMTPSettings.Security.startTLS
        if let raw = value("RAPPORT_SMTP_SECURITY") {
            guard let chosen = SMTPSettings.Security(rawValue: raw.lowercased()) else {
                throw ConfigurationError(message: "RAPPORT_SMTP_SECURITY must be starttls, tls or none, but it is \"\(raw.prefix(20))\".")
            }
            security = chosen
        } else if let raw = value("RAPPORT_SMTP_STARTTLS"), ["0", "false", "no"].contains(raw.lowercased()) {
            security = .none
        }
        var port = security == .tls ? 465 : (security == .none ? 25 : 587)
        if let raw = value("RAPPORT_SMTP_PORT") {
            guard raw.utf8.count <= 5, let parsed = Int(raw), (1...65_535).contains(parsed) else {
                throw ConfigurationError(message: "RAPPORT_SMTP_PORT must be a port number between 1 and 65535, but it is \"\(raw.prefix(20))\".")
            }
            port = parsed
        }
        guard let from = value("RAPPORT_SMTP_FROM") else {
            throw ConfigurationError(message: "RAPPORT_SMTP_HOST is set, so RAPPORT_SMTP_FROM must say which address email leaves from.")
        }
        let settings = SMTPSettings(host: host, port: port, security: security, username: value("RAPPORT_SMTP_USER"),
                                    password: value("RAPPORT_SMTP_PASSWORD"), from: from,
                                    trustedCertificateFile: value("RAPPORT_SMTP_CA_FILE"))
        if let problem = settings.problem { throw ConfigurationError(message: problem) }
        return settings
    }
}

public struct ConfigurationError: Error, CustomStringConvertible {
    public let message: String
    public var description: String { message }
}
