import Fluent
import Foundation
import SQLKit

struct M0008CheckIns: AsyncMigration {
    var name: String { "0008-check-ins" }

    func prepare(on database: any Database) async throws {
        try await database.schema("check_ins")
            .id()
            .field("practice_id", .uuid, .required, .references("practices", "id"))
            .field("client_id", .uuid, .required, .references("clients", "id"))
            .field("appointment_id", .uuid, .required, .references("appointments", "id"))
            .field("instrument_id", .string, .required)
            .field("answers_envelope", .data, .required)
            .field("comment_envelope", .data)
            .field("total", .double)
            .field("band", .string)
            .field("flags", .string, .required)
            .field("entered_by", .uuid, .required, .references("users", "id"))
            .field("in_room", .bool, .required)
            .field("started_at", .datetime, .required)
            .field("completed_at", .datetime)
            // One check-in per measure per session, even if two taps race.
            .unique(on: "appointment_id", "instrument_id")
            .create()
        try await database.schema("check_in_plans")
            .id()
            .field("instruments", .string, .required)
            .field("updated_by", .uuid, .required, .references("users", "id"))
            .field("updated_at", .datetime, .required)
            .create()
        try await database.schema("risk_alerts")
            .id()
            .field("practice_id", .uuid, .required, .references("practices", "id"))
            .field("client_id", .uuid, .required, .references("clients", "id"))
            .field("check_in_id", .uuid, .required, .references("check_ins", "id"))
            .field("instrument_id", .string, .required)
            .field("raised_at", .datetime, .required)
            .field("evidence_envelope", .data, .required)
            .field("acknowledged_at", .datetime)
            .field("acknowledged_by", .uuid, .references("users", "id"))
            .unique(on: "check_in_id")
            .create()
        try await database.schema("notification_outbox")
            .id()
            .field("practice_id", .uuid, .required, .references("practices", "id"))
            .field("recipient_id", .uuid, .required, .references("users", "id"))
            .field("kind", .string, .required)
            .field("client_id", .uuid)
            .field("subject_id", .uuid)
            .field("created_at", .datetime, .required)
            .field("delivered_at", .datetime)
            .create()
        try await database.schema("practice_settings")
            .id()
            .field("enabled_instruments", .string, .required)
            .field("crisis_envelope", .data)
            .field("updated_by", .uuid, .required, .references("users", "id"))
            .field("updated_at", .datetime, .required)
            .create()
        if let sql = database as? any SQLDatabase {
            try await sql.create(index: "check_ins_by_client").on("check_ins").column("client_id").column("completed_at").run()
            try await sql.create(index: "risk_alerts_by_client").on("risk_alerts").column("client_id").column("acknowledged_at").run()
            // The appointments index belongs with 0007, but 0007 had already run on practices when it was found
            // missing, and a migration that has run is never edited.
            try await sql.create(index: "appointments_by_client").on("appointments").column("client_id").column("starts_at").run()
        }
    }

    func revert(on database: any Database) async throws {
        if let sql = database as? any SQLDatabase {
            for index in ["appointments_by_client", "risk_alerts_by_client", "check_ins_by_client"] { try await sql.drop(index: index).run() }
        }
        for schema in ["practice_settings", "notification_outbox", "risk_alerts", "check_in_plans", "check_ins"] {
            try await database.schema(schema).delete()
        }
    }
}
