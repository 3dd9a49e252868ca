import Fluent
import Foundation
import RapportCore
@testable import RapportServer
import SQLKit
import Testing
import Vapor
import VaporTesting

/// Secure messages (issue 11): a thread between a client and their care team, sealed under the client's key, audited
/// on the care team's side, with content-free notifications, and refused input that changes nothing.
@Suite struct MessageTests {
    static let marker = "MARKER-Kestrel-\(UUID().uuidString.prefix(8))"

    func thread(_ cast: Cast) -> String { "/clients/\(cast.clientID.uuidString.lowercased())/messages" }

    /// Every stored message's bytes, so a test can say none of them holds the words in clear.
    func storedBytes(_ practice: TestPractice) async throws -> [Data] {
        try await MessageRow.query(on: practice.app.db).all().map(\.bodyEnvelope)
    }

    @Test func aTherapistWritesTheClientReadsAndReplies() async throws {
        try await TestPractice.run { practice in
            let cast = try await Cast.assemble(practice)
            let therapist = Browser(sessionToken: try await practice.signIn(cast.own))
            let client = Browser(sessionToken: try await practice.signIn(cast.client))
            let app = practice.app
            let auditBefore = try await practice.auditCount()

            // The therapist writes.
            let (headers, body) = therapist.form(["body": "Thursday at 15:00 works. \(Self.marker)"])
            try await app.testing().test(.POST, thread(cast), headers: headers, body: body) { response in
                #expect(response.status == .seeOther)
                #expect(response.headers.first(name: .location)?.hasPrefix(thread(cast)) == true)
            }
            // Sealed: no stored byte run is the words; the outbox says only that there is a message, to the client.
            let stored = try #require(try await MessageRow.query(on: app.db).first())
            #expect(stored.bodyEnvelope.range(of: Data(Self.marker.utf8)) == nil)
            #expect(stored.fromClient == false && stored.authorID == cast.own.id && stored.readAt == nil)
            let notes = try await NotificationRow.query(on: app.db).filter(\.$kind == Messages.notificationKind).all()
            #expect(notes.map(\.recipientID) == [cast.client.id])
            #expect(notes.first?.subjectID == stored.id)
            // Written by the care team: audited as such, once.
            let entry = try #require(try await AuditEntryRow.query(on: app.db).sort(\.$sequence, .descending).first())
            #expect(entry.action == Action.writeMessage.rawValue && entry.actorID == cast.own.id && entry.clientID == cast.clientID)
            #expect(entry.resourceType == "message" && entry.outcome == "allowed")
            #expect(try await practice.auditCount() == auditBefore + 1)

            // The client sees it waiting on their home page, then reads it: it is marked read.
            try await app.testing().test(.GET, "/me", headers: client.headers) { response in
                #expect(response.body.string.contains("id=\"new-messages\""))
            }
            try await app.testing().test(.GET, "/me/messages", headers: client.headers) { response in
                #expect(response.status == .ok)
                let html = response.body.string
                #expect(html.contains(Self.marker))
                #expect(html.contains("Messages are not for emergencies."))
                #expect(html.contains(ReplyTime.standard.words))
                #expect(html.contains(PracticeSettings.defaultCrisisResources.split(separator: "\n").first.map(String.init) ?? "-"))
            }
            #expect(try await MessageRow.find(stored.id, on: app.db)?.readAt != nil)
            try await app.testing().test(.GET, "/me", headers: client.headers) { response in
                #expect(!response.body.string.contains("id=\"new-messages\""))
            }

            // The client replies; the care team (the therapist and the co-owner who sees this client) is told.
            let (replyHeaders, replyBody) = client.form(["body": "Thank you, see you then."])
            try await app.testing().test(.POST, "/me/messages", headers: replyHeaders, body: replyBody) { response in
                #expect(response.status == .seeOther)
            }
            let replyNotes = try await NotificationRow.query(on: app.db).filter(\.$kind == Messages.notificationKind)
                .filter(\.$recipientID != cast.client.id).all()
            #expect(Set(replyNotes.map(\.recipientID)) == [cast.own.id, cast.coOwner.id])
            // The caseload says so beside the name (counts only), and so does the record; opening the thread (audited
            // as a look at the messages) reads it.
            try await app.testing().test(.GET, "/clients", headers: therapist.headers) { response in
                #expect(response.body.string.contains("/messages\" aria-label=\"1 new message from "))
            }
            try await app.testing().test(.GET, "/clients/\(cast.clientID.uuidString.lowercased())", headers: therapist.headers) { response in
                #expect(response.body.string.contains("1 new message from"))
            }
            let looked = try await practice.auditCount()
            try await app.testing().test(.GET, thread(cast), headers: therapist.headers) { response in
                #expect(response.status == .ok)
                #expect(response.body.string.contains("Thank you, see you then."))
                #expect(response.body.string.contains(Self.marker))
            }
            #expect(try await practice.auditCount() == looked + 1)
            let last = try #require(try await AuditEntryRow.query(on: app.db).sort(\.$sequence, .descending).first())
            #expect(last.action == Action.listMessages.rawValue)
            #expect(try await MessageRow.query(on: app.db).filter(\.$readAt == nil).count() == 0)
            try await app.testing().test(.GET, "/clients", headers: therapist.headers) { response in
                #expect(!response.body.string.contains("new message"))
            }

            // Another client of the practice has a thread of their own, with none of these words.
            let other = Browser(sessionToken: try await practice.signIn(cast.anotherClient))
            try await app.testing().test(.GET, "/me/messages", headers: other.headers) { response in
                #expect(response.status == .ok)
                #expect(!response.body.string.contains(Self.marker))
                #expect(!response.body.string.contains("see you then"))
            }
        }
    }

