import Foundation

/// Keys describe themselves without their key material, so a key that ends up in a log line, a `dump`, a test
/// failure message or a debugger print shows which key it is and never what it is.
extension MasterKey: CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    public var description: String { "MasterKey(<redacted>)" }
    public var debugDescription: String { description }
    public var customMirror: Mirror { Mirror(self, children: [], displayStyle: .struct) }
}

extension PracticeKey: CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    public var description: String {
        "PracticeKey(practiceID: \(practiceID.uuidString.lowercased()), version: \(version), key: <redacted>)"
    }
    public var debugDescription: String { description }
    public var customMirror: Mirror {
        Mirror(self, children: ["practiceID": practiceID, "version": version], displayStyle: .struct)
    }
}

extension ClientDataKey: CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    public var description: String {
        "ClientDataKey(clientID: \(clientID.uuidString.lowercased()), version: \(version), key: <redacted>)"
    }
    public var debugDescription: String { description }
    public var customMirror: Mirror {
        Mirror(self, children: ["clientID": clientID, "version": version], displayStyle: .struct)
    }
}

extension Vault: CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    public var description: String { "Vault(<redacted>)" }
    public var debugDescription: String { description }
    public var customMirror: Mirror { Mirror(self, children: [], displayStyle: .struct) }
}

extension CheckpointSigner: CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    public var description: String { "CheckpointSigner(publicKey: \(publicKey.base64EncodedString()))" }
    public var debugDescription: String { description }
    public var customMirror: Mirror { Mirror(self, children: ["publicKey": publicKey], displayStyle: .struct) }
}
