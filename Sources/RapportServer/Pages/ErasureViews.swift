import Foundation
import Plot
import RapportCore

/// The owner's page for erasing records (issue 12, point 5): how long records are kept, who asked, the form that
/// erases one with a fresh code, and the ledger of erasures.
struct ErasuresPage: PageView {
    let years: Int
    let requests: [Erasure.Request]
    let done: [Erasure.Done]
    /// Staff names by user id (therapists, and the owner).
    let names: [UUID: String]
    let now: Date
    let zone: TimeZone
    var draftClient = ""
    var draftReason = ""
    var problems: [FieldProblem] = []
    var retentionProblems: [FieldProblem] = []
    var notice: String?
    let context: PageContext

    var title: String { "Erasing records" }
    var isWide: Bool { true }

    var content: Node<HTML.BodyContext> {
        .group(
            .p(.a(.href("/practice"), "← The practice")),
            .h1("Erasing records"),
            .p(.class("lead"), .plain("A client may ask for their record to be erased. Once the time your practice keeps records has passed since their therapy ended, it can be: its key is destroyed, so nothing of it can be read again, by anyone. The audit trail keeps that it happened, and nothing more.")),
            .unwrap(notice) { .p(.class("notice"), .id("erasure-notice"), .attribute(named: "role", value: "status"), .plain($0)) },
            .div(.class("pair"),
                .div(
                    .section(.class("card"), .id("erasure-requests"),
                        .h2(.plain(requests.isEmpty ? "No one has asked" : requests.count == 1 ? "1 client has asked" : "\(requests.count) clients have asked")),
                        .if(requests.isEmpty, .p(.class("muted"), "When a client asks in their portal, the request shows here."),
                            else: .ul(.class("plain"), .forEach(requests) { request($0) }))),
                    .section(.class("card"), .id("erase"),
                        .h2("Erase a record"),
                        .p(.class("muted"), .plain("Erasing cannot be undone. Backups made before it still hold the record's key, under the practice's keys of the day: they stop opening once the server's operator retires those keys (rapport keys rotate-practice --retire, then rotate-master, then the retired key file destroyed).")),
                        FormParts.form(id: "erase-form", action: "/practice/erasures", context, problems: problems, submit: "Erase this record for good",
                            FormParts.field("client", label: "The client's reference", value: draftClient, autocomplete: "off",
                                            hint: "The long code in the address of their record, or from a request on this page.", problems: problems,
                                            extra: [.attribute(named: "maxlength", value: "36"), .attribute(named: "spellcheck", value: "false")]),
                            reasonField,
                            FormParts.field("code", label: "A code from your own authenticator app", value: "", autocomplete: "one-time-code",
                                            hint: "To be sure it is you at this desk.", problems: problems,
                                            extra: [.attribute(named: "inputmode", value: "numeric"), .attribute(named: "maxlength", value: "12")])))),
                .div(
                    .section(.class("card"), .id("retention"),
                        .h2("How long records are kept"),
                        .p(.plain("Records are kept \(years) \(years == 1 ? "year" : "years") after therapy ends before a client's request to erase them can be met. Professional guidance for adults' records is usually seven years; check what applies to your practice.")),
                        FormParts.form(id: "retention-form", action: "/practice/erasures/retention", context, problems: retentionProblems, submit: "Save",
                            FormParts.field("retention_years", label: "Years to keep a record after therapy ends", type: .number, value: String(years),
                                            problems: retentionProblems,
                                            extra: [.attribute(named: "min", value: "\(ErasureRules.retentionYears.lowerBound)"),
                                                    .attribute(named: "max", value: "\(ErasureRules.retentionYears.upperBound)")]))),
                    .section(.class("card"), .id("erased"),
                        .h2("Erased"),
                        .if(done.isEmpty, .p(.class("muted"), "No record has been erased."),
                            else: .ul(.class("plain"), .forEach(done) { erased($0) }))))
            )
        )
    }

