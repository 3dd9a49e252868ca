import Foundation
import Plot
import RapportCore

/// The two ways to take the record: a FHIR file for another practice or an app, or a copy to print.
enum ExportChoice {
    static func node() -> Node<HTML.FormContext> {
        .fieldset(.class("measures"),
            .element(named: "legend", nodes: [Node<HTML.FormContext>.plain("What would you like?")]),
            .label(.class("room-option"), .input(.type(.radio), .name("format"), .value("html"), .id("format-html"), .checked(true)),
                   .plain(" A copy to read or print")),
            .label(.class("room-option"), .input(.type(.radio), .name("format"), .value("fhir"), .id("format-fhir"), .checked(false)),
                   .plain(" A file for another practice or a health app (FHIR R4, JSON)")))
    }
}

/// The client's page for downloading their record.
struct OwnExportPage: PageView {
    let problems: [FieldProblem]
    let context: PageContext

    var title: String { "Your record, to take with you" }

    var content: Node<HTML.BodyContext> {
        .group(
            .p(.a(.href("/me"), "← Your space")),
            .h1(.plain(title)),
            .p(.class("lead"), "Your sessions, your check-ins and their scores, your therapist's progress notes and the agreement you signed: yours to keep, or to give to another practice."),
            .p(.class("muted"), "Your therapist's private process notes are not part of your record, so they are not included. Downloading is written down, and shows on the list of who opened your record."),
            FormParts.form(id: "record-download-form", action: "/me/record-download", context, problems: problems, submit: "Download my record",
                ExportChoice.node(),
                FormParts.field("password", label: "Your password", type: .password, autocomplete: "current-password",
                                hint: "To be sure it is you: your whole record is in this file.", problems: problems)))
    }
}

/// The therapist's page for exporting a client's record for a transfer of care.
struct StaffExportPage: PageView {
    let clientID: UUID
    let name: String
    let problems: [FieldProblem]
    let context: PageContext

    var title: String { "Export \(name)'s record" }
    var base: String { "/clients/\(clientID.lowercasedText)" }

    var content: Node<HTML.BodyContext> {
        .group(
            .p(.a(.href(base), .plain("← \(name)"))),
            .h1(.plain(title)),
            .p(.class("lead"), .plain("For a transfer of care: sessions, check-ins with their scores (PHQ-9 and GAD-7 LOINC-coded), progress notes and the agreement \(InputRules.firstName(of: name)) signed.")),
            .p(.class("muted"), .plain("Psychotherapy notes are never exported. The export is written to the audit trail, and \(InputRules.firstName(of: name)) sees it on their list of who opened their record.")),
            FormParts.form(id: "record-export-form", action: "\(base)/export", context, problems: problems, submit: "Export the record",
                ExportChoice.node(),
                FormParts.field("code", label: "A code from your authenticator app", value: "", autocomplete: "one-time-code",
                                hint: "A fresh code: the whole record leaves Rapport in this file.", problems: problems,
                                extra: [.attribute(named: "inputmode", value: "numeric"), .attribute(named: "maxlength", value: "12")])))
    }
}

/// The printable copy of the record: what the FHIR file holds, for a person to read.
struct RecordCopyPage: PageView {
    let contents: RecordExport.Contents
    let zone: TimeZone
    let context: PageContext

    var title: String { "The record of \(contents.clientName)" }

    var content: Node<HTML.BodyContext> {
        .group(
            .h1(.plain(title)),
            .p(.class("lead"), .plain("Kept by \(contents.practiceName). Copied on \(Formats.dateLong(contents.exportedAt, in: zone)); times are the practice's (\(zone.identifier)).")),
            .section(.id("copy-sessions"),
                .h2("Sessions"),
                .if(contents.appointments.isEmpty, .p(.class("muted"), "No sessions."),
                    else: .ul(.class("plain"), .forEach(contents.appointments) { session in
                        .li(.plain("\(Formats.when(session.startsAt, in: zone)), \(session.durationMinutes) minutes: "
                                   + (session.cancelled ? "cancelled" : session.attendance?.display ?? "booked")))
                    }))),
            .section(.id("copy-check-ins"),
                .h2("Check-ins"),
                .if(contents.checkIns.isEmpty, .p(.class("muted"), "No check-ins."),
                    else: .ul(.class("plain"), .forEach(contents.checkIns) { checkIn in
                        .li(.plain("\(Formats.when(checkIn.completedAt ?? checkIn.startedAt, in: zone)): \(checkIn.definition.name)"
                                   + (checkIn.total.map { ", total \(Scoring.format($0))" } ?? "")
                                   + (checkIn.band.map { " (\($0.display))" } ?? "")),
                            .unwrap(checkIn.comment.flatMap { $0.isEmpty ? nil : $0 }) { .p(.class("muted"), .plain("“\($0)”")) })
                    }))),
            .section(.id("copy-notes"),
                .h2("Progress notes"),
                .if(contents.progressNotes.isEmpty, .p(.class("muted"), "No progress notes."),
                    else: .forEach(contents.progressNotes) { note in
                        .div(.class("card"),
                             .p(.class("muted"), .plain("\(Formats.when(note.createdAt, in: zone)), \(contents.staff[note.authorID] ?? "a therapist")")),
                             ConsentText.paragraphs(note.body))
                    })),
            .section(.id("copy-agreement"),
                .h2("The agreement"),
                .unwrap(contents.consent, { consent in
                    .group(.p(.plain("Signed by \(consent.name) on \(Formats.dateLong(consent.signature.signedAt, in: zone)), version \(consent.version.version). Fingerprint (SHA-256) "),
                              .code(.plain(consent.signature.sha256))),
                           ConsentText.node(consent.version.document))
                }, else: .p(.class("muted"), "Not signed yet.")))
        )
    }
}
