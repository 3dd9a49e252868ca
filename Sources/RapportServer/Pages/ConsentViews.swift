import Foundation
import Plot
import RapportCore

/// The agreement itself, as a client reads it: the introduction, the limits under their headings, how records are kept.
enum ConsentText {
    static func node(_ document: ConsentDocument) -> Node<HTML.BodyContext> {
        .div(.class("consent-text"),
            paragraphs(document.introduction),
            .h2("The limits of confidentiality"),
            .forEach(document.limits) { limit in
                .section(.class("consent-limit"), .id("limit-\(limit.kind.rawValue)"),
                         .h3(.plain(ConsentRules.normalised(limit.title))), paragraphs(limit.text))
            },
            .h2("How your record is kept"),
            paragraphs(document.records))
    }

    static func paragraphs(_ text: String) -> Node<HTML.BodyContext> {
        .forEach(ConsentRules.normalised(text).split(separator: "\n", omittingEmptySubsequences: true)) { .p(.plain(String($0))) }
    }
}

/// The client's agreement page: where they stand, the text, and the signature (a form, or the signature they made).
/// It prints as a signed copy: the navigation and the form are left off paper.
struct OwnConsentPage: PageView {
    let current: Consents.Version
    let signature: Consents.Signature?
    let signedName: String?
    let practiceName: String
    let next: String?
    let draftName: String
    let problems: [FieldProblem]
    let zone: TimeZone
    let context: PageContext

    var title: String { "Your agreement with \(practiceName)" }
    var signedCurrent: Bool { signature.map { $0.version >= current.version } ?? false }

    var content: Node<HTML.BodyContext> {
        .group(
            .p(.class("no-print"), .a(.href("/me"), "← Your space")),
            .h1(.plain(title)),
            .p(.class("lead"), .plain(signedCurrent
                ? "What stays private between you and your therapist, and the few limits to that, as you agreed."
                : "Before your first check-in, please read what stays private, and the few limits to that. Then sign with your name.")),
            .unwrap(signature, { signature in
                .if(signature.version < current.version,
                    .div(.class("card notice"), .id("new-version"),
                         .p(.plain("You signed version \(signature.version) on \(Formats.dateLong(signature.signedAt, in: zone)). \(practiceName) has changed its agreement since: please read version \(current.version) below and sign it."))))
            }, else: .empty),
            ConsentText.node(current.document),
            .if(signedCurrent, signedBlock, else: signForm)
        )
    }

    var signedBlock: Node<HTML.BodyContext> {
        guard let signature else { return .empty }
        return .section(.class("card signed"), .id("signed"),
            .h2("Signed"),
            .p(.plain("Signed by \(signedName ?? "you") on \(Formats.dateLong(signature.signedAt, in: zone)), version \(signature.version) of \(practiceName)'s agreement.")),
            .p(.class("muted fingerprint"), .plain("Fingerprint of the text you signed (SHA-256): "), .code(.plain(signature.sha256))),
            .p(.class("no-print"), .plain("To keep a copy, print this page or save it as a PDF from your browser's menu.")))
    }

    var signForm: Node<HTML.BodyContext> {
        .section(.class("card no-print"), .id("sign"),
            .h2("Sign"),
            FormParts.form(id: "consent-form", action: "/me/consent", context, problems: problems, submit: "I have read this and I agree",
                .input(.type(.hidden), .name("version"), .value(String(current.version))),
                .unwrap(next) { .input(.type(.hidden), .name("next"), .value(Markup.attribute($0))) },
                FormParts.field("signature", label: "Your name, as your signature", value: draftName, autocomplete: "name",
                                hint: "Signing says you have read this version. You can print it once signed.", problems: problems,
                                extra: [.attribute(named: "maxlength", value: "\(ConsentRules.signatureNames.upperBound)")])))
    }
}

/// The owner's editor: the current version's text in fields, saved as a new version.
struct ConsentEditorPage: PageView {
    let current: Consents.Version
    let draft: ConsentDocument
    let problems: [FieldProblem]
    let notice: String?
    let zone: TimeZone
    let context: PageContext

    var title: String { "The practice's agreement" }
    var isWide: Bool { true }
    /// A problem with the limits as a whole (one missing, one twice) is said at the top of the form.
    var formProblems: [FieldProblem] { problems.map { $0.field == "limits" ? FieldProblem(field: "form", message: $0.message) : $0 } }

    var content: Node<HTML.BodyContext> {
        .group(
            .p(.a(.href("/practice"), "← The practice")),
            .h1("The practice's agreement"),
            .p(.class("lead"), .plain("What stays private, the limits of confidentiality, and how records are kept: every client reads this and signs it before their first check-in. Saving a change makes a new version, and each client is asked to sign it.")),
            .unwrap(notice) { .p(.class("notice"), .id("consent-notice"), .attribute(named: "role", value: "status"), .plain($0)) },
            .p(.class("muted"), .plain("Now: version \(current.version), from \(Formats.dateLong(current.createdAt, in: zone)). Fingerprint (SHA-256) "), .code(.plain(String(current.sha256.prefix(16)) + "…"))),
            .div(.class("pair"),
                .div(
                    FormParts.form(id: "consent-editor", action: "/practice/consent", context, problems: formProblems, submit: "Save as a new version",
                        FormParts.textArea("introduction", id: "introduction", label: "What stays private", value: draft.introduction, problems: problems, rows: 8),
                        .forEach(ConsentDocument.LimitKind.allCases) { kind in limitFields(kind) },
                        FormParts.textArea("records", id: "records", label: "How records are kept, and for how long", value: draft.records, problems: problems, rows: 6))),
                .div(.class("card"), .id("consent-preview"),
                    .h2("What clients read now"),
                    ConsentText.node(current.document)))
        )
    }

    func limitFields(_ kind: ConsentDocument.LimitKind) -> Node<HTML.FormContext> {
        let limit = draft.limit(kind)
        let required = ConsentDocument.LimitKind.required.contains(kind)
        let name: String = switch kind {
        case .risk: "Serious risk to someone's safety"
        case .safeguarding: "Safeguarding a child or an adult at risk"
        case .legal: "A court order or legal duty"
        case .supervision: "Supervision (optional: leave both empty to leave it out)"
        }
        return .div(.class("consent-limit-fields"),
            .p(.class("limit-heading"), .strong(.plain("Limit: \(name)"))),
            FormParts.field("limit-\(kind.rawValue)-title", label: "Heading", value: limit?.title ?? "", problems: problems, required: required,
                            extra: [.attribute(named: "maxlength", value: "\(ConsentRules.maximumLimitTitle)")]),
            FormParts.textArea("limit-\(kind.rawValue)-text", id: "limit-\(kind.rawValue)-text", label: "What it means", value: limit?.text ?? "",
                               problems: problems, required: required, rows: 4))
    }
}
