import Fluent
import Foundation
import RapportCore
import RapportVault

/// Secret calendar addresses: one per person; making a new one revokes the old.
enum CalendarFeeds {
    /// Returns the new token; the previous address stops working at once.
    static func renew(for userID: UUID, services: RapportServices, on db: any Database) async throws -> String {
        let token = SecureToken.generate()
        try await services.transactions.run(on: db) { db in
            try await CalendarFeedRow.query(on: db).filter(\.$userID == userID).delete()
            let row = CalendarFeedRow()
            row.userID = userID
            row.tokenHash = SecureToken.hash(token)
            row.createdAt = services.now
            try await row.create(on: db)
        }
        return token
    }

    static func revoke(for userID: UUID, services: RapportServices, on db: any Database) async throws {
        try await services.transactions.run(on: db) { db in
            try await CalendarFeedRow.query(on: db).filter(\.$userID == userID).delete()
        }
    }

    static func exists(for userID: UUID, on db: any Database) async throws -> Bool {
        try await CalendarFeedRow.query(on: db).filter(\.$userID == userID).count() > 0
    }

    /// The feed behind a token: a therapist's sessions with all their clients, or a client's own sessions.
    /// Every event is titled "Session": no name, nothing clinical.
    static func calendar(token: String, services: RapportServices, on db: any Database) async throws -> String? {
        guard token.utf8.count <= 128,
              let feed = try await CalendarFeedRow.query(on: db).filter(\.$tokenHash == SecureToken.hash(token)).first(),
              let user = try await UserRow.find(feed.userID, on: db)
        else { return nil }
        guard let actor = try user.principal() else { return nil }
        let booked = try await (user.clientID.map { clientID in AppointmentRow.query(on: db).filter(\.$clientID == clientID) }
            ?? AppointmentRow.query(on: db).filter(\.$therapistID == feed.userID)).sort(\.$startsAt).all()
        // Which of these the person may still see is the policy's decision, made per client as for any read: a client
        // sees their own sessions, a therapist those of clients still on their care team (leaving a care team ends
        // access to its calendar too).
        let action: Action = actor.isClient ? .viewOwnPortal : .listAppointments
        let scopes = try await ClientScope.load(clientIDs: Set(booked.map(\.clientID)), on: db)
        let rows = booked.filter { row in
            scopes[row.clientID].map { AccessPolicy.decide(.signedIn(actor), action, .client($0)) == .allow } ?? false
        }
        // Each fetch opens places from these clients' records: one audit entry per client, as for any read.
        let clients = Set(rows.map(\.clientID))
        try await services.transactions.run(on: db) { db in
            for clientID in clients.sorted(by: { $0.uuidString < $1.uuidString }) {
                try await AuditWriter.append(.access(by: actor, .listAppointments, clientID: clientID, resource: nil,
                                                     resourceType: "calendar-feed"), at: services.now, on: db)
            }
        }
        let clientKeys = try await services.keys.clientKeys(Set(rows.filter { $0.locationEnvelope != nil }.map(\.clientID)),
                                                            practiceID: user.practiceID, on: db)
        var events: [CalendarEvent] = []
        for row in rows {
            let id = try row.requireID()
            var location: String?
            if let envelope = row.locationEnvelope {
                guard let key = clientKeys[row.clientID] else { throw RecordError.missingKey }
                location = try services.keys.open(envelope, key: key, AppointmentRow.schema, "location", row: id)
            }
            events.append(CalendarEvent(uid: "\(id.uuidString.lowercased())@rapport", start: row.startsAt, minutes: row.durationMinutes,
                                        summary: "Session", location: location, description: "Details are in Rapport.",
                                        cancelled: row.cancelled))
        }
        return ICalendar.feed(name: "Sessions", events: events, stamp: services.now)
    }
}
