import Foundation
import RapportVault

/// A vault over a fresh random master key, for tests that do not care which key it is.
func makeVault() throws -> Vault {
    try Vault(masterKey: MasterKey(rawBytes: Data((0..<32).map { _ in UInt8.random(in: 0...255) })))
}

/// A new empty directory under the system temporary directory; removed by the caller with `removeItem`.
func makeTemporaryDirectory() throws -> String {
    let path = NSTemporaryDirectory() + "rapport-vault-tests-" + UUID().uuidString.lowercased()
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    return path
}

/// Permission bits of a file or directory (e.g. 0o600).
func permissions(of path: String) throws -> Int {
    let attributes = try FileManager.default.attributesOfItem(atPath: path)
    return (attributes[.posixPermissions] as? NSNumber)?.intValue ?? -1
}

func setPermissions(_ mode: Int, of path: String) throws {
    try FileManager.default.setAttributes([.posixPermissions: mode], ofItemAtPath: path)
}

extension Data {
    init(hex: String) {
        var bytes: [UInt8] = []
        var index = hex.startIndex
        while index < hex.endIndex {
            let next = hex.index(index, offsetBy: 2)
            bytes.append(UInt8(hex[index..<next], radix: 16)!)
            index = next
        }
        self.init(bytes)
    }
}
