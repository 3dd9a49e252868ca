import Foundation
import Logging
public import Vapor

/// Starting and stopping the application for the `rapport` commands.
public enum ServerRunner {
    /// Runs the practice until interrupted. Prints where it listens and, while no practice exists, the one-time
    /// setup link for its owner.
    public static func serve(_ configuration: RapportConfiguration) async throws {
        let app = try await makeApplication(logLevel: logLevel(default: .info))
        var configuration = configuration
        configuration.automaticCheckpoints = true
        configuration.deliversEmail = true
        do {
            try await RapportApp.configure(app, configuration)
            try await app.startup()
            say("Rapport is running at \(configuration.baseURL)")
            if let smtp = configuration.smtp {
                say("Email goes through \(smtp.host):\(smtp.port) (\(smtp.security.rawValue)) from \(smtp.from)")
            } else {
                say("Email is not set up (RAPPORT_SMTP_HOST): notifications wait in the outbox until it is")
            }
            say("Data folder: \(configuration.dataDirectory) · database: \(configuration.database.isSQLite ? "SQLite" : "PostgreSQL")")
            if let link = try await RapportApp.setupLinkIfNeeded(app) {
                say("Set up your practice with this one-time link (it works once, for 24 hours):")
                say(link)
            }
            try await app.running?.onStop.get()
        } catch {
            try? await app.asyncShutdown()
            throw error
        }
        try await app.asyncShutdown()
    }

    /// Opens the practice's data (migrating it if needed), runs `body`, and closes everything.
    public static func withApp(_ configuration: RapportConfiguration, _ body: (Application) async throws -> Void) async throws {
        let app = try await makeApplication(logLevel: logLevel(default: .warning))
        do {
            try await RapportApp.configure(app, configuration)
            try await body(app)
        } catch {
            try? await app.asyncShutdown()
            throw error
        }
        try await app.asyncShutdown()
    }

    private static func makeApplication(logLevel: Logger.Level) async throws -> Application {
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = logLevel
            return handler
        }
        return try await Application.make(Environment(name: "production", arguments: ["rapport", "serve"]))
    }

    /// Never below `debug`: at `trace` the PostgreSQL driver logs statements with their bound values
    /// (envelopes, blind indexes, token hashes), which have no place in a log.
    private static func logLevel(default level: Logger.Level) -> Logger.Level {
        let requested = ProcessInfo.processInfo.environment["RAPPORT_LOG_LEVEL"].flatMap { Logger.Level(rawValue: $0.lowercased()) } ?? level
        return max(requested, .debug)
    }

    /// stdout unbuffered line by line, so whoever started us sees the setup link at once.
    public static func say(_ line: String) {
        FileHandle.standardOutput.write(Data((line + "\n").utf8))
    }
}
