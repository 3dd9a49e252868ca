import Foundation
import RapportVault
import Testing

typealias AuditRow = (record: AuditRecord, previousHash: Data, hash: Data)

/// A well-formed chain of `count` entries, as the server would store it, and its head.
func makeChain(count: Int) -> (rows: [AuditRow], head: (sequence: Int64, hash: Data)) {
    var rows: [AuditRow] = []
    var previous = AuditChain.genesisHash
    for sequence in 1...Int64(count) {
        let record = AuditRecord(
            sequence: sequence,
            occurredAtMilliseconds: 1_700_000_000_000 + sequence * 1_000,
            actorID: sequence % 3 == 0 ? nil : UUID(),
            actorRole: sequence % 2 == 0 ? "therapist" : "owner",
            action: "client.record.read",
            clientID: UUID(),
            resourceType: "note",
            resourceID: sequence % 4 == 0 ? nil : "\(sequence)",
            outcome: sequence % 5 == 0 ? "denied" : "allowed")
        let hash = AuditChain.hash(previous: previous, record: record)
        rows.append((record, previous, hash))
        previous = hash
    }
    return (rows, (Int64(count), previous))
}

/// Recomputes every stored hash from the first row on, as an attacker with write access to the table could.
func rechained(_ rows: [AuditRow]) -> [AuditRow] {
    var previous = AuditChain.genesisHash
    return rows.map { row in
        let hash = AuditChain.hash(previous: previous, record: row.record)
        defer { previous = hash }
        return (row.record, previous, hash)
    }
}

@Suite("Audit hash chain")
struct AuditChainTests {
    @Test("A good chain of 20 entries verifies, with and without its head")
    func goodChain() {
        let (rows, head) = makeChain(count: 20)
        #expect(AuditChain.verify(rows, head: head) == .ok(count: 20))
        #expect(AuditChain.verify(rows, head: nil) == .ok(count: 20))
    }

    @Test("An empty trail verifies only if the head agrees that it is empty")
    func emptyChain() {
        #expect(AuditChain.verify([], head: nil) == .ok(count: 0))
        #expect(AuditChain.verify([], head: (0, AuditChain.genesisHash)) == .ok(count: 0))
        #expect(brokenSequence(AuditChain.verify([], head: (3, Data(count: 32)))) == 1)
    }

    @Test("Changing any field of entry 7 breaks the chain at 7", arguments: 0..<8)
    func changedField(field: Int) {
        var (rows, head) = makeChain(count: 20)
        var record = rows[6].record
        switch field {
        case 0: record.occurredAtMilliseconds += 1
        case 1: record.actorID = UUID()
        case 2: record.actorRole = "owner-x"
        case 3: record.action = "client.record.update"
        case 4: record.clientID = nil
        case 5: record.resourceType = "message"
        case 6: record.resourceID = record.resourceID == nil ? "" : nil
        default: record.outcome = "allowed-x"
        }
        rows[6].record = record
        #expect(brokenSequence(AuditChain.verify(rows, head: head)) == 7)
        head.hash = rows[19].hash
        #expect(brokenSequence(AuditChain.verify(rows, head: head)) == 7)
    }

    @Test("Recomputing the changed entry's hash moves the break to the next entry")
    func changedEntryRehashed() {
        var (rows, head) = makeChain(count: 20)
        rows[6].record.outcome = "denied"
        rows[6].hash = AuditChain.hash(previous: rows[6].previousHash, record: rows[6].record)
        #expect(brokenSequence(AuditChain.verify(rows, head: head)) == 8)
    }

    @Test("A stored previous hash that was changed breaks the chain at that entry")
    func changedPreviousHash() {
        var (rows, head) = makeChain(count: 20)
        rows[11].previousHash = rows[9].hash
        #expect(brokenSequence(AuditChain.verify(rows, head: head)) == 12)
    }

    @Test("Deleting an entry in the middle names the missing entry")
    func deletedMiddleEntry() {
        var (rows, head) = makeChain(count: 20)
        rows.remove(at: 9)
        let result = AuditChain.verify(rows, head: head)
        #expect(brokenSequence(result) == 10)
    }

    @Test("Deleting an entry and renumbering and rehashing the rest is caught by the head")
    func deletedAndRechained() {
        var (rows, head) = makeChain(count: 20)
        rows.remove(at: 9)
        for index in rows.indices { rows[index].record.sequence = Int64(index + 1) }
        rows = rechained(rows)
        #expect(AuditChain.verify(rows, head: nil) == .ok(count: 19))
        #expect(brokenSequence(AuditChain.verify(rows, head: head)) == 20)
        // Even if the head's sequence were lowered to match, its hash would not.
        head.sequence = 19
        #expect(brokenSequence(AuditChain.verify(rows, head: head)) == 19)
    }

    @Test("Deleting the last entries is caught by the head, and only by it")
    func deletedLastEntries() {
        let (rows, head) = makeChain(count: 20)
        let withoutLast = Array(rows.dropLast())
        #expect(AuditChain.verify(withoutLast, head: nil) == .ok(count: 19))
        #expect(brokenSequence(AuditChain.verify(withoutLast, head: head)) == 20)

        let withoutLastThree = Array(rows.dropLast(3))
        #expect(brokenSequence(AuditChain.verify(withoutLastThree, head: head)) == 18)
    }

    @Test("Entries after the recorded head, or a head hash that differs, are broken")
    func headMismatch() {
        let (rows, head) = makeChain(count: 20)
        #expect(brokenSequence(AuditChain.verify(rows, head: (18, rows[17].hash))) == 19)
        #expect(brokenSequence(AuditChain.verify(rows, head: (20, rows[18].hash))) == 20)
        #expect(AuditChain.verify(rows, head: head) == .ok(count: 20))
    }

