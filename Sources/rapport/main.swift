import ArgumentParser
import Foundation
import RapportServer

@main
struct Rapport: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rapport",
        abstract: "Rapport: a self-hosted platform for a psychotherapy practice and its clients.",
        subcommands: [Serve.self, Migrate.self, SetupLink.self, Demo.self, Audit.self, Keys.self],
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

struct Keys: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Rotate the keys that protect the practice's data, or erase one client's data for good.",
        subcommands: [RotateMaster.self, RotatePractice.self, EraseClient.self])

    struct RotateMaster: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "rotate-master",
            abstract: "Re-wrap every practice key under a new master key file, while the server keeps serving.",
            discussion: """
                The new key is written beside the master key as <file>.next; once every practice key is re-wrapped it \
                takes the master key's place, and the old key is kept as <file>.retired-v<version> until you destroy \
                it. If the command is interrupted, run it again: it finishes the same rotation.
                """)
        @OptionGroup var data: DataOptions

        func run() async throws {
            try await ServerRunner.withApp(try data.configuration()) { app in
                let report = try await KeyRotation.rotateMaster(app) { print($0) }
                print("""
                    Rotation complete: \(report.practiceKeysRewrapped) practice \(report.practiceKeysRewrapped == 1 ? "key" : "keys") \
                    re-wrapped under master key version \(report.newVersion), now in \(report.keyFile).
                    Back up that file now, apart from the database. The old key is still at \(report.retiredKeyFile): \
                    backups of the database made before this rotation need it. Destroy it when none of them is needed any more.
                    """)
            }
        }
    }

    struct RotatePractice: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "rotate-practice",
            abstract: "Give a practice a new key and re-wrap every client key under it, while the server keeps serving.")
        @OptionGroup var data: DataOptions
        @Option(name: .long, help: "Only this practice (its id); default: every practice on this server.")
        var practice: String?
        @Flag(name: .long, help: "Then re-seal every practice-level field under the new key and destroy the earlier versions (after an erasure, with keys rotate-master, so backups made before it no longer open).")
        var retire = false

        func validate() throws {
            if let practice, UUID(uuidString: practice) == nil { throw ValidationError("--practice must be a practice id (a UUID).") }
        }

        func run() async throws {
            try await ServerRunner.withApp(try data.configuration()) { app in
                let reports = try await KeyRotation.rotatePractice(app, practiceID: practice.flatMap(UUID.init(uuidString:)))
                for report in reports {
                    print("Practice \(report.practiceID.uuidString.lowercased()): key version \(report.newVersion); \(report.clientKeysRewrapped) client \(report.clientKeysRewrapped == 1 ? "key" : "keys") re-wrapped under it.")
                    if retire {
                        let retired = try await KeyRotation.retireEarlierPracticeKeys(app, practiceID: report.practiceID)
                        print("  \(retired.fieldsResealed) practice-level \(retired.fieldsResealed == 1 ? "field" : "fields") sealed again; versions \(retired.versionsDestroyed.map(String.init).joined(separator: ", ")) destroyed.")
                    }
                }
                print(retire ? "Rotation complete. Only the new practice keys remain; rotate the master key next (keys rotate-master) and destroy its retired file for backups made before now to stop opening."
                             : "Rotation complete. Earlier practice-key versions stay, wrapped, to open what they sealed (--retire seals it again and destroys them).")
            }
        }
    }

    struct EraseClient: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "erase-client",
            abstract: "Erase one client's record for good: their data key is destroyed and every row of theirs deleted.",
            discussion: """
                Allowed when the client has asked and the practice's retention period has passed since therapy ended, \
                or with --legal-reason, the reason the record may be erased early. Otherwise the command refuses and \
                says until when; nothing is changed. The audit trail keeps its entries (ids and hashes) and still verifies.
                """)
        @OptionGroup var data: DataOptions
        @Option(name: .long, help: "The client's id (a UUID), as in the address of their record.")
        var client: String
        @Option(name: .long, help: "The legal reason the record may be erased before the retention period ends.")
        var legalReason: String?
        @Flag(name: .long, help: "The client asked for erasure outside Rapport (in writing, say): record that request now.")
        var clientAsked = false

        func validate() throws {
            guard UUID(uuidString: client) != nil else { throw ValidationError("--client must be a client id (a UUID).") }
        }

        func run() async throws {
            guard let clientID = UUID(uuidString: client) else { throw ValidationError("--client must be a client id (a UUID).") }
            var refusal: String?
            try await ServerRunner.withApp(try data.configuration()) { app in
                do {
                    let report = try await RapportApp.eraseClient(app, clientID: clientID, legalReason: legalReason, clientAsked: clientAsked)
                    print("""
                        Erased: client \(clientID.uuidString.lowercased()) (\(report)). Their data key is destroyed and every row of \
                        theirs deleted; the audit trail keeps its entries. Backups made before now still hold their key, wrapped under \
                        the practice key. For them to stop opening too: keys rotate-practice --retire, then keys rotate-master, then \
                        destroy the retired master key file (see "Erasure" in the README).
                        """)
                } catch let refused as RapportApp.ErasureRefused {
                    refusal = refused.message
                }
            }
            if let refusal {
                FileHandle.standardError.write(Data(("Not erased: \(refusal)\n").utf8))
                throw ExitCode(3)
            }
        }
    }
}
