import Fluent
import Foundation
import RapportCore
@testable import RapportServer
import Testing
import Vapor
import VaporTesting

/// The safety plan (issue 11): written together, editable by both, each save a sealed version, a save over a version
/// someone else replaced refused with the words kept, and the plan shown to the client where the crisis resources are.
@Suite struct SafetyPlanTests {
    static let marker = "Call my sister Ana \(UUID().uuidString.prefix(6))"

    func plan(_ cast: Cast) -> String { "/clients/\(cast.clientID.uuidString.lowercased())/safety-plan" }

    @Test func writtenTogetherVersionedAndNeverSavedOverUnseen() async throws {
        try await TestPractice.run { practice in
            let cast = try await Cast.assemble(practice)
            let app = practice.app
            let therapist = Browser(sessionToken: try await practice.signIn(cast.own))
            let client = Browser(sessionToken: try await practice.signIn(cast.client))
            let before = try await practice.auditCount()

            // The therapist writes the first version in the session, with the client.
            let (headers, body) = therapist.form(["warning_signs": "Not sleeping.\r\nCancelling plans.", "helpers": Self.marker,
                                                  "reasons_for_living": "My niece.", "based_on": "0"])
            try await app.testing().test(.POST, plan(cast), headers: headers, body: body) { response in
                #expect(response.status == .seeOther)
            }
            let first = try #require(try await SafetyPlanVersionRow.query(on: app.db).first())
            #expect(first.version == 1 && !first.byClient && first.writtenBy == cast.own.id)
            #expect(first.planEnvelope.range(of: Data("sister Ana".utf8)) == nil, "the plan is sealed")
            #expect(try await practice.auditCount() == before + 1)
            let entry = try #require(try await AuditEntryRow.query(on: app.db).sort(\.$sequence, .descending).first())
            #expect(entry.action == Action.writeSafetyPlan.rawValue && entry.resourceType == "safety-plan")
            let told = try await NotificationRow.query(on: app.db).filter(\.$kind == SafetyPlans.notificationKind).all()
            #expect(told.map(\.recipientID) == [cast.client.id])

            // The client reads it (line breaks kept), and adds to it over version 1.
            try await app.testing().test(.GET, "/me/safety-plan", headers: client.headers) { response in
                let html = response.body.string
                #expect(html.contains(Self.marker) && html.contains("<p>Not sleeping.</p><p>Cancelling plans.</p>"))
                #expect(html.contains(#"name="based_on" value="1""#))
            }
            let (clientHeaders, clientBody) = client.form(["warning_signs": "Not sleeping.", "helpers": Self.marker,
                                                           "coping": "A walk by the river.", "based_on": "1"])
            try await app.testing().test(.POST, "/me/safety-plan", headers: clientHeaders, body: clientBody) { response in
                #expect(response.status == .seeOther)
            }
            #expect(try await SafetyPlanVersionRow.query(on: app.db).count() == 2)
            let toldTeam = try await NotificationRow.query(on: app.db).filter(\.$kind == SafetyPlans.notificationKind)
                .filter(\.$recipientID != cast.client.id).all()
            #expect(Set(toldTeam.map(\.recipientID)) == [cast.own.id, cast.coOwner.id])

            // The therapist, still on version 1's page, saves: refused, their words kept, the newer plan shown.
            let (staleHeaders, staleBody) = therapist.form(["warning_signs": "Stale words", "based_on": "1"])
            try await app.testing().test(.POST, plan(cast), headers: staleHeaders, body: staleBody) { response in
                #expect(response.status == .conflict)
                let html = response.body.string
                #expect(html.contains("The client saved a newer version of the plan while you were writing."))
                #expect(html.contains("Stale words") && html.contains("A walk by the river."))
            }
            // A version that isn't a number, or is out of range, is never saved over anything.
            for raw in ["", "abc", "-1", "99999999999999999999", "2.0"] {
                let (oddHeaders, oddBody) = therapist.form(["warning_signs": "Odd", "based_on": raw])
                try await app.testing().test(.POST, plan(cast), headers: oddHeaders, body: oddBody) { response in
                    #expect(response.status == .conflict, "based_on \(raw)")
                }
            }
            #expect(try await SafetyPlanVersionRow.query(on: app.db).count() == 2)
            // The record says which version there is.
            try await app.testing().test(.GET, "/clients/\(cast.clientID.uuidString.lowercased())", headers: therapist.headers) { response in
                #expect(response.body.string.contains("Version 2, saved"))
            }
        }
    }

