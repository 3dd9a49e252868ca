import Foundation
import Testing
@testable import RapportCore

/// The QR codes Rapport draws are read back by a real decoder (Debian's zbarimg, installed by scripts/test), so
/// "it looks like a QR code" is never mistaken for "a phone can scan it".
@Suite struct QRCodeTests {
    static let decoder = "/usr/bin/zbarimg"

    /// The code as a plain PBM image, four pixels a module, with its quiet zone.
    func pbm(_ code: QRCode) -> String {
        let scale = 4, quiet = 4
        let side = (code.size + 2 * quiet) * scale
        var rows: [String] = []
        for y in 0..<side {
            let row = y / scale - quiet
            rows.append((0..<side).map { x -> String in
                let column = x / scale - quiet
                let dark = (0..<code.size).contains(row) && (0..<code.size).contains(column) && code.modules[row][column]
                return dark ? "1" : "0"
            }.joined(separator: " "))
        }
        return "P1\n\(side) \(side)\n" + rows.joined(separator: "\n") + "\n"
    }

    func decode(_ code: QRCode) throws -> String {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("qr-\(UUID().uuidString).pbm")
        try pbm(code).write(to: file, atomically: true, encoding: .ascii)
        defer { try? FileManager.default.removeItem(at: file) }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: Self.decoder)
        process.arguments = ["--raw", "-q", "-Sdisable", "-Sqrcode.enable", file.path]
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        process.waitUntilExit()
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        return text.hasSuffix("\n") ? String(text.dropLast()) : text
    }

    @Test(arguments: [
        "A",
        "otpauth://totp/Rapport:tom%40example.org?secret=JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP&issuer=Rapport&algorithm=SHA1&digits=6&period=30",
        String(repeating: "rapport-", count: 26),
    ])
    func aRealDecoderReadsWhatWasEncoded(_ text: String) throws {
        try #require(FileManager.default.isExecutableFile(atPath: Self.decoder), "install Debian's zbar-tools (scripts/test does)")
        let code = try #require(QRCode(text))
        #expect(try decode(code) == text, "version \(code.version), mask \(code.mask)")
    }

    @Test func everyVersionFromOneToTenDecodes() throws {
        try #require(FileManager.default.isExecutableFile(atPath: Self.decoder), "install Debian's zbar-tools (scripts/test does)")
        // One text per version's capacity, so each version from 1 to 10 is drawn at least once.
        for length in [10, 20, 40, 60, 80, 100, 120, 150, 175, 210] {
            let text = String((0..<length).map { Character(UnicodeScalar(UInt8(97 + $0 % 26))) })
            let code = try #require(QRCode(text))
            #expect(try decode(code) == text, "length \(length): version \(code.version), mask \(code.mask)")
        }
    }

    @Test func tooLongForVersionTenIsRefusedNotTruncated() {
        #expect(QRCode(String(repeating: "x", count: 213)) != nil)
        #expect(QRCode(String(repeating: "x", count: 214)) == nil)
    }

    @Test func theSVGHasATitleAndNoScript() throws {
        let svg = try #require(QRCode("otpauth://totp/x")).svg(title: "Key for <Rapport> & you")
        #expect(svg.hasPrefix("<svg ") && svg.contains("<title id=\"qr-title\">Key for &lt;Rapport&gt; &amp; you</title>"))
        #expect(!svg.lowercased().contains("script"))
    }
}
