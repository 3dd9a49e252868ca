import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Reading and creating the small secret files that hold the master key and the checkpoint signing key.
///
/// The rules (SECURITY.md, "Keys"): the file holds exactly the raw key bytes; it must be readable by its owner
/// only (mode 0600 or stricter), and a file that group or others could read is refused rather than used, because a
/// key that has leaked protects nothing. A new file is written completely to a temporary name and then linked into
/// place, so a crash never leaves a half-written key and two processes starting at once never end up with two
/// different keys.
enum KeyFile {
    /// Permission bits that must be clear: any access for group or others.
    static let groupAndOtherBits: mode_t = 0o077

    /// Reads a key file that must exist and hold exactly `byteCount` bytes.
    static func load(at path: String, byteCount: Int) throws -> Data {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else {
            let code = errno
            if code == ENOENT { throw VaultError.masterKeyMissing(path: path) }
            throw VaultError.keyFileUnavailable(path: path, reason: Self.explain(code))
        }
        defer { close(descriptor) }

        // fstat on the open descriptor, so the file checked is the file read (no swap between check and use).
        var status = stat()
        guard fstat(descriptor, &status) == 0 else {
            throw VaultError.keyFileUnavailable(path: path, reason: Self.explain(errno))
        }
        guard (status.st_mode & S_IFMT) == S_IFREG else {
            throw VaultError.masterKeyInvalid(reason: "\(path) is not a regular file")
        }
        let permissionBits = status.st_mode & 0o7777
        guard permissionBits & groupAndOtherBits == 0 else {
            throw VaultError.masterKeyPermissionsTooOpen(path: path, mode: UInt16(permissionBits))
        }
        guard status.st_size == byteCount else {
            throw VaultError.masterKeyInvalid(reason: "\(path) holds \(status.st_size) bytes; a key is exactly \(byteCount) bytes")
        }

        var buffer = [UInt8](repeating: 0, count: byteCount)
        var filled = 0
        while filled < byteCount {
            let count = buffer.withUnsafeMutableBytes { raw in
                read(descriptor, raw.baseAddress! + filled, byteCount - filled)
            }
            if count < 0 && errno == EINTR { continue }
            guard count > 0 else {
                throw VaultError.keyFileUnavailable(path: path, reason: count == 0 ? "file shrank while reading" : Self.explain(errno))
            }
            filled += count
        }
        return Data(buffer)
    }

    /// Loads the key file at `path`, creating it with `makeKey()` if it does not exist.
    static func loadOrCreate(at path: String, byteCount: Int, makeKey: () -> Data) throws -> Data {
        do {
            return try load(at: path, byteCount: byteCount)
        } catch VaultError.masterKeyMissing {
            let key = makeKey()
            precondition(key.count == byteCount, "a generated key must have the expected length")
            if try create(at: path, contents: key) {
                return key
            }
            // Another process created the file between our read and our link: use theirs, never overwrite it.
            return try load(at: path, byteCount: byteCount)
        }
    }

    /// Writes `contents` to a new file at `path` with mode 0600. Returns false if a file already exists there
    /// (the existing file is left untouched).
    static func create(at path: String, contents: Data) throws -> Bool {
        let directory = (path as NSString).deletingLastPathComponent
        let folder = directory.isEmpty ? "." : directory
        do {
            try FileManager.default.createDirectory(
                atPath: folder, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        } catch {
            throw VaultError.keyFileUnavailable(path: path, reason: "cannot create the folder \(folder)")
        }

        let temporaryPath = "\(path).tmp-\(SecureToken.generate(byteCount: 16))"
        let descriptor = open(temporaryPath, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode_t(0o600))
        guard descriptor >= 0 else {
            throw VaultError.keyFileUnavailable(path: path, reason: Self.explain(errno))
        }
        // The temporary name never outlives this function: after a successful link it is a second name for the
        // key, after a failure it is a partial file.
        defer { unlink(temporaryPath) }

        do {
            try writeAll(contents, to: descriptor, path: path)
            // open() applied the umask, which can only remove bits; fchmod makes the mode exactly 0600 anyway.
            guard fchmod(descriptor, 0o600) == 0, fsync(descriptor) == 0 else {
                throw VaultError.keyFileUnavailable(path: path, reason: Self.explain(errno))
            }
        } catch {
            close(descriptor)
            throw error
        }
        close(descriptor)

        // link() fails with EEXIST instead of replacing, unlike rename(): an existing key is never clobbered.
        guard link(temporaryPath, path) == 0 else {
            let code = errno
            if code == EEXIST { return false }
            throw VaultError.keyFileUnavailable(path: path, reason: Self.explain(code))
        }
        syncDirectory(folder)
        return true
    }

    private static func writeAll(_ contents: Data, to descriptor: Int32, path: String) throws {
        let bytes = [UInt8](contents)
        var written = 0
        while written < bytes.count {
            let count = bytes.withUnsafeBytes { raw in
                write(descriptor, raw.baseAddress! + written, bytes.count - written)
            }
            if count < 0 && errno == EINTR { continue }
            guard count > 0 else { throw VaultError.keyFileUnavailable(path: path, reason: Self.explain(errno)) }
            written += count
        }
    }

    /// Makes the new directory entry durable, so a power cut right after start-up cannot lose the key that data
    /// was just encrypted under. Best effort: some file systems do not support syncing a directory.
    private static func syncDirectory(_ folder: String) {
        let descriptor = open(folder, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { return }
        _ = fsync(descriptor)
        close(descriptor)
    }

    private static func explain(_ code: Int32) -> String {
        String(cString: strerror(code))
    }
}
