import Fluent
import Foundation
import RapportCore
import Vapor

/// Words to carry: written by the care team on the record, kept and pinned by the client in their portal.
enum WordsToCarryPages {
    static func register(_ routes: any RoutesBuilder) {
        routes.post("clients", ":clientID", "words", action: .writeWordsToCarry, use: write)
        routes.get("me", "words", action: .viewOwnPortal, use: ownWords)
        routes.post("me", "words", ":wordsID", "pin", action: .pinOwnWords, use: pin)
    }

    struct WordsForm: Content { var body: String? }

    @Sendable static func write(_ req: Request) async throws -> Response {
        let body = (try? req.content.decode(WordsForm.self))?.body ?? ""
        // Refused before any transaction: on SQLite a refusal inside one would send its whole batch round again.
        if let problem = WordsToCarryRules.problem(body) {
            return try await ClientPages.recordPage(req, contents: try await ClientPages.recordContents(req), drafts: ["words-form": body],
                                                    problems: ["words-form": [problem]])
        }
        do {
            _ = try await req.withClientRecord { record in try await WordsToCarry.write(body, in: record) }
            return req.redirect(to: "/clients/\(try req.clientAccess().scope.clientID.uuidString.lowercased())#words")
        } catch RecordError.invalid(let problems) {
            return try await ClientPages.recordPage(req, contents: try await ClientPages.recordContents(req), drafts: ["words-form": body],
                                                    problems: ["words-form": problems])
        }
    }

    @Sendable static func ownWords(_ req: Request) async throws -> Response {
        let record = try await ClientPages.ownRecord(req)
        return Layout.render(WordsToCarryPage(words: try await WordsToCarry.all(pinnedFirst: true, in: record), context: req.page,
                                              zone: try await req.practiceZone()))
    }

    /// `pinned` is "yes" or "no"; anything else, or an id that isn't one of the client's own notes, changes nothing.
    @Sendable static func pin(_ req: Request) async throws -> Response {
        guard let clientID = req.identity.user?.clientID else { throw RapportError.denied(.wrongRole) }
        let id = try req.id("wordsID")
        let choice = req.formFields()["pinned"]
        guard let choice, ["yes", "no"].contains(choice) else { throw RapportError.badRequest("Choose to pin the words or take them off.") }
        // Someone else's id (or none) is "not found" before any transaction: inside an SQLite batch a refusal would
        // send the whole batch round again, and anyone signed in could ask for that at will.
        guard try await WordsToCarryRow.query(on: req.db).filter(\.$id == id).filter(\.$clientID == clientID).count() == 1
        else { throw RapportError.notFound }
        do {
            try await req.transaction { db in
                try await WordsToCarry.pin(id, pinned: choice == "yes", in: try await req.ownRecord(.pinOwnWords, clientID: clientID, on: db))
            }
        } catch RecordError.notFound {
            throw RapportError.notFound
        }
        return req.redirect(to: "/me/words#words-\(id.uuidString.lowercased())")
    }
}