    /// A care team of two: a colleague's save is named as theirs, and a form refused for its length keeps the version
    /// it was written over, so fixing it can't save over the colleague's version unseen.
    @Test func aColleaguesVersionIsNamedAndNeverSavedOverAfterARefusal() async throws {
        try await TestPractice.run { practice in
            let cast = try await Cast.assemble(practice)
            let app = practice.app
            let own = Browser(sessionToken: try await practice.signIn(cast.own))
            let coOwner = Browser(sessionToken: try await practice.signIn(cast.coOwner))
            try await SafetyPlans.save(["coping": "A walk."], basedOn: 0, byClient: false,
                                       in: try await practice.record(cast.own.actor, .writeSafetyPlan, cast.scope))
            // The colleague saves version 2 while the therapist still has version 1 open.
            let (headers, body) = coOwner.form(["coping": "A walk. Music.", "based_on": "1"])
            try await app.testing().test(.POST, plan(cast), headers: headers, body: body) { #expect($0.status == .seeOther) }
            try await app.testing().test(.GET, plan(cast), headers: own.headers) { response in
                #expect(response.body.string.contains("saved") && response.body.string.contains("by another member of the care team."))
            }
            // Too long: refused for that, and the form still says it was written over version 1 ...
            let long = String(repeating: "x", count: SafetyPlan.maximumSectionLength + 1)
            let (longHeaders, longBody) = own.form(["coping": long, "based_on": "1"])
            try await app.testing().test(.POST, plan(cast), headers: longHeaders, body: longBody) { response in
                #expect(response.status == .unprocessableEntity)
                #expect(response.body.string.contains(#"name="based_on" value="1""#))
            }
            // ... so the fixed form is refused as written over a version someone else replaced, naming who.
            let (fixedHeaders, fixedBody) = own.form(["coping": "Shorter", "based_on": "1"])
            try await app.testing().test(.POST, plan(cast), headers: fixedHeaders, body: fixedBody) { response in
                #expect(response.status == .conflict)
                #expect(response.body.string.contains("Someone else on the care team saved a newer version of the plan"))
            }
            #expect(try await SafetyPlanVersionRow.query(on: app.db).count() == 2)
        }
    }

    @Test func anEmptyOrOverlongPlanIsRefusedBesideItsPart() async throws {
        try await TestPractice.run { practice in
            let cast = try await Cast.assemble(practice)
            let client = Browser(sessionToken: try await practice.signIn(cast.client))
            let long = String(repeating: "x", count: SafetyPlan.maximumSectionLength + 1)
            for fields in [["based_on": "0"], ["warning_signs": "  \n ", "based_on": "0"], ["coping": long, "based_on": "0"]] {
                let (headers, body) = client.form(fields)
                try await practice.app.testing().test(.POST, "/me/safety-plan", headers: headers, body: body) { response in
                    #expect(response.status == .unprocessableEntity)
                    #expect(response.body.string.contains("class=\"error\" id=\"plan-"))
                }
            }
            #expect(try await SafetyPlanVersionRow.query(on: practice.app.db).count() == 0)
        }
    }

    /// Where the crisis resources are, the plan is: on the client's home page, and open first after a risk answer;
    /// the therapist's risk alert offers going through it first.
    @Test func thePlanIsWhereTheCrisisResourcesAre() async throws {
        try await TestPractice.run { practice in
            let cast = try await Cast.assemble(practice)
            let app = practice.app
            let client = Browser(sessionToken: try await practice.signIn(cast.client))
            let therapist = Browser(sessionToken: try await practice.signIn(cast.own))
            try await app.testing().test(.GET, "/me", headers: client.headers) { response in
                #expect(response.body.string.contains("Make a safety plan with your therapist"))
            }
            let record = try await practice.record(cast.own.actor, .writeSafetyPlan, cast.scope)
            try await SafetyPlans.save(["helpers": Self.marker], basedOn: 0, byClient: false, in: record)
            try await app.testing().test(.GET, "/me", headers: client.headers) { response in
                let html = response.body.string
                #expect(html.contains("id=\"your-safety-plan\"") && html.contains(Self.marker))
                let plan = try #require(html.range(of: "id=\"your-safety-plan\""))
                let crisis = try #require(html.range(of: "id=\"crisis-resources\""))
                #expect(plan.lowerBound < crisis.lowerBound, "the plan comes before the crisis resources")
            }
            // A risk answer: the question page shows the plan open, and the alert on the record offers it first.
            _ = try await CheckIns.saveAnswer(1, item: 8, definition: InstrumentCatalogue.definition(id: "phq-9")!,
                                              appointmentID: cast.appointmentID, to: nil,
                                              in: try await practice.record(cast.client.actor, .answerOwnCheckIn, cast.scope))
            try await app.testing().test(.GET, "/me/check-ins/\(cast.appointmentID.uuidString.lowercased())/phq-9", headers: client.headers) { response in
                #expect(response.body.string.contains("id=\"your-safety-plan\" open=\"open\""))
            }
            try await app.testing().test(.GET, "/clients/\(cast.clientID.uuidString.lowercased())", headers: therapist.headers) { response in
                let html = response.body.string
                let alert = try #require(html.range(of: "id=\"risk-alerts\""))
                #expect(html[alert.upperBound...].contains("Go through the safety plan together"))
            }
        }
    }
}
