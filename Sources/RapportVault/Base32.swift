public import Foundation

/// RFC 4648 base32, the encoding authenticator apps use for TOTP secrets.
public enum Base32 {
    private static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567".utf8)

    /// Value of each alphabet byte, upper and lower case, for decoding.
    private static let values: [UInt8: UInt8] = {
        var table: [UInt8: UInt8] = [:]
        for (value, symbol) in alphabet.enumerated() {
            table[symbol] = UInt8(value)
            // Setting bit 0x20 lowercases an ASCII letter and leaves the digits 2-7 as they are.
            table[symbol | 0x20] = UInt8(value)
        }
        return table
    }()

    /// Encodes without '=' padding (authenticator apps do not need it and it looks odd to someone typing).
    public static func encode(_ data: Data) -> String {
        var output: [UInt8] = []
        output.reserveCapacity((data.count * 8 + 4) / 5)
        var buffer: UInt32 = 0
        var bitCount = 0
        for byte in data {
            buffer = buffer << 8 | UInt32(byte)
            bitCount += 8
            while bitCount >= 5 {
                bitCount -= 5
                output.append(alphabet[Int(buffer >> UInt32(bitCount) & 0x1F)])
            }
        }
        if bitCount > 0 {
            output.append(alphabet[Int(buffer << UInt32(5 - bitCount) & 0x1F)])
        }
        return String(decoding: output, as: UTF8.self)
    }

    /// Decodes what a person may type or paste: any case, with spaces, hyphens or line breaks between groups, with
    /// or without trailing '=' padding. Returns nil for anything else, including a length no encoder produces or
    /// non-zero unused bits at the end (so each byte string has exactly one accepted spelling, up to case and
    /// separators).
    public static func decode(_ string: String) -> Data? {
        var symbols = Array(string.utf8).filter { $0 != UInt8(ascii: " ") && $0 != UInt8(ascii: "-")
            && $0 != UInt8(ascii: "\t") && $0 != UInt8(ascii: "\n") && $0 != UInt8(ascii: "\r") }
        while symbols.last == UInt8(ascii: "=") {
            symbols.removeLast()
        }
        // 8 symbols carry 5 bytes; a final group of 1, 3 or 6 symbols cannot come from whole bytes.
        guard ![1, 3, 6].contains(symbols.count % 8) else { return nil }

        var output = Data()
        output.reserveCapacity(symbols.count * 5 / 8)
        var buffer: UInt32 = 0
        var bitCount = 0
        for symbol in symbols {
            guard let value = values[symbol] else { return nil }
            buffer = buffer << 5 | UInt32(value)
            bitCount += 5
            if bitCount >= 8 {
                bitCount -= 8
                output.append(UInt8(truncatingIfNeeded: buffer >> UInt32(bitCount)))
            }
        }
        guard buffer & ((1 << UInt32(bitCount)) - 1) == 0 else { return nil }
        return output
    }
}
