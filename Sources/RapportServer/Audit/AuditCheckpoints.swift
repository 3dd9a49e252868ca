import Fluent
import Foundation
import RapportVault
import NIOConcurrencyHelpers
import Vapor

/// A signed (sequence, head hash) pair. Its JSON form is one line of the export file, meant to be kept away from
/// the database (another disk, an email to the owner): whoever can rewrite the audit table and recompute its
/// chain still cannot make it match a checkpoint signed with the key beside the master key.
struct AuditCheckpoint: Codable, Sendable, Equatable {
    var sequence: Int64
    var headHash: String
    var signature: String
    var publicKey: String
    var signedAt: Date

    enum CodingKeys: String, CodingKey {
        case sequence
        case headHash = "head_hash"
        case signature
        case publicKey = "public_key"
        case signedAt = "signed_at"
    }

    var headHashBytes: Data? { Data(hex: headHash) }
}

enum AuditCheckpoints {
    /// Signs the current head, stores the checkpoint, and appends it to `exportFile`.
    static func create(_ app: Application, signer: CheckpointSigner, exportFile: String) async throws -> AuditCheckpoint {
        let now = app.rapport.now
        let checkpoint: AuditCheckpoint = try await app.rapport.transactions.run(on: app.db) { db in
            // Through the writer: inside a batch, the head of the entries appended before this job counts.
            let head = try await AuditWriter.head(on: db)
            let signature = signer.sign(sequence: head.sequence, headHash: head.hash)
            let row = AuditCheckpointRow()
            row.sequence = head.sequence
            row.headHash = head.hash
            row.signature = signature
            row.publicKey = signer.publicKey
            row.signedAtMilliseconds = Int64(now.timeIntervalSince1970 * 1000)
            try await row.create(on: db)
            return AuditCheckpoint(sequence: head.sequence, headHash: head.hash.hexString, signature: signature.base64EncodedString(),
                                   publicKey: signer.publicKey.base64EncodedString(), signedAt: now)
        }
        try append(checkpoint, to: exportFile)
        return checkpoint
    }

    static func encoder() -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }

    /// Opened with O_APPEND so each line lands whole at the end even when two checkpoints are taken at once (the
    /// scheduler and `rapport audit checkpoint`): seeking to the end and then writing let one line overwrite another.
    private static func append(_ checkpoint: AuditCheckpoint, to path: String) throws {
        let line = try encoder().encode(checkpoint) + Data("\n".utf8)
        try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        let descriptor = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else {
            throw ConfigurationError(message: "Could not open the checkpoint file at \(path) to add to it.")
        }
        defer { close(descriptor) }
        let written = line.withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
        guard written == line.count, fsync(descriptor) == 0 else {
            throw ConfigurationError(message: "Could not write the checkpoint to \(path).")
        }
    }

    /// Checkpoints from the export file; a line that cannot be read is reported, never skipped.
    static func read(from path: String) throws -> [AuditCheckpoint] {
        guard FileManager.default.fileExists(atPath: path) else { return [] }
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        let text = try String(contentsOfFile: path, encoding: .utf8)
        return try text.split(separator: "\n").enumerated().map { number, line in
            do {
                return try decoder.decode(AuditCheckpoint.self, from: Data(line.utf8))
            } catch {
                throw ConfigurationError(message: "Line \(number + 1) of \(path) is not a checkpoint.")
            }
        }
    }

    /// Every checkpoint, stored or exported, must carry a valid signature by the key beside the master key, and the
    /// entry it pins must still have the hash it had when signed.
    static func verify(_ checkpoints: [AuditCheckpoint], trustedPublicKey: Data?, on db: any Database) async throws -> AuditChain.Verification? {
        guard !checkpoints.isEmpty else { return nil }
        guard let trustedPublicKey else {
            return .broken(sequence: checkpoints[0].sequence,
                           reason: "there are signed checkpoints but the checkpoint signing key beside the master key is missing")
        }
        for checkpoint in checkpoints.sorted(by: { $0.sequence < $1.sequence }) {
            guard let hash = checkpoint.headHashBytes, let signature = Data(base64Encoded: checkpoint.signature),
                  CheckpointSigner.isValid(signature: signature, sequence: checkpoint.sequence, headHash: hash, publicKey: trustedPublicKey)
            else {
                return .broken(sequence: checkpoint.sequence,
                               reason: "the checkpoint for entry \(checkpoint.sequence) is not signed by this server's checkpoint key")
            }
            if checkpoint.sequence == 0 { continue }
            guard let entry = try await AuditEntryRow.query(on: db).filter(\.$sequence == checkpoint.sequence).first() else {
                return .broken(sequence: checkpoint.sequence, reason: "entry \(checkpoint.sequence), pinned by a signed checkpoint, is missing")
            }
            guard entry.hash == hash else {
                return .broken(sequence: checkpoint.sequence,
                               reason: "entry \(checkpoint.sequence) no longer matches the checkpoint signed at \(checkpoint.signedAt.formatted(.iso8601)): the trail was rewritten")
            }
        }
        return nil
    }

    static func stored(on db: any Database) async throws -> [AuditCheckpoint] {
        try await AuditCheckpointRow.query(on: db).sort(\.$sequence).all().map { row in
            AuditCheckpoint(sequence: row.sequence, headHash: row.headHash.hexString, signature: row.signature.base64EncodedString(),
                            publicKey: row.publicKey.base64EncodedString(),
                            signedAt: Date(timeIntervalSince1970: Double(row.signedAtMilliseconds) / 1000))
        }
    }
}

