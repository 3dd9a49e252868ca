import Crypto
import Fluent
import Foundation
import RapportCore

/// The record to take away (issue 12, point 4): a FHIR R4 Bundle of type `collection`, and the same contents for a
/// printable copy. What it holds: the client (Patient), their practice (Organization) and therapists (Practitioner),
/// their sessions (Appointment), every finished check-in (QuestionnaireResponse) with its total as an Observation
/// (LOINC-coded for PHQ-9, 44261-6, and GAD-7, 70274-6), the agreement they signed (Consent, with its exact text),
/// progress notes (DocumentReference, LOINC 11506-3), and one Provenance naming the practice as its source.
/// Psychotherapy notes are never exported: they are not part of the record (HIPAA 45 CFR 164.501, 164.524).
enum RecordExport {
    struct Contents: Sendable {
        let clientID: UUID
        let clientName: String
        let practiceID: UUID
        let practiceName: String
        /// Therapists who appear in the record (sessions, notes), by id.
        let staff: [UUID: String]
        let appointments: [AppointmentView]
        let checkIns: [CheckInView]
        let progressNotes: [NoteView]
        let consent: (version: Consents.Version, signature: Consents.Signature, name: String)?
        let exportedAt: Date
    }

    /// Everything the export holds, read with the record's key.
    static func load(in record: ClientRecord, practiceName: String) async throws -> Contents {
        let appointments = try await Appointments.all(in: record)
        let rows = try await CheckIns.rows(in: record)
        let checkIns = try CheckIns.results(rows, sessions: appointments.map(\.slot), in: record)
        let notes = try await Notes.progressNotes(in: record)
        let staffIDs = Set(appointments.map(\.therapistID) + notes.map(\.authorID))
        var consent: (Consents.Version, Consents.Signature, String)?
        if let signature = try await Consents.signature(clientID: record.clientID, on: record.db),
           let version = try await Consents.version(practiceID: record.practiceID, version: signature.version, on: record.db) {
            consent = (version, signature, try record.open(signature.nameEnvelope, "consent_signatures", "name", row: signature.id))
        }
        return Contents(clientID: record.clientID, clientName: try await record.clientName(), practiceID: record.practiceID,
                        practiceName: practiceName, staff: try await record.names(of: staffIDs), appointments: appointments,
                        checkIns: checkIns, progressNotes: notes, consent: consent, exportedAt: record.now)
    }

    // MARK: FHIR R4

    static let loinc = "http://loinc.org"
    /// Where Rapport's own identifiers and extensions are named (a domain that can never resolve, by RFC 2606).
    static let rapportBase = "https://rapport.invalid/fhir"