    /// Empty, blank and overlong messages are refused with the reason beside the box, the words kept, nothing written:
    /// from the record, from the portal and from the API (problem details).
    @Test func refusedMessagesChangeNothing() async throws {
        try await TestPractice.run { practice in
            let cast = try await Cast.assemble(practice)
            let therapist = Browser(sessionToken: try await practice.signIn(cast.own))
            let client = Browser(sessionToken: try await practice.signIn(cast.client))
            let token = try await practice.signIn(cast.own, kind: .api)
            let app = practice.app
            let tooLong = String(repeating: "word ", count: 801)
            for text in ["", "  \n\t ", tooLong] {
                for (browser, path) in [(therapist, thread(cast)), (client, "/me/messages")] {
                    let (headers, body) = browser.form(["body": text])
                    try await app.testing().test(.POST, path, headers: headers, body: body) { response in
                        #expect(response.status == .unprocessableEntity, "\(path) with \(text.count) characters")
                        let html = response.body.string
                        #expect(html.contains("class=\"error\" id=\"message-error\""))
                        if text == tooLong { #expect(html.contains("word word word")) }
                    }
                }
                let json = try String(data: JSONEncoder().encode(["body": text]), encoding: .utf8) ?? "{}"
                try await app.testing().test(.POST, "/api/v1\(thread(cast))", headers: .json(bearer: token), body: ByteBuffer(string: json)) { response in
                    #expect(response.status == .unprocessableEntity)
                    #expect(response.headers.contentType?.description.contains("problem+json") == true)
                }
            }
            #expect(try await MessageRow.query(on: app.db).count() == 0)
            #expect(try await NotificationRow.query(on: app.db).filter(\.$kind == Messages.notificationKind).count() == 0)
        }
    }

    /// The API writes and lists the thread; listing marks nothing read.
    @Test func theAPIWritesAndListsTheThread() async throws {
        try await TestPractice.run { practice in
            let cast = try await Cast.assemble(practice)
            let token = try await practice.signIn(cast.own, kind: .api)
            let app = practice.app
            let record = try await practice.record(cast.client.actor, .writeOwnMessage, cast.scope)
            _ = try await Messages.write("From the client", fromClient: true, in: record)
            var written: MessageView?
            try await app.testing().test(.POST, "/api/v1\(thread(cast))", headers: .json(bearer: token),
                                         body: ByteBuffer(string: #"{"body":"From the therapist"}"#)) { response in
                #expect(response.status == .created)
                written = try? response.content.decode(MessageView.self, using: Self.decoder)
            }
            #expect(written?.fromClient == false && written?.body == "From the therapist")
            try await app.testing().test(.GET, "/api/v1\(thread(cast))", headers: .json(bearer: token)) { response in
                #expect(response.status == .ok)
                let messages = try response.content.decode([MessageView].self, using: Self.decoder)
                #expect(messages.map(\.body) == ["From the client", "From the therapist"])
                #expect(messages.map(\.fromClient) == [true, false])
            }
            #expect(try await MessageRow.query(on: app.db).filter(\.$fromClient == true).first()?.readAt == nil)
        }
    }

    static var decoder: JSONDecoder {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        return decoder
    }

    /// The owner chooses how soon the practice replies; the client reads it; a value not offered is refused inline.
    @Test func theOwnerSetsTheReplyTimeTheClientReads() async throws {
        try await TestPractice.run { practice in
            let cast = try await Cast.assemble(practice)
            let owner = Browser(sessionToken: try await practice.signIn(cast.owner))
            let client = Browser(sessionToken: try await practice.signIn(cast.client))
            let app = practice.app
            for refused in ["5", "-1", "99999999999999999999", "abc"] {
                let (headers, body) = owner.form(["reply_within_hours": refused])
                try await app.testing().test(.POST, "/practice/settings", headers: headers, body: body) { response in
                    #expect(response.status == .unprocessableEntity, "\(refused)")
                    #expect(response.body.string.contains("Please choose how soon the practice replies from the list."))
                }
            }
            #expect(try await PracticeSettingsRow.query(on: app.db).first()?.replyWithinHours == nil)
            let (headers, body) = owner.form(["reply_within_hours": "168"])
            try await app.testing().test(.POST, "/practice/settings", headers: headers, body: body) { response in
                #expect(response.status == .seeOther)
            }
            #expect(try await PracticeSettingsRow.query(on: app.db).first()?.replyWithinHours == 168)
            try await app.testing().test(.GET, "/me/messages", headers: client.headers) { response in
                #expect(response.body.string.contains("replies within a week"))
            }
            try await app.testing().test(.GET, "/practice/settings", headers: owner.headers) { response in
                #expect(response.body.string.contains(#"<option value="168" label="Within a week" selected"#))
            }
        }
    }

    /// On a care team of two, each sees "You" on their own words only and the other's name on theirs; a line break
    /// typed in a browser (CRLF) starts a new paragraph.
    @Test func eachOfTheCareTeamIsNamedAndLineBreaksSurvive() {
        let dana = UUID(), jonas = UUID(), clientID = UUID(), practiceID = UUID()
        let messages = [
            MessageView(id: UUID(), clientID: clientID, authorID: dana, fromClient: false, authorName: "Dana Okafor", createdAt: Date(),
                        readAt: nil, body: "First line\r\nSecond line"),
            MessageView(id: UUID(), clientID: clientID, authorID: jonas, fromClient: false, authorName: "Jonas Berg", createdAt: Date(),
                        readAt: nil, body: "From Jonas"),
        ]
        func html(as viewer: UUID) -> String {
            let context = PageContext(csrfToken: "t", identity: Identity(
                requester: .signedIn(Principal(userID: viewer, role: .therapist, practiceID: practiceID)), user: nil, signIn: nil))
            return Layout.document(MessagesPage(viewer: .careTeam(clientName: "Sam Lee", clientID: clientID), messages: messages,
                                                replyTime: .standard, crisisResources: "", context: context, zone: .gmt))
        }
        let asDana = html(as: dana)
        #expect(asDana.contains("<strong>You</strong>") && asDana.contains("<strong>Jonas Berg</strong>"))
        #expect(!asDana.contains("<strong>Dana Okafor</strong>"))
        let asJonas = html(as: jonas)
        #expect(asJonas.contains("<strong>Dana Okafor</strong>") && !asJonas.contains("<strong>Jonas Berg</strong>"))
        #expect(asDana.contains("<p>First line</p><p>Second line</p>"))
    }

    @Test(arguments: [("24", 24), ("168", 168), ("48", 48)]) func replyTimesFromFormsAreOnlyTheChoices(raw: String, hours: Int) {
        #expect(ReplyTime.chosen(raw)?.hours == hours)
    }

    @Test func replyTimesRefuseAnythingElse() {
        for raw in ["", "0", "25", "-24", "1e3", " 24", "99999999999999999999", "24.0", "+"] {
            #expect(ReplyTime.chosen(raw) == nil, "\(raw)")
        }
        #expect(ReplyTime.stored(nil) == .standard && ReplyTime.stored(5) == .standard && ReplyTime.stored(72).hours == 72)
        #expect(ReplyTime(hours: 24).words == "within 1 working day" && ReplyTime(hours: 120).words == "within 5 working days")
    }
}