extension Data {
    var hexString: String { map { String(format: "%02x", $0) }.joined() }

    init?(hex: String) {
        guard hex.count.isMultiple(of: 2) else { return nil }
        var bytes = [UInt8]()
        var index = hex.startIndex
        while index < hex.endIndex {
            let next = hex.index(index, offsetBy: 2)
            guard let byte = UInt8(hex[index..<next], radix: 16) else { return nil }
            bytes.append(byte)
            index = next
        }
        self.init(bytes)
    }
}

extension AuditCheckpoints {
    /// When a checkpoint key exists, its checkpoint file must exist and reach the newest checkpoint stored in the
    /// database; otherwise whoever rewrote the trail may also have removed or rolled back the file (issue 7).
    static func exportProblem(_ file: String, on db: any Database) async throws -> AuditChain.Verification? {
        let newestStored = try await AuditCheckpointRow.query(on: db).sort(\.$sequence, .descending).first()?.sequence
        guard FileManager.default.fileExists(atPath: file) else {
            return .broken(sequence: newestStored ?? 0, reason: """
                a checkpoint signing key exists, but its checkpoint file \(file) is missing: restore it from the copies \
                kept away from the server (or name it with --checkpoints)
                """)
        }
        let newestExported = try read(from: file).map(\.sequence).max()
        if let newestStored, (newestExported ?? -1) < newestStored {
            return .broken(sequence: newestStored, reason: """
                the checkpoint file \(file) ends \(newestExported.map { "at entry \($0)" } ?? "empty"), older than the newest \
                checkpoint in the database (entry \(newestStored)): the file was replaced by an older copy
                """)
        }
        return nil
    }
}

/// Signs audit checkpoints while the server runs, so the trail is pinned without anyone remembering to (issue 7):
/// once at start, then whenever the trail has grown by `checkpointEveryEntries` entries, or `checkpointInterval`
/// has passed with new entries. The head is looked at every few seconds; each checkpoint is appended to the
/// checkpoint file and stored in the database.
final class CheckpointScheduler: LifecycleHandler, Sendable {
    let signer: CheckpointSigner
    let file: String
    let interval: TimeInterval
    let everyEntries: Int64
    static let pollSeconds = 5
    private let loop = NIOLockedValueBox<Task<Void, Never>?>(nil)

    init(signer: CheckpointSigner, file: String, interval: TimeInterval, everyEntries: Int) {
        self.signer = signer
        self.file = file
        self.interval = interval
        self.everyEntries = Int64(max(everyEntries, 1))
    }

    /// Refuses to start when the database has checkpoints that this server's key could not have signed: a missing or
    /// replaced key file would otherwise start a new, unverifiable series.
    static func prepare(_ configuration: RapportConfiguration, on db: any Database) async throws -> CheckpointScheduler {
        let keyFile = configuration.checkpointKeyFile
        let stored = try await AuditCheckpointRow.query(on: db).sort(\.$sequence, .descending).first()
        if stored != nil, !FileManager.default.fileExists(atPath: keyFile) {
            throw ConfigurationError(message: """
                The audit trail has signed checkpoints, but their signing key \(keyFile) is missing. Restore it from your \
                backup of the keys folder; Rapport will not start a new series of checkpoints that could not be checked \
                against the old one.
                """)
        }
        let signer = try CheckpointSigner.loadOrCreate(at: keyFile)
        if let stored, stored.publicKey != signer.publicKey {
            throw ConfigurationError(message: """
                The checkpoint key \(keyFile) did not sign this database's checkpoints: it belongs to another \
                installation. Put back the key made with this database.
                """)
        }
        return CheckpointScheduler(signer: signer, file: configuration.checkpointFile, interval: configuration.checkpointInterval,
                                   everyEntries: configuration.checkpointEveryEntries)
    }

    func didBootAsync(_ application: Application) async throws {
        try await signIfDue(application, atStart: true)
        let task = Task { [self] in
            while !Task.isCancelled {
                try? await Task.sleep(for: .seconds(Self.pollSeconds))
                if Task.isCancelled { break }
                do {
                    try await signIfDue(application, atStart: false)
                } catch {
                    application.logger.error("automatic audit checkpoint failed", metadata: ["error": "\(String(reflecting: type(of: error)))"])
                }
            }
        }
        loop.withLockedValue { $0 = task }
    }

    func shutdownAsync(_ application: Application) async {
        loop.withLockedValue { $0?.cancel() }
    }

    /// Signs a checkpoint when one is due; returns whether it did.
    @discardableResult
    func signIfDue(_ app: Application, atStart: Bool) async throws -> Bool {
        guard let head = try await AuditHeadRow.find(AuditHeadRow.singletonID, on: app.db) else { throw AuditTrailError.headMissing }
        let last = try await AuditCheckpointRow.query(on: app.db).sort(\.$sequence, .descending).first()
        let grown = head.sequence - (last?.sequence ?? 0)
        let age = last.map { app.rapport.now.timeIntervalSince1970 - Double($0.signedAtMilliseconds) / 1000 } ?? .infinity
        let due = atStart || grown >= everyEntries || (grown > 0 && age >= interval)
        guard due else { return false }
        _ = try await AuditCheckpoints.create(app, signer: signer, exportFile: file)
        return true
    }
}