    /// An instant as FHIR wants it: seconds, and a time zone (UTC).
    static func instant(_ date: Date) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        formatter.timeZone = TimeZone(identifier: "UTC")
        return formatter.string(from: date)
    }

    static func reference(_ id: UUID) -> [String: Any] { ["reference": "urn:uuid:\(id.lowercasedText)"] }

    /// A stable id for a resource made from another (an Observation from its check-in): the same export twice gives
    /// the same ids.
    static func derivedID(_ kind: String, _ id: UUID) -> UUID {
        var bytes = Array(SHA256.hash(data: Data("\(kind)|\(id.lowercasedText)".utf8)).prefix(16))
        bytes[6] = (bytes[6] & 0x0F) | 0x50  // version 5-style: name-based
        bytes[8] = (bytes[8] & 0x3F) | 0x80  // RFC 4122 variant
        return UUID(uuid: (bytes[0], bytes[1], bytes[2], bytes[3], bytes[4], bytes[5], bytes[6], bytes[7],
                           bytes[8], bytes[9], bytes[10], bytes[11], bytes[12], bytes[13], bytes[14], bytes[15]))
    }

    static func appointmentStatus(_ session: AppointmentView) -> String {
        if session.cancelled { return "cancelled" }
        switch session.attendance {
        case .attended?, .late?: return "fulfilled"
        case .didNotAttend?: return "noshow"
        case .cancelledLate?: return "cancelled"
        case nil: return "booked"
        }
    }

    /// The Bundle, as JSON bytes.
    static func bundle(_ contents: Contents) throws -> Data {
        var entries: [(UUID, [String: Any])] = []
        let patient = contents.clientID
        let organization = contents.practiceID
        entries.append((organization, ["resourceType": "Organization", "id": organization.lowercasedText, "active": true,
                                       "name": contents.practiceName]))
        entries.append((patient, ["resourceType": "Patient", "id": patient.lowercasedText, "active": true,
                                  "name": [["text": contents.clientName]],
                                  "managingOrganization": reference(organization)]))
        for (id, name) in contents.staff.sorted(by: { $0.key.lowercasedText < $1.key.lowercasedText }) {
            entries.append((id, ["resourceType": "Practitioner", "id": id.lowercasedText, "active": true, "name": [["text": name]]]))
        }
        for session in contents.appointments {
            var participants: [[String: Any]] = [["actor": reference(patient), "status": "accepted"]]
            if contents.staff[session.therapistID] != nil {
                participants.append(["actor": reference(session.therapistID), "status": "accepted"])
            }
            var resource: [String: Any] = [
                "resourceType": "Appointment", "id": session.id.lowercasedText,
                "status": appointmentStatus(session),
                "start": instant(session.startsAt),
                "end": instant(session.startsAt.addingTimeInterval(Double(session.durationMinutes) * 60)),
                "minutesDuration": session.durationMinutes, "participant": participants,
            ]
            if let attendance = session.attendance { resource["comment"] = attendance.display }
            entries.append((session.id, resource))
        }
        for checkIn in contents.checkIns {
            let definition = checkIn.definition
            let authored = checkIn.completedAt ?? checkIn.startedAt
            // Rapport's own form (its items are linked "1"…"9", not by LOINC item codes): its canonical is Rapport's,
            // and the LOINC codes go on the Observation of the total.
            let questionnaire = "\(rapportBase)/Questionnaire/\(definition.id)"
            var items: [[String: Any]] = []
            for (item, answer) in zip(definition.item, checkIn.answers) {
                guard let answer else { continue }
                let value: [String: Any] = answer == answer.rounded() ? ["valueInteger": Int(answer)] : ["valueDecimal": answer]
                items.append(["linkId": item.linkId, "text": item.text, "answer": [value]])
            }
            if let comment = checkIn.comment, !comment.isEmpty {
                items.append(["linkId": "comment", "text": "Anything else you'd like your therapist to know?", "answer": [["valueString": comment]]])
            }
            var response: [String: Any] = [
                "resourceType": "QuestionnaireResponse", "id": checkIn.id.lowercasedText, "questionnaire": questionnaire,
                "status": "completed", "subject": reference(patient), "authored": instant(authored),
            ]
            if !items.isEmpty { response["item"] = items }
            entries.append((checkIn.id, response))
            guard let total = checkIn.total else { continue }
            let observationID = derivedID("observation", checkIn.id)
            let coding = (definition.totalCode.map { [$0] } ?? definition.code).map { code -> [String: Any] in
                var coding: [String: Any] = ["system": code.system, "code": code.code]
                if let display = code.display { coding["display"] = display }
                return coding
            }
            var observation: [String: Any] = [
                "resourceType": "Observation", "id": observationID.lowercasedText, "status": "final",
                "category": [["coding": [["system": "http://terminology.hl7.org/CodeSystem/observation-category", "code": "survey", "display": "Survey"]]]],
                "code": ["coding": coding, "text": "\(definition.name) total score"],
                "subject": reference(patient), "effectiveDateTime": instant(authored),
                "derivedFrom": [reference(checkIn.id)],
            ]
            if total == total.rounded() {
                observation["valueInteger"] = Int(total)
            } else {
                observation["valueQuantity"] = ["value": total, "unit": "score", "system": "http://unitsofmeasure.org", "code": "{score}"]
            }
            if let band = checkIn.band { observation["interpretation"] = [["text": band.display]] }
            entries.append((observationID, observation))
        }
        if let consent = contents.consent {
            let text = consent.version.document.signedText
            let id = consent.signature.id
            entries.append((id, [
                "resourceType": "Consent", "id": id.lowercasedText, "status": "active",
                "scope": ["coding": [["system": "http://terminology.hl7.org/CodeSystem/consentscope", "code": "patient-privacy",
                                      "display": "Privacy Consent"]]],
                "category": [["coding": [["system": loinc, "code": "59284-0", "display": "Patient Consent"]]]],
                "patient": reference(patient), "dateTime": instant(consent.signature.signedAt),
                "performer": [reference(patient)], "organization": [reference(organization)],
                "policyRule": ["text": "\(contents.practiceName)'s agreement about confidentiality and its limits, version \(consent.version.version)"],
                "sourceAttachment": [
                    "contentType": "text/plain; charset=utf-8", "language": "en",
                    "data": Data(text.utf8).base64EncodedString(),
                    "hash": Data(Insecure.SHA1.hash(data: Data(text.utf8))).base64EncodedString(),
                    "title": "Signed by \(consent.name), version \(consent.version.version)",
                    "creation": instant(consent.version.createdAt),
                ],
                "extension": [["url": "\(rapportBase)/StructureDefinition/signed-text-sha256", "valueString": consent.signature.sha256]],
            ]))
        }
        for note in contents.progressNotes {
            var resource: [String: Any] = [
                "resourceType": "DocumentReference", "id": note.id.lowercasedText, "status": "current",
                "type": ["coding": [["system": loinc, "code": "11506-3", "display": "Progress note"]]],
                "subject": reference(patient), "date": instant(note.createdAt), "custodian": reference(organization),
                "content": [["attachment": ["contentType": "text/plain; charset=utf-8", "language": "en",
                                            "data": Data(note.body.utf8).base64EncodedString(), "creation": instant(note.createdAt)]]],
            ]
            if contents.staff[note.authorID] != nil { resource["author"] = [reference(note.authorID)] }
            entries.append((note.id, resource))
        }
        let provenance = derivedID("provenance|\(instant(contents.exportedAt))", patient)
        entries.append((provenance, [
            "resourceType": "Provenance", "id": provenance.lowercasedText,
            "target": entries.map { reference($0.0) }, "recorded": instant(contents.exportedAt),
            "agent": [["type": ["coding": [["system": "http://terminology.hl7.org/CodeSystem/provenance-participant-type", "code": "custodian",
                                            "display": "Custodian"]]],
                       "who": reference(organization)]],
        ]))
        let bundle: [String: Any] = [
            "resourceType": "Bundle", "id": derivedID("bundle|\(instant(contents.exportedAt))", patient).lowercasedText,
            "type": "collection", "timestamp": instant(contents.exportedAt),
            "entry": entries.map { ["fullUrl": "urn:uuid:\($0.0.lowercasedText)", "resource": $0.1] },
        ]
        return try JSONSerialization.data(withJSONObject: bundle, options: [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes])
    }
}