    @Test("Two swapped entries break the chain at the first of them")
    func swappedEntries() {
        let (rows, head) = makeChain(count: 20)

        var swappedRows = rows
        swappedRows.swapAt(4, 5)
        #expect(brokenSequence(AuditChain.verify(swappedRows, head: head)) == 5)

        // Swapped contents with the sequence numbers kept in place.
        var swappedContents = rows
        swappedContents.swapAt(4, 5)
        swappedContents[4].record.sequence = 5
        swappedContents[5].record.sequence = 6
        #expect(brokenSequence(AuditChain.verify(swappedContents, head: head)) == 5)
    }

    @Test("The first entry must be sequence 1; duplicates are broken")
    func sequenceRules() {
        let (rows, head) = makeChain(count: 5)
        #expect(brokenSequence(AuditChain.verify(Array(rows.dropFirst()), head: head)) == 1)
        var duplicated = rows
        duplicated.insert(rows[2], at: 3)
        #expect(brokenSequence(AuditChain.verify(duplicated, head: head)) == 4)
    }

    @Test("Broken reasons name the problem without any record content")
    func reasons() {
        var (rows, head) = makeChain(count: 20)
        rows[6].record.resourceID = "secret-resource-42"
        guard case .broken(let sequence, let reason) = AuditChain.verify(rows, head: head) else {
            Issue.record("expected a broken chain")
            return
        }
        #expect(sequence == 7)
        #expect(reason.contains("7"))
        #expect(!reason.contains("secret-resource-42"))
    }

    // MARK: Canonical encoding

    static let fixedRecord = AuditRecord(
        sequence: 1, occurredAtMilliseconds: 1_700_000_000_123,
        actorID: UUID(uuidString: "6F1C2A4E-0000-4000-8000-000000000001"), actorRole: "therapist",
        action: "note.read", clientID: UUID(uuidString: "6F1C2A4E-0000-4000-8000-0000000000AA"),
        resourceType: "note", resourceID: nil, outcome: "allowed")

    @Test("The canonical encoding and hash are pinned (computed independently with Python)")
    func knownAnswer() {
        #expect(AuditChain.canonicalEncoding(Self.fixedRecord) == Data(hex:
            "00000010726170706f72742d61756469742d763100000000000000010000018bcfe5687b010000002436663163326134"
            + "652d303030302d343030302d383030302d30303030303030303030303100000009746865726170697374000000096e6f"
            + "74652e72656164010000002436663163326134652d303030302d343030302d383030302d303030303030303030306161"
            + "000000046e6f74650000000007616c6c6f776564"))
        #expect(AuditChain.hash(previous: AuditChain.genesisHash, record: Self.fixedRecord)
            == Data(hex: "099e06cee3330f4489f949b46da8a27d138f1a649f5f53a0224e744be3a2ddad"))
        #expect(AuditChain.genesisHash == Data(count: 32))
    }

    @Test("The encoding tells nil from empty, and field boundaries apart")
    func unambiguous() {
        var withEmpty = Self.fixedRecord
        withEmpty.resourceID = ""
        #expect(AuditChain.canonicalEncoding(withEmpty) != AuditChain.canonicalEncoding(Self.fixedRecord))

        var shifted = Self.fixedRecord
        shifted.actorRole = "therapistnote"
        shifted.action = ".read"
        var original = Self.fixedRecord
        original.actorRole = "therapist"
        original.action = "note.read"
        #expect(AuditChain.canonicalEncoding(shifted) != AuditChain.canonicalEncoding(original))

        var noActor = Self.fixedRecord
        noActor.actorID = nil
        #expect(AuditChain.canonicalEncoding(noActor) != AuditChain.canonicalEncoding(Self.fixedRecord))
    }

    @Test("UUIDs are encoded lowercased")
    func lowercaseUUIDs() {
        let encoding = AuditChain.canonicalEncoding(Self.fixedRecord)
        #expect(encoding.range(of: Data("6f1c2a4e-0000-4000-8000-0000000000aa".utf8)) != nil)
        #expect(encoding.range(of: Data("6F1C2A4E".utf8)) == nil)
    }

    @Test("The fast UUID text is exactly Foundation's, lowercased")
    func fastUUIDText() {
        for uuid in (0..<2_000).map({ _ in UUID() }) + [UUID(uuid: (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)),
                                                        UUID(uuid: (255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255))] {
            #expect(uuid.lowercasedText == uuid.uuidString.lowercased())
            #expect(UUID(canonicalText: uuid.uuidString) == uuid)
            #expect(UUID(canonicalText: uuid.lowercasedText) == uuid)
        }
    }

    @Test("The fast UUID parser refuses what Foundation refuses")
    func fastUUIDParserRefusals() {
        let good = "6f1c2a4e-0000-4000-8000-0000000000aa"
        for text in ["", good.dropLast().description, good + "0", good.replacingOccurrences(of: "-", with: "x"),
                     "6f1c2a4e00004000800000000000000000aa", "6f1c2a4e-0000-4000-8000-0000000000ag", "6f1c2a4e-0000-4000-8000-0000000000a\u{00E9}",
                     "6f1c2a4e-0000-4000-8000+0000000000aa"] {
            #expect(UUID(canonicalText: text) == nil, "\(text)")
            #expect(UUID(uuidString: text) == nil, "\(text)")
        }
    }
}

/// The sequence a broken verification names, or nil if the chain verified.
func brokenSequence(_ verification: AuditChain.Verification) -> Int64? {
    if case .broken(let sequence, _) = verification { return sequence }
    return nil
}