    var reasonField: Node<HTML.FormContext> {
        let problem = problems.first { $0.field == "legal_reason" }
        return .div(
            .class(problem == nil ? "field" : "field has-error"),
            .label(.for("legal_reason"), "The legal reason, for an erasure before the time has passed"),
            .p(.class("hint"), .plain("Leave empty when the client asked and the time has passed. Otherwise: which law, court order or request allows the record to be erased now (\(ErasureRules.legalReasonLength.lowerBound) to \(ErasureRules.legalReasonLength.upperBound) characters). It is kept with the erasure, sealed.")),
            .unwrap(problem) { .p(.class("error"), .id("legal_reason-error"), .plain($0.message)) },
            .textarea(.name("legal_reason"), .id("legal_reason"), .rows(3),
                      .if(problem != nil, .group(.attribute(named: "aria-invalid", value: "true"),
                                                 .attribute(named: "aria-describedby", value: "legal_reason-error"))),
                      .plain(draftReason)))
    }

    func request(_ request: Erasure.Request) -> Node<HTML.ListContext> {
        let therapists = request.therapistIDs.compactMap { names[$0] }
        let whose = therapists.isEmpty ? "A client" : "A client of \(therapists.joined(separator: " and "))"
        let when: String
        var erasable = false
        if let ends = request.retentionEnds {
            erasable = ends <= now
            when = erasable ? "Therapy ended \(Formats.dateLong(request.endedAt ?? ends, in: zone)); the time has passed, so it can be erased now."
                : "Therapy ended \(Formats.dateLong(request.endedAt ?? ends, in: zone)); it can be erased from \(Formats.dateLong(ends, in: zone))."
        } else {
            when = "Therapy has not ended; the time starts at the ending."
        }
        return .li(.class("erasure-request"),
            .p(.strong(.plain(whose)), .plain(" asked on \(Formats.dateLong(request.requestedAt, in: zone)).")),
            .p(.class("muted"), .plain(when)),
            .p(.class("muted"), .plain("Reference "), .code(.plain(request.clientID.lowercasedText))),
            .if(erasable, .p(.a(.href("/practice/erasures?client=\(request.clientID.lowercasedText)#erase"), "Erase this record"))))
    }

    func erased(_ done: Erasure.Done) -> Node<HTML.ListContext> {
        let who = done.erasedBy.map { names[$0] ?? "A former member of staff" } ?? "The server's operator"
        let basis = done.basis == .legalReason ? "before the time had passed, for a legal reason" : "at the client's request, the time having passed"
        return .li(
            .p(.plain("\(Formats.dateLong(done.erasedAt, in: zone)): "), .code(.plain(done.clientID.lowercasedText))),
            .p(.class("muted"), .plain("By \(who), \(basis).")))
    }
}

/// The client's part on "Who opened my record": asking for their record to be erased, and where that stands.
struct ErasureCard {
    let status: Erasure.ClientStatus
    let zone: TimeZone
    let context: PageContext

    var node: Node<HTML.BodyContext> {
        let years = "\(status.retentionYears) \(status.retentionYears == 1 ? "year" : "years")"
        let kept: String
        if let ends = status.retentionEnds {
            kept = "Your practice keeps records for \(years) after therapy ends, so yours can be erased from \(Formats.dateLong(ends, in: zone))."
        } else {
            kept = "Your practice keeps records for \(years) after therapy ends: professional rules and the law ask for that."
        }
        return .section(.class("card"), .id("erasure"),
            .h2("Erasing your record"),
            .p(.plain(kept)),
            .unwrap(status.requestedAt, { asked in
                .p(.strong(.plain("You asked for your record to be erased on \(Formats.dateLong(asked, in: zone)).")),
                   .plain(" When the time has passed, the practice erases it for good: nothing of it can be read again, by anyone, and you will no longer be able to sign in."))
            }, else: .group(
                .p(.plain("You can ask now for your record to be erased once that time has passed. Then nothing of it can be read again, by anyone, and you will no longer be able to sign in.")),
                .form(.id("erasure-request-form"), .method(.post), .action("/me/erasure-request"),
                      .input(.type(.hidden), .name(CSRF.fieldName), .value(context.csrfToken)),
                      .button(.type(.submit), .class("secondary-button"), "Ask for my record to be erased")))))
    }
}
