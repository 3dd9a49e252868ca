import ArgumentParser
import Foundation
import RapportServer

@main
struct Rapport: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rapport",
        abstract: "Rapport: a self-hosted platform for a psychotherapy practice and its clients.",
        subcommands: [Serve.self, Migrate.self, SetupLink.self, Demo.self, Audit.self],
        defaultSubcommand: Serve.self
    )
}

/// Options shared by every command that opens the practice's data.
struct DataOptions: ParsableArguments {
    @Option(name: .long, help: "Folder for the database and keys (env RAPPORT_DATA_DIR; default ./rapport-data).")
    var dataDir: String?

    func configuration(hostname: String? = nil, port: Int? = nil) throws -> RapportConfiguration {
        try RapportConfiguration.fromEnvironment(dataDirectory: dataDir, hostname: hostname, port: port)
    }
}

/// Where the server listens, or where printed links should point.
struct AddressOptions: ParsableArguments {
    @Option(name: .long, help: "Address to listen on, and to use in printed links (env RAPPORT_HOSTNAME; default 127.0.0.1).")
    var hostname: String?
    @Option(name: .long, help: "Port to listen on, and to use in printed links (env RAPPORT_PORT; default 8080).")
    var port: Int?
}

struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Run the practice (embedded SQLite unless DATABASE_URL is set).")

    @OptionGroup var data: DataOptions
    @OptionGroup var address: AddressOptions

    func run() async throws {
        let configuration = try data.configuration(hostname: address.hostname, port: address.port)
        guard configuration.passwordHashCost >= RapportConfiguration.minimumPasswordHashCost else {
            throw ValidationError("The password hash cost must be at least \(RapportConfiguration.minimumPasswordHashCost).")
        }
        try await ServerRunner.serve(configuration)
    }
}

struct Migrate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Create or update the database tables, then exit.")
    @OptionGroup var data: DataOptions

    func run() async throws {
        try await ServerRunner.withApp(try data.configuration()) { _ in print("The database is up to date.") }
    }
}

struct SetupLink: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "setup-link",
                                                    abstract: "Print a one-time link that sets up one more practice on this server.")
    @OptionGroup var data: DataOptions
    @OptionGroup var address: AddressOptions

    func run() async throws {
        try await ServerRunner.withApp(try data.configuration(hostname: address.hostname, port: address.port)) { app in
            print(try await RapportApp.newSetupLink(app, withdrawingOthers: false))
        }
    }
}

struct Demo: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Create a demo practice and print its accounts as JSON.",
        discussion: """
            Without options: an owner, two therapists and clients whose stories show the caseload by need, the charts, \
            a repaired rupture, a withdrawal pattern and a recovery. With --clients: a generated practice of that many \
            clients with --weeks weekly sessions each, the same for the same --seed (for screenshots and benchmarks).
            """)
    @OptionGroup var data: DataOptions
    @OptionGroup var address: AddressOptions
    @Option(name: .long, help: "Generate a practice of this many clients (1 to 1000000) instead of the stories.")
    var clients: Int?
    @Option(name: .long, help: "Weekly sessions per generated client, up to this week (1 to 520; default 12).")
    var weeks: Int = 12
    @Option(name: .long, help: "Seed of the generated practice: the same seed gives the same practice (default 1).")
    var seed: UInt64 = 1
    @Option(name: .long, help: "Therapists in the generated practice (1 to 1000; default one per 30 clients, at most 50).")
    var therapists: Int?

    func validate() throws {
        guard clients != nil || (therapists == nil && weeks == 12) else {
            throw ValidationError("--weeks and --therapists go with --clients.")
        }
        if let clients, !(1...1_000_000).contains(clients) { throw ValidationError("--clients must be from 1 to 1000000.") }
        guard (1...520).contains(weeks) else { throw ValidationError("--weeks must be from 1 to 520.") }
        if let therapists, !(1...1000).contains(therapists) { throw ValidationError("--therapists must be from 1 to 1000.") }
    }

    func run() async throws {
        try await ServerRunner.withApp(try data.configuration(hostname: address.hostname, port: address.port)) { app in
            if let clients {
                let therapists = self.therapists ?? max(1, min(50, (clients + 29) / 30))
                print(try await RapportApp.createGeneratedDemo(app, clients: clients, weeks: weeks, seed: seed, therapists: therapists))
            } else {
                print(try await RapportApp.createDemo(app))
            }
        }
    }
}

struct Audit: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Work with the audit trail.", subcommands: [Verify.self, Checkpoint.self])

    struct Checkpoint: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Sign the trail's current head and append the checkpoint to a file; keep copies of that file away from the database.")
        @OptionGroup var data: DataOptions
        @Option(name: .long, help: "File to append the checkpoint to (default: audit-checkpoints.jsonl beside the keys).")
        var export: String?

        func run() async throws {
            let configuration = try data.configuration()
            let file = export ?? RapportApp.defaultCheckpointFile(configuration)
            try await ServerRunner.withApp(configuration) { app in
                let line = try await RapportApp.signAuditCheckpoint(app, exportFile: file)
                print("Signed checkpoint appended to \(file):")
                print(line)
            }
        }
    }

    struct Verify: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Recompute the hash chain and check every signed checkpoint; exit non-zero at the first entry that does not match.")
        @OptionGroup var data: DataOptions
        @Option(name: .long, help: "Exported checkpoints to check as well (default: audit-checkpoints.jsonl beside the keys, if present).")
        var checkpoints: String?

        func run() async throws {
            var failure: String?
            let configuration = try data.configuration()
            let file = checkpoints ?? RapportApp.defaultCheckpointFile(configuration)
            try await ServerRunner.withApp(configuration) { app in
                let (result, checkpointCount) = try await RapportApp.verifyAuditTrail(app, checkpointFile: file)
                switch result {
                case .ok(let count):
                    let pinned = checkpointCount == 0 ? "" : checkpointCount == 1 ? " 1 signed checkpoint matches." : " \(checkpointCount) signed checkpoints match."
                    print("OK: \(count) audit \(count == 1 ? "entry" : "entries") verified.\(pinned)")
                case .broken(let sequence, let reason):
                    failure = "FAILED at entry \(sequence): \(reason)"
                }
            }
            if let failure {
                FileHandle.standardError.write(Data((failure + "\n").utf8))
                throw ExitCode(2)
            }
        }
    }
}
