import Fluent
import Foundation
import NIOConcurrencyHelpers
import RapportVault
import SQLKit

/// The server's master keys (issue 12, point 6). A running server must keep serving while `rapport keys
/// rotate-master` re-wraps every practice key under a new master key: when it meets a wrap under a master version it
/// does not know, it reads the key files beside its master key (the next key of the rotation, or the current one once
/// the rotation has put it in place) and keeps whichever opens that wrap.
final class MasterKeyRing: Sendable {
    private let current: NIOLockedValueBox<Vault>
    /// Where the master key is; its next and retired keys sit beside it. Nil: never look for another key (tests).
    let masterKeyFile: String?

    init(vault: Vault, masterKeyFile: String?) {
        current = NIOLockedValueBox(vault)
        self.masterKeyFile = masterKeyFile
    }

    var vault: Vault { current.withLockedValue { $0 } }

    /// Learns the master key that wrapped `wrapped` from the key files, testing each candidate with `opens`.
    /// Throws `VaultError.wrongKey` if none of them opens it.
    func learn(masterOf wrapped: Data, opens: (Vault) throws -> Void) throws {
        guard let masterKeyFile else { throw VaultError.wrongKey }
        let version = try Vault.masterVersion(ofWrapped: wrapped)
        for candidate in try Self.keyFiles(beside: masterKeyFile) {
            guard (try? opens(Vault(masterKey: candidate, version: version))) != nil else { continue }
            try current.withLockedValue { $0 = try $0.adding(candidate, version: version) }
            return
        }
        throw VaultError.wrongKey
    }

    /// Learns the newest master key if the database says a rotation has moved past the one this server wraps with.
    func catchUp(on db: any Database) async throws {
        guard let state = try await Self.state(on: db), state.masterVersion > vault.masterVersion else { return }
        try learn(masterOf: state.wrappedIndexRoot) { _ = try $0.openingIndexRoot(state.wrappedIndexRoot) }
    }

    // MARK: Files

    /// The next key of a rotation.
    static func nextKeyFile(_ masterKeyFile: String) -> String { masterKeyFile + ".next" }

    /// Where a rotation keeps the key it replaced, until the operator destroys it.
    static func retiredKeyFile(_ masterKeyFile: String, version: Int) -> String { masterKeyFile + ".retired-v\(version)" }

    /// Every master key file there is beside `masterKeyFile`: the current one, the next one, and retired ones.
    static func keyFiles(beside masterKeyFile: String) throws -> [MasterKey] {
        let folder = (masterKeyFile as NSString).deletingLastPathComponent
        let retiredPrefix = (masterKeyFile as NSString).lastPathComponent + ".retired-v"
        let retired = ((try? FileManager.default.contentsOfDirectory(atPath: folder.isEmpty ? "." : folder)) ?? [])
            .filter { $0.hasPrefix(retiredPrefix) && Int($0.dropFirst(retiredPrefix.count)) != nil }
            .sorted()
            .map { (folder as NSString).appendingPathComponent($0) }
        return try ([masterKeyFile, nextKeyFile(masterKeyFile)] + retired).compactMap { path in
            do { return try MasterKey.load(from: path) } catch VaultError.masterKeyMissing { return nil }
        }
    }

    // MARK: What the database holds under the master key

    /// The wraps a master key opens: every practice key, and after a first rotation the index root.
    struct StoredWraps: Sendable {
        var practiceKeys: [(practiceID: UUID, version: Int, wrapped: Data)]
        var state: State?
        var isEmpty: Bool { practiceKeys.isEmpty && state == nil }
    }

    /// The `vault_state` row, written by the first master-key rotation.
    struct State: Sendable {
        let masterVersion: Int
        let wrappedIndexRoot: Data
    }

    static func state(on db: any Database) async throws -> State? {
        guard let row = try await HotPaths.sql(db).raw("""
            SELECT "master_version", "wrapped_index_root" FROM "vault_state" ORDER BY "master_version" DESC LIMIT 1
            """).first() else { return nil }
        return State(masterVersion: try row.decode(column: "master_version", as: Int.self),
                     wrappedIndexRoot: try row.decode(column: "wrapped_index_root", as: Data.self))
    }

    static func storedWraps(on db: any Database) async throws -> StoredWraps {
        let rows = try await HotPaths.sql(db).raw("""
            SELECT "practice_id", "version", "wrapped_key" FROM "practice_keys" ORDER BY "created_at", "version"
            """).all()
        return StoredWraps(
            practiceKeys: try rows.map {
                (try $0.decode(column: "practice_id", as: UUID.self), try $0.decode(column: "version", as: Int.self),
                 try $0.decode(column: "wrapped_key", as: Data.self))
            },
            state: try await state(on: db))
    }

    /// Which master version could not be opened by any candidate, and whether some other version was.
    struct Unopened: Error {
        let version: Int
        let openedAny: Bool
    }

    /// One way to test a master key against each master version the wraps name.
    private static func samples(_ wraps: StoredWraps) throws -> [Int: (Vault) throws -> Void] {
        var samples: [Int: (Vault) throws -> Void] = [:]
        for key in wraps.practiceKeys {
            let version = try Vault.masterVersion(ofWrapped: key.wrapped)
            if samples[version] == nil {
                samples[version] = { _ = try $0.unwrapPracticeKey(practiceID: key.practiceID, version: key.version, wrapped: key.wrapped) }
            }
        }
        if let root = wraps.state?.wrappedIndexRoot {
            samples[try Vault.masterVersion(ofWrapped: root)] = { _ = try $0.openingIndexRoot(root) }
        }
        return samples
    }

    /// The master versions the wraps name.
    static func versions(in wraps: StoredWraps) throws -> Set<Int> {
        Set(try samples(wraps).keys)
    }

    /// The master version `key` opens among the wraps, or nil if it opens none of them.
    static func version(of key: MasterKey, in wraps: StoredWraps) throws -> Int? {
        try samples(wraps).first { version, opens in
            (try? opens(Vault(masterKey: key, version: version))) != nil
        }?.key
    }

    /// A vault knowing, for every master version the database's wraps name, the candidate that opens them, with the
    /// index root opened if the database keeps one.
    static func vault(opening wraps: StoredWraps, with candidates: [MasterKey]) throws -> Vault {
        let samples = try samples(wraps)
        var vault: Vault?
        var unopened: Int?
        for (version, opens) in samples.sorted(by: { $0.key < $1.key }) {
            guard let key = candidates.first(where: { candidate in
                (try? opens(Vault(masterKey: candidate, version: version))) != nil
            }) else {
                unopened = unopened ?? version
                continue
            }
            vault = try vault?.adding(key, version: version) ?? Vault(masterKey: key, version: version)
        }
        guard let vault, unopened == nil else { throw Unopened(version: unopened ?? 0, openedAny: vault != nil) }
        if let root = wraps.state?.wrappedIndexRoot { return try vault.openingIndexRoot(root) }
        return vault
    }
}
