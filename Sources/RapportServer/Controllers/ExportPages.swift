import Fluent
import Foundation
import RapportCore
import Vapor

/// The record to take away (issue 12, point 4): the client downloads theirs with their password; a therapist on the
/// care team exports it for a transfer of care with a fresh code from their own app. Both as FHIR R4 (a JSON file for
/// another practice or an app) or as a printable copy; each export is audited and shows on "who opened my record".
enum ExportPages {
    static func register(_ routes: any RoutesBuilder) {
        routes.get("me", "record-download", action: .viewOwnPortal, use: ownForm)
        routes.post("me", "record-download", action: .exportOwnRecord, use: ownExport)
        routes.get("clients", ":clientID", "export", action: .exportClientRecord, use: staffForm)
        routes.post("clients", ":clientID", "export", action: .exportClientRecord, use: staffExport)
    }

    enum Format: String {
        case fhir
        case html
    }

    static func format(_ raw: String?) -> Format? { raw.flatMap(Format.init(rawValue:)) }

    /// The export itself: the FHIR file to save, or the printable copy to read.
    static func respond(_ contents: RecordExport.Contents, _ format: Format, _ req: Request) async throws -> Response {
        switch format {
        case .fhir:
            let response = Response(status: .ok, body: .init(data: try RecordExport.bundle(contents)))
            response.headers.contentType = HTTPMediaType(type: "application", subType: "fhir+json", parameters: ["charset": "utf-8"])
            let day = String(RecordExport.instant(contents.exportedAt).prefix(10))
            response.headers.replaceOrAdd(name: .contentDisposition, value: "attachment; filename=\"rapport-record-\(day).json\"")
            return response
        case .html:
            return Layout.render(RecordCopyPage(contents: contents, zone: try await req.practiceZone(), context: req.page))
        }
    }

    // MARK: The client

    @Sendable static func ownForm(_ req: Request) async throws -> Response {
        _ = try await ClientPages.ownRecord(req)
        return Layout.render(OwnExportPage(problems: [], context: req.page))
    }

    @Sendable static func ownExport(_ req: Request) async throws -> Response {
        guard let user = req.identity.user, let clientID = user.clientID, let actor = req.identity.actor else {
            throw RapportError.denied(.wrongRole)
        }
        let fields = req.formFields()
        guard let format = format(fields["format"]) else {
            return Layout.render(OwnExportPage(problems: [FieldProblem(field: "form", message: "Please choose the file or the printable copy.")],
                                               context: req.page), status: .badRequest)
        }
        let people = People(req)
        do {
            // The password again, as at sign-in (and counted against the same lock-out): a phone left signed in is
            // not enough to take the whole record away.
            let (checked, _) = try await people.checkPassword(email: try await people.email(of: user, on: req.db), password: fields["password"] ?? "")
            guard checked.id == user.id else { throw RecordError.invalid([]) }
        } catch RecordError.invalid, RecordError.tooManyAttempts {
            return Layout.render(OwnExportPage(problems: [FieldProblem(field: "password", message: "That isn't your password. Please type the password you sign in with.")],
                                               context: req.page), status: .unprocessableEntity)
        }
        let practiceName = try await people.practiceName(user.practiceID, on: req.db)
        let contents = try await req.transaction { db in
            let record = try await req.ownRecord(.exportOwnRecord, clientID: clientID, on: db)
            try await AuditWriter.append(.access(by: actor, .exportOwnRecord, clientID: clientID, resource: nil), at: record.now, on: db)
            return try await RecordExport.load(in: record, practiceName: practiceName)
        }
        return try await respond(contents, format, req)
    }

    // MARK: The therapist

    @Sendable static func staffForm(_ req: Request) async throws -> Response {
        let name = try await req.withClientRecord(recording: .viewClientRecord, onlyReads: true) { record in try await record.clientName() }
        return Layout.render(StaffExportPage(clientID: try req.clientAccess().scope.clientID, name: name, problems: [], context: req.page))
    }

    @Sendable static func staffExport(_ req: Request) async throws -> Response {
        guard let user = req.identity.user else { throw RapportError.denied(.notSignedIn) }
        let fields = req.formFields()
        let clientID = try req.clientAccess().scope.clientID
        func again(_ problems: [FieldProblem], _ status: HTTPResponseStatus) async throws -> Response {
            let name = try await req.withClientRecord(recording: .viewClientRecord, onlyReads: true) { record in try await record.clientName() }
            return Layout.render(StaffExportPage(clientID: clientID, name: name, problems: problems, context: req.page), status: status)
        }
        guard let format = format(fields["format"]) else {
            return try await again([FieldProblem(field: "form", message: "Please choose the FHIR file or the printable copy.")], .badRequest)
        }
        let people = People(req)
        return try await AccountPages.checkingFreshCode {
            try await people.checkCode(fields["code"] ?? "", for: user, enrolling: false)
            let practiceName = try await people.practiceName(user.practiceID, on: req.db)
            let contents = try await req.withClientRecord(recording: .exportClientRecord, onlyReads: true) { record in
                try await RecordExport.load(in: record, practiceName: practiceName)
            }
            return try await respond(contents, format, req)
        } orAgain: { problems, status in
            try await again(problems, status)
        }
    }
}
