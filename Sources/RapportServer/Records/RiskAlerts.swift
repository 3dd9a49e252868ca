import Fluent
import Foundation
import RapportCore

/// Risk alerts: raised the moment a risk item is answered above 0, shown on the record until a therapist on the care
/// team marks them seen. Each alert notifies every therapist on the care team through the outbox.
enum RiskAlerts {
    static let notificationKind = "risk-alert"

    /// One alert per check-in, and one outbox notification per therapist on the care team.
    static func raise(for checkIn: CheckInView, in record: ClientRecord) async throws {
        let checkInID = checkIn.id
        guard try await RiskAlertRow.query(on: record.db).filter(\.$checkInID == checkInID).count() == 0 else { return }
        let alert = RiskAlertRow()
        let alertID = UUID()
        alert.id = alertID
        alert.practiceID = record.practiceID
        alert.clientID = record.clientID
        alert.checkInID = checkInID
        alert.instrumentID = checkIn.definition.id
        alert.raisedAt = record.now
        alert.evidenceEnvelope = try record.seal(checkIn.riskAnswers.joined(separator: "\n"), RiskAlertRow.schema, "evidence", row: alertID)
        try await alert.create(on: record.db)
        try await Notifications.enqueue(notificationKind, to: record.scope.careTeam.sorted { $0.uuidString < $1.uuidString },
                                        about: alertID, practiceID: record.practiceID, clientID: record.clientID, now: record.now,
                                        on: record.db)
    }

    /// An open alert as the therapist sees it: the evidence as it was when raised.
    struct OpenAlert: Sendable {
        let id: UUID
        let raisedAt: Date
        let checkIn: CheckInView
        let evidence: [String]
    }

    /// Open alerts with the check-in that raised each, newest first. `checkIns` are the client's check-in rows, already
    /// read by the caller, and `opened` the finished ones it has already opened (an alert's check-in is opened here
    /// only if it isn't finished).
    static func open(checkIns: [CheckInRow], opened: [CheckInView] = [], in record: ClientRecord) async throws -> [OpenAlert] {
        let alerts = try await HotPaths.models(RiskAlertRow.self, """
            SELECT * FROM "risk_alerts" WHERE "client_id" = \(bind: record.clientID) AND "acknowledged_at" IS NULL ORDER BY "raised_at" DESC
            """, on: record.db)
        return try alerts.compactMap { alert in
            guard let row = checkIns.first(where: { $0.id == alert.checkInID }) else { return nil }
            let alertID = try alert.requireID()
            let evidence = try record.open(alert.evidenceEnvelope, RiskAlertRow.schema, "evidence", row: alertID)
            let checkIn = try opened.first { $0.id == alert.checkInID } ?? CheckIns.opened(row, in: record).view
            return OpenAlert(id: alertID, raisedAt: alert.raisedAt, checkIn: checkIn,
                             evidence: evidence.split(separator: "\n").map(String.init))
        }
    }

    /// Marks as seen the alerts the therapist was shown (their ids come from the page), never one raised since.
    static func acknowledge(_ alertIDs: [UUID], in record: ClientRecord) async throws -> Int {
        guard !alertIDs.isEmpty else { return 0 }
        let open = try await RiskAlertRow.query(on: record.db).filter(\.$clientID == record.clientID).filter(\.$acknowledgedAt == nil)
            .filter(\.$id ~~ alertIDs).all()
        for alert in open {
            alert.acknowledgedAt = record.now
            alert.acknowledgedBy = record.actor.userID
            try await alert.update(on: record.db)
        }
        return open.count
    }
}
