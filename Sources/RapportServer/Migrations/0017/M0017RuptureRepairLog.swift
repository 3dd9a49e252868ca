import Fluent
import Foundation
import SQLKit

/// The rupture → repair log (issue 10, point 2). A row in `ruptures` is the therapist's word on a rupture: a possible
/// one the rules raised, confirmed or dismissed (its session and rule say which signal, so a signal is reviewed at
/// most once), or one they noticed in the room. Repairs are attempts on a confirmed rupture, any number of them.
/// What the therapist wrote and chose (markers, note, reason, what they did) is sealed under the client's key; the
/// kind of rupture, its status and a repair's outcome stay plain, so the caseload can sort by need without opening
/// anything.
struct M0017RuptureRepairLog: AsyncMigration {
    var name: String { "0017-rupture-repair-log" }

    func prepare(on database: any Database) async throws {
        try await database.schema("ruptures")
            .id()
            .field("practice_id", .uuid, .required, .references("practices", "id"))
            .field("client_id", .uuid, .required, .references("clients", "id"))
            // The session it belongs to; nil only for one noticed outside any recorded session.
            .field("appointment_id", .uuid, .references("appointments", "id"))
            // "signal" (raised by a rule) or "noticed" (recorded by the therapist).
            .field("origin", .string, .required)
            // The rule that raised it; nil for one noticed in the room.
            .field("rule", .string)
            .field("type", .string, .required)
            // "confirmed" or "dismissed".
            .field("status", .string, .required)
            .field("markers_envelope", .data)
            // The note on a confirmed rupture, or the reason a possible one was dismissed.
            .field("note_envelope", .data)
            .field("recorded_by", .uuid, .required, .references("users", "id"))
            .field("recorded_at", .datetime, .required)
            // A signal is one (session, rule): reviewed once. Noticed ruptures have no rule, and NULLs never collide.
            .unique(on: "appointment_id", "rule")
            .create()
        try await database.schema("rupture_repairs")
            .id()
            .field("practice_id", .uuid, .required, .references("practices", "id"))
            .field("client_id", .uuid, .required, .references("clients", "id"))
            .field("rupture_id", .uuid, .required, .references("ruptures", "id"))
            .field("actions_envelope", .data, .required)
            // "resolved", "partly" or "not-yet".
            .field("outcome", .string, .required)
            .field("note_envelope", .data)
            // Whether the client sees this repair on their progress page (the therapist's choice, off by default).
            .field("shared_with_client", .bool, .required, .sql(.default(false)))
            .field("recorded_by", .uuid, .required, .references("users", "id"))
            .field("recorded_at", .datetime, .required)
            .create()
        guard let sql = database as? any SQLDatabase else { return }
        try await sql.create(index: "ruptures_by_client").on("ruptures").column("client_id").run()
        try await sql.create(index: "rupture_repairs_by_client").on("rupture_repairs").column("client_id").run()
    }

    func revert(on database: any Database) async throws {
        try await database.schema("rupture_repairs").delete()
        try await database.schema("ruptures").delete()
    }
}
