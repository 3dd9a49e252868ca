public import Foundation
import Crypto

/// Which level of the key hierarchy sealed an envelope. Stored as byte 1 of every envelope.
public enum KeyKind: UInt8, Sendable, Equatable {
    case master = 1
    case practice = 2
    case client = 3
}

/// The readable header of a vault envelope, for tools that need to know which key sealed a value without opening
/// it (for example the re-encryption command, which looks for values still sealed under an old key version).
///
/// ## Envelope format, version 1
///
/// ```
/// offset  length  content
///      0       1  format version (1)
///      1       1  key kind: 1 master, 2 practice, 3 client (`KeyKind`)
///      2       4  key version, UInt32 big-endian
///      6      12  random nonce
///     18       n  AES-256-GCM ciphertext (n = plaintext length)
///   18+n      16  GCM authentication tag
/// ```
///
/// The additional authenticated data is the 6 header bytes followed by a canonical, length-prefixed encoding of
/// where the value lives (`FieldContext`, or the identity of a wrapped key). So changing the header, or moving the
/// value to another table, column, row or subject, makes the tag check fail: a value cannot be swapped into
/// another client's record. The header is authenticated but readable, so the right key can be chosen first, and
/// a key of the wrong kind or version is reported as `VaultError.wrongKey` rather than as a failed tag.
public struct EnvelopeHeader: Sendable, Equatable {
    /// The only format this module writes.
    public static let currentFormatVersion: UInt8 = 1
    static let byteCount = 6
    static let nonceByteCount = 12
    static let tagByteCount = 16
    /// Smallest valid envelope: header, nonce and tag around an empty plaintext.
    static let minimumEnvelopeByteCount = byteCount + nonceByteCount + tagByteCount

    public let formatVersion: UInt8
    public let keyKind: KeyKind
    public let keyVersion: Int

    /// Reads the header of an envelope. Throws `VaultError.malformedEnvelope` if the bytes are too short to be an
    /// envelope, or carry an unknown format version or key kind. Says nothing about whether the rest is authentic.
    public init(parsing envelope: Data) throws {
        let bytes = [UInt8](envelope.prefix(Self.byteCount))
        guard envelope.count >= Self.minimumEnvelopeByteCount,
              bytes[0] == Self.currentFormatVersion,
              let kind = KeyKind(rawValue: bytes[1])
        else { throw VaultError.malformedEnvelope }
        formatVersion = bytes[0]
        keyKind = kind
        keyVersion = Int(bytes[2...5].reduce(UInt32(0)) { $0 << 8 | UInt32($1) })
    }

    init(keyKind: KeyKind, keyVersion: UInt32) {
        formatVersion = Self.currentFormatVersion
        self.keyKind = keyKind
        self.keyVersion = Int(keyVersion)
    }

    var encoded: Data {
        var data = Data([formatVersion, keyKind.rawValue])
        withUnsafeBytes(of: UInt32(keyVersion).bigEndian) { data.append(contentsOf: $0) }
        return data
    }
}

/// Sealing and opening of envelopes (format described on `EnvelopeHeader`).
enum Envelope {
    static func seal(
        _ plaintext: Data, key: SymmetricKey, kind: KeyKind, version: UInt32, context: Data
    ) throws -> Data {
        let header = EnvelopeHeader(keyKind: kind, keyVersion: version).encoded
        let nonce = AES.GCM.Nonce()
        let box = try AES.GCM.seal(plaintext, using: key, nonce: nonce, authenticating: header + context)
        var envelope = header
        envelope.append(contentsOf: nonce)
        envelope.append(box.ciphertext)
        envelope.append(box.tag)
        return envelope
    }

    static func open(
        _ envelope: Data, key: SymmetricKey, kind: KeyKind, version: UInt32, context: Data
    ) throws -> Data {
        let header = try EnvelopeHeader(parsing: envelope)
        guard header.keyKind == kind, header.keyVersion == Int(version) else { throw VaultError.wrongKey }

        let bytes = [UInt8](envelope)
        let nonceEnd = EnvelopeHeader.byteCount + EnvelopeHeader.nonceByteCount
        let tagStart = bytes.count - EnvelopeHeader.tagByteCount
        let box: AES.GCM.SealedBox
        do {
            box = try AES.GCM.SealedBox(
                nonce: AES.GCM.Nonce(data: bytes[EnvelopeHeader.byteCount..<nonceEnd]),
                ciphertext: bytes[nonceEnd..<tagStart],
                tag: bytes[tagStart...])
        } catch {
            throw VaultError.malformedEnvelope
        }
        do {
            return try AES.GCM.open(box, using: key, authenticating: header.encoded + context)
        } catch {
            throw VaultError.decryptionFailed
        }
    }
}

/// Key versions are `Int` in the API (what databases store) but four bytes in the envelope.
func envelopeVersion(_ version: Int) throws -> UInt32 {
    guard let narrowed = UInt32(exactly: version) else { throw VaultError.invalidKeyVersion(version) }
    return narrowed
}
