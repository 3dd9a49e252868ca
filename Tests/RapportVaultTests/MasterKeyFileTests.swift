import Foundation
import RapportVault
import Testing

@Suite("Master key file")
struct MasterKeyFileTests {
    @Test("loadOrCreate creates folders 0700 and a 32-byte key file 0600, then loads the same key")
    func createsThenLoads() throws {
        let root = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let path = root + "/data/keys/master.key"

        let created = Vault(masterKey: try MasterKey.loadOrCreate(at: path))
        #expect(try permissions(of: path) == 0o600)
        #expect(try permissions(of: root + "/data/keys") == 0o700)
        #expect(try permissions(of: root + "/data") == 0o700)
        #expect(FileManager.default.contents(atPath: path)?.count == 32)
        // Nothing but the key is left in the folder (no temporary file).
        #expect(try FileManager.default.contentsOfDirectory(atPath: root + "/data/keys") == ["master.key"])

        let practiceID = UUID()
        let wrapped = try created.newPracticeKey(practiceID: practiceID, version: 1).wrapped
        let reloaded = Vault(masterKey: try MasterKey.loadOrCreate(at: path))
        let viaLoad = Vault(masterKey: try MasterKey.load(from: path))
        _ = try reloaded.unwrapPracticeKey(practiceID: practiceID, version: 1, wrapped: wrapped)
        _ = try viaLoad.unwrapPracticeKey(practiceID: practiceID, version: 1, wrapped: wrapped)
    }

    @Test("The key file holds the raw key bytes")
    func fileHoldsRawBytes() throws {
        let root = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let path = root + "/master.key"
        let bytes = Data((0..<32).map { UInt8($0) })
        #expect(FileManager.default.createFile(atPath: path, contents: bytes, attributes: [.posixPermissions: 0o600]))

        let fromFile = Vault(masterKey: try MasterKey.load(from: path))
        let fromBytes = Vault(masterKey: try MasterKey(rawBytes: bytes))
        #expect(fromFile.blindIndex("x", purpose: "p") == fromBytes.blindIndex("x", purpose: "p"))
    }

    @Test("A key file readable by group or others is refused", arguments: [0o644, 0o640, 0o604, 0o660, 0o601])
    func refusesOpenPermissions(mode: Int) throws {
        let root = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let path = root + "/master.key"
        _ = try MasterKey.loadOrCreate(at: path)
        try setPermissions(mode, of: path)

        #expect(throws: VaultError.masterKeyPermissionsTooOpen(path: path, mode: UInt16(mode))) {
            try MasterKey.loadOrCreate(at: path)
        }
        #expect(throws: VaultError.masterKeyPermissionsTooOpen(path: path, mode: UInt16(mode))) {
            try MasterKey.load(from: path)
        }
        // Refusing must not replace the key with a new one.
        try setPermissions(0o600, of: path)
        #expect(FileManager.default.contents(atPath: path)?.count == 32)
    }

    @Test("Owner-only modes stricter than 0600 are accepted", arguments: [0o400, 0o600])
    func acceptsStrictPermissions(mode: Int) throws {
        let root = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let path = root + "/master.key"
        let original = Vault(masterKey: try MasterKey.loadOrCreate(at: path))
        try setPermissions(mode, of: path)
        let loaded = Vault(masterKey: try MasterKey.load(from: path))
        #expect(loaded.blindIndex("x", purpose: "p") == original.blindIndex("x", purpose: "p"))
    }

    @Test("A key file that is not 32 bytes is refused, and not overwritten", arguments: [0, 31, 33, 64])
    func refusesWrongLength(length: Int) throws {
        let root = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let path = root + "/master.key"
        let contents = Data(repeating: 0x41, count: length)
        #expect(FileManager.default.createFile(atPath: path, contents: contents, attributes: [.posixPermissions: 0o600]))

        #expect {
            try MasterKey.loadOrCreate(at: path)
        } throws: { error in
            guard case VaultError.masterKeyInvalid = error else { return false }
            return true
        }
        #expect(FileManager.default.contents(atPath: path) == contents)
    }

    @Test("load(from:) reports a missing file and does not create it")
    func loadDoesNotCreate() throws {
        let root = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let path = root + "/keys/master.key"
        #expect(throws: VaultError.masterKeyMissing(path: path)) {
            try MasterKey.load(from: path)
        }
        #expect(!FileManager.default.fileExists(atPath: path))
        #expect(!FileManager.default.fileExists(atPath: root + "/keys"))
    }

    @Test("A directory where the key file should be is refused")
    func refusesDirectory() throws {
        let root = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let path = root + "/master.key"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: false,
                                                attributes: [.posixPermissions: 0o700])
        #expect {
            try MasterKey.load(from: path)
        } throws: { error in
            guard case VaultError.masterKeyInvalid = error else { return false }
            return true
        }
    }

    @Test("Processes starting at once end up with one and the same key")
    func concurrentCreationAgrees() async throws {
        let root = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let path = root + "/keys/master.key"

        let indexes = try await withThrowingTaskGroup(of: Data.self) { group in
            for _ in 0..<16 {
                group.addTask {
                    Vault(masterKey: try MasterKey.loadOrCreate(at: path)).blindIndex("probe", purpose: "race")
                }
            }
            return try await group.reduce(into: [Data]()) { $0.append($1) }
        }
        #expect(indexes.count == 16)
        #expect(Set(indexes).count == 1)
        #expect(try FileManager.default.contentsOfDirectory(atPath: root + "/keys") == ["master.key"])
    }

    @Test("Raw key bytes must be exactly 32", arguments: [0, 16, 31, 33])
    func rawBytesLength(length: Int) {
        #expect {
            try MasterKey(rawBytes: Data(count: length))
        } throws: { error in
            guard case VaultError.masterKeyInvalid = error else { return false }
            return true
        }
    }
}
