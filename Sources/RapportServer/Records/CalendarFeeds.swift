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
        // Series in one query, for the sessions booked weekly or fortnightly, and their sessions grouped once.
        let sessionsBySeries = Dictionary(grouping: rows.compactMap { row in row.seriesID.map { (series: $0, row: row) } }, by: \.series)
            .mapValues { $0.map(\.row) }
        let series = sessionsBySeries.isEmpty ? [:] : Dictionary(uniqueKeysWithValues: try await AppointmentSeriesRow.query(on: db)
            .filter(\.$id ~~ Set(sessionsBySeries.keys)).all().map { (try $0.requireID(), $0) })
        // Keys only for the clients whose places are opened.
        let withPlaces = Set(rows.filter { $0.locationEnvelope != nil }.map(\.clientID))
            .union(series.values.filter { $0.locationEnvelope != nil }.map(\.clientID))
        let clientKeys = try await services.keys.clientKeys(withPlaces, practiceID: user.practiceID, on: db)
        func place(_ envelope: Data?, clientID: UUID, _ schema: String, row: UUID) throws -> String? {
            guard let envelope else { return nil }
            guard let key = clientKeys[clientID] else { throw RecordError.missingKey }
            return try services.keys.open(envelope, key: key, schema, "location", row: row)
        }
        var events: [CalendarEvent] = []
        // A series is one recurring event (RRULE); a session of it that no longer matches the rule (moved, changed, or
        // across a change of the clocks) follows as an exception, named by the start the rule gave it.
        for (seriesID, seriesRow) in series.sorted(by: { $0.value.startsAt < $1.value.startsAt }) {
            let uid = "\(seriesID.uuidString.lowercased())@rapport"
            let seriesPlace = try place(seriesRow.locationEnvelope, clientID: seriesRow.clientID, AppointmentSeriesRow.schema, row: seriesID)
            let sessions = sessionsBySeries[seriesID] ?? []
            // Cancelled sessions are left out of the rule (EXDATE), which every calendar honours; a cancelled exception
            // is ignored by some subscribed calendars, and one for an excluded date would be contradictory.
            let cancelled = sessions.compactMap { row in
                row.cancelled ? row.seriesIndex.map { SessionSeries.ruleStart(first: seriesRow.startsAt, everyWeeks: seriesRow.intervalWeeks, index: $0) } : nil
            }
            events.append(CalendarEvent(uid: uid, start: seriesRow.startsAt, minutes: seriesRow.durationMinutes, summary: "Session",
                                        location: seriesPlace, description: "Details are in Rapport.", cancelled: false,
                                        rule: SessionSeries.rule(everyWeeks: seriesRow.intervalWeeks, count: seriesRow.count),
                                        exceptDates: cancelled))
            for row in sessions where !row.cancelled {
                guard let index = row.seriesIndex else { continue }
                let ruleStart = SessionSeries.ruleStart(first: seriesRow.startsAt, everyWeeks: seriesRow.intervalWeeks, index: index)
                let rowPlace = try place(row.locationEnvelope, clientID: row.clientID, AppointmentRow.schema, row: try row.requireID())
                guard row.startsAt != ruleStart || row.durationMinutes != seriesRow.durationMinutes || rowPlace != seriesPlace
                else { continue }
                events.append(CalendarEvent(uid: uid, start: row.startsAt, minutes: row.durationMinutes, summary: "Session",
                                            location: rowPlace, description: "Details are in Rapport.", cancelled: false,
                                            recurrenceID: ruleStart))
            }
        }
        for row in rows where row.seriesID.flatMap({ series[$0] }) == nil {
            let id = try row.requireID()
            events.append(CalendarEvent(uid: "\(id.uuidString.lowercased())@rapport", start: row.startsAt, minutes: row.durationMinutes,
                                        summary: "Session", location: try place(row.locationEnvelope, clientID: row.clientID, AppointmentRow.schema, row: id),
                                        description: "Details are in Rapport.", cancelled: row.cancelled))
        }
        return ICalendar.feed(name: "Sessions", events: events, stamp: services.now)
    }
}
