public import Foundation

/// Builds byte strings that can be parsed back in exactly one way, for hashing, MACs and additional
/// authenticated data.
///
/// Why: concatenating fields naively is ambiguous (`"ab" + "c"` and `"a" + "bc"` give the same bytes), which would
/// let two different records share one hash or one AAD. Here every variable-length field carries a 4-byte
/// big-endian length, integers have a fixed width, and an optional field starts with a presence byte so that
/// `nil` and `""` differ.
extension UUID {
    /// Exactly `uuidString.lowercased()`, built from the 16 bytes without `printf`: every sealed field's authenticated
    /// data holds two UUIDs, so on a caseload of 100 the formatting alone was a tenth of the request's CPU (perf).
    public var lowercasedText: String {
        var text: [UInt8] = []
        text.reserveCapacity(36)
        appendLowercasedText(to: &text)
        return String(decoding: text, as: UTF8.self)
    }

    func appendLowercasedText(to data: inout [UInt8]) {
        // Into 36 bytes on the stack, then one append: appending byte by byte showed up in profiles too.
        var text: (UInt64, UInt64, UInt64, UInt64, UInt32) = (0, 0, 0, 0, 0)
        withUnsafeMutableBytes(of: &text) { out in
            withUnsafeBytes(of: uuid) { raw in
                var position = 0
                for (index, byte) in raw.enumerated() {
                    if index == 4 || index == 6 || index == 8 || index == 10 {
                        out[position] = UInt8(ascii: "-")
                        position += 1
                    }
                    out[position] = Self.hexDigit(byte >> 4)
                    out[position + 1] = Self.hexDigit(byte & 0x0f)
                    position += 2
                }
            }
            data.append(contentsOf: out.prefix(36))
        }
    }

    private static func hexDigit(_ nibble: UInt8) -> UInt8 {
        nibble < 10 ? UInt8(ascii: "0") + nibble : UInt8(ascii: "a") + nibble - 10
    }

    /// Parses the 36-character form (either case) without `sscanf`, which Foundation's `UUID(uuidString:)` uses and
    /// which showed up in a caseload's profile (SQLite hands ids back as text). Anything else: nil.
    public init?(canonicalText text: String) {
        let utf8 = text.utf8
        guard utf8.count == 36 else { return nil }
        var bytes: uuid_t = (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        let parsed: Bool = withUnsafeMutableBytes(of: &bytes) { out in
            var byteIndex = 0
            var high: UInt8?
            for (position, character) in utf8.enumerated() {
                if position == 8 || position == 13 || position == 18 || position == 23 {
                    guard character == UInt8(ascii: "-") else { return false }
                    continue
                }
                let value: UInt8
                switch character {
                case UInt8(ascii: "0")...UInt8(ascii: "9"): value = character - UInt8(ascii: "0")
                case UInt8(ascii: "a")...UInt8(ascii: "f"): value = character - UInt8(ascii: "a") + 10
                case UInt8(ascii: "A")...UInt8(ascii: "F"): value = character - UInt8(ascii: "A") + 10
                default: return false
                }
                if let first = high {
                    out[byteIndex] = first << 4 | value
                    byteIndex += 1
                    high = nil
                } else {
                    high = value
                }
            }
            return byteIndex == 16
        }
        guard parsed else { return nil }
        self.init(uuid: bytes)
    }
}

struct CanonicalWriter {
    // Built in an array and handed out as `Data` once: appending piece by piece to `Data` (which changes its
    // representation as it grows) was most of the cost of a sealed field's authenticated data, itself a tenth of a
    // caseload page's time (perf record under `scripts/bench --at-size`). The bytes are the same.
    private var buffer: [UInt8] = []

    var bytes: Data { Data(buffer) }

    /// Starts the encoding with a versioned domain tag (e.g. "rapport-audit-v1") so encodings made for one purpose
    /// can never be mistaken for encodings made for another.
    init(domain: String) {
        buffer.reserveCapacity(160)
        append(domain)
    }

    mutating func append(_ string: String) {
        var string = string
        string.withUTF8 { utf8 in
            appendFixedWidth(UInt32(utf8.count))
            buffer.append(contentsOf: utf8)
        }
    }

    mutating func append(_ data: Data) {
        appendFixedWidth(UInt32(data.count))
        buffer.append(contentsOf: data)
    }

    mutating func append(_ uuid: UUID) {
        // Lowercase text, because databases and JSON disagree on UUID case but never on lowercased text.
        appendFixedWidth(UInt32(36))
        uuid.appendLowercasedText(to: &buffer)
    }

    mutating func append(_ integer: Int64) {
        appendFixedWidth(UInt64(bitPattern: integer))
    }

    mutating func appendOptional(_ string: String?) {
        guard let string else { return buffer.append(0) }
        buffer.append(1)
        append(string)
    }

    mutating func appendOptional(_ uuid: UUID?) {
        guard let uuid else { return buffer.append(0) }
        buffer.append(1)
        append(uuid)
    }

    private mutating func appendFixedWidth<Integer: FixedWidthInteger>(_ value: Integer) {
        withUnsafeBytes(of: value.bigEndian) { buffer.append(contentsOf: $0) }
    }
}
