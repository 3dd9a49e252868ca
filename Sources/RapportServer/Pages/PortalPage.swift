import Foundation
import Plot
import RapportCore

/// The client's own space: what is waiting for them, their next sessions, what stays in the room, and where to
/// turn in a crisis. Loaded from the client's own record (`Request.ownRecord`); rendered without a request.
struct PortalPage: PageView {
    let name: String
    let practiceName: String
    let upcoming: [AppointmentView]
    let checkIns: [DueCheckIn]
    let crisisResources: String
    /// Messages from the care team the client hasn't opened yet.
    var unreadMessages = 0
    /// Words written for the client to keep; the pinned ones show here.
    var wordsToCarry: [WordsToCarryView] = []
    /// Their safety plan, beside the crisis resources.
    var safetyPlan: SafetyPlanView? = nil
    /// The practice agreed with their therapist, logged from here in two taps.
    var practice: PracticeView? = nil
    /// Therapy has ended: the letter and plan, and the way back, come first; nothing is asked of them.
    var ending: EndingView? = nil
    var reachedOutAgain = false
    /// Follow-up check-ins open now (after the ending), and whether one was just answered.
    var followUps: [FollowUpView] = []
    var followedUp = false
    /// Where they stand with the practice's agreement (nil: not loaded, as in tests of other parts).
    var consent: Consents.Standing? = nil
    var now = Date()
    let context: PageContext
    let zone: TimeZone

    var title: String { "Your space" }
    var ended: Bool { ending?.endedAt != nil }

    /// The next four sessions still on, and any cancelled among or before them (so a client sees a cancellation, but
    /// four cancelled sessions never hide the next real one).
    static func nextSessions(_ sessions: [AppointmentView], after now: Date) -> [AppointmentView] {
        var shown: [AppointmentView] = []
        var held = 0
        for session in sessions.sorted(by: { $0.startsAt < $1.startsAt }) where session.startsAt > now && held < 4 {
            shown.append(session)
            if !session.cancelled { held += 1 }
        }
        return shown
    }

    var content: Node<HTML.BodyContext> {
        .group(
            .h1(.plain("Welcome, \(InputRules.firstName(of: name))")),
            .p(.class("lead"), .plain("This is your private space with \(practiceName).")),
            .unwrap(ending.flatMap { $0.endedAt == nil ? nil : $0 }) { ending in
                EndedCard.node(ending, practiceName: practiceName, context: context, zone: zone, sent: reachedOutAgain,
                               followUps: followUps, followedUp: followedUp)
            },
            consentCard,
            .if(!checkIns.isEmpty && !ended, .div(.class("card"), .id("check-ins"),
                .h2("Waiting for you"),
                .p(.class("muted"), "A few taps each. Your therapist sees your answers before your session."),
                CheckInList.node(checkIns, zone: zone))),
            .if(unreadMessages > 0, .div(.class("card"), .id("new-messages"),
                .h2("A message for you"),
                .p(.plain(unreadMessages == 1 ? "Your care team has written to you." : "Your care team has written to you \(unreadMessages) times."),
                   .plain(" "), .a(.href("/me/messages"), "Read it")))),
            .unwrap(ended ? nil : practice) { practice in
                .group(PracticeCard.node(practice, context: context, now: now),
                       .p(.a(.href("/me/practice"), "All your practice so far")))
            },
            PinnedWords.node(wordsToCarry),
            .if(!ended, .div(.class("card"), .id("upcoming-sessions"),
                .h2("Your next sessions"),
                .if(upcoming.isEmpty, .p(.class("muted"), "Nothing booked yet. Your therapist will add your sessions here.")),
                .if(!upcoming.isEmpty, .ul(.class("plain"), .forEach(upcoming) { session in
                    .li(.class(session.cancelled ? "session cancelled" : "session"),
                        SessionLine.node(session, when: Formats.when(session.startsAt, in: zone), minutes: "minutes", zone: zone, forClient: true))
                })),
                .p(.a(.href("/account/calendar"), "Add your sessions to your phone's calendar"))
            )),
            .div(.class("card"),
                .h2("What stays in the room"),
                .p("What you share here is encrypted, and only your therapist can read it. Every time someone opens your record, it is written down, and you can see it here."),
                .p(.a(.href("/me/record-access"), "See who has opened your record"), .plain(" · "),
                   .a(.href("/me/record-download"), "Download your record")),
                .p(.plain("The few limits of confidentiality, such as a serious risk to your safety or someone else's, are in your agreement with \(practiceName). "),
                   .a(.href("/me/consent"), "Read your agreement"))
            ),
            .h2("Support, any time"),
            SafetyPlanCard.node(safetyPlan, open: false),
            .if(safetyPlan == nil, .p(.a(.href("/me/safety-plan"), "Make a safety plan with your therapist"))),
            CrisisCard.node(crisisResources, opening: "If things feel like too much, you don't have to wait for your next session.")
        )
    }
}

extension PortalPage {
    /// Asks for a signature first thing when the client has signed no version, or an earlier one.
    var consentCard: Node<HTML.BodyContext> {
        switch consent {
        case .notSigned?:
            return .div(.class("card notice"), .id("consent-waiting"),
                .h2("Before your first check-in"),
                .p(.plain("Please read what stays private between you and your therapist, and the few limits to that, then sign with your name. "),
                   .a(.href("/me/consent"), "Read and sign")))
        case .signedEarlier(_, _, let current)?:
            return .div(.class("card notice"), .id("consent-waiting"),
                .h2(.plain("\(practiceName) has updated its agreement")),
                .p(.plain("Please read version \(current) and sign it. "), .a(.href("/me/consent"), "Read and sign")))
        case .signedCurrent?, nil:
            return .empty
        }
    }
}

/// The client's sessions: what is booked, and what has been, cancelled ones included with their status.
struct ClientSessionsPage: PageView {
    let sessions: [AppointmentView]
    let now: Date
    let zone: TimeZone
    let context: PageContext

    var title: String { "Your sessions" }
    /// Still to come, cancelled ones included with their status: a client who finds a session gone should read why.
    var upcoming: [AppointmentView] { sessions.filter { $0.startsAt > now } }
    var earlier: [AppointmentView] { sessions.filter { $0.startsAt <= now }.sorted { $0.startsAt > $1.startsAt } }

    var content: Node<HTML.BodyContext> {
        .group(
            .h1("Your sessions"),
            .div(.class("card"), .id("upcoming-sessions"),
                .h2("Coming up"),
                .if(upcoming.isEmpty, .p(.class("muted"), "Nothing booked yet. Your therapist will add your sessions here.")),
                .if(!upcoming.isEmpty, .ul(.class("plain"), .forEach(upcoming) { session in
                    .li(.class(session.cancelled ? "session cancelled" : "session"),
                        SessionLine.node(session, when: Formats.when(session.startsAt, in: zone), minutes: "minutes", zone: zone, forClient: true))
                })),
                .p(.a(.href("/account/calendar"), "Add your sessions to your phone's calendar"))),
            .if(!earlier.isEmpty, .div(.class("card"), .id("earlier-sessions"),
                .h2("Earlier"),
                .ul(.class("plain"), .forEach(earlier) { session in
                    .li(.class(session.cancelled ? "session cancelled" : "session"),
                        SessionLine.node(session, when: Formats.when(session.startsAt, in: zone), minutes: "minutes", zone: zone, forClient: true))
                })))
        )
    }
}

/// What is waiting for the client to answer.
struct ClientCheckInsPage: PageView {
    let checkIns: [DueCheckIn]
    let zone: TimeZone
    let context: PageContext

    var title: String { "Check-ins" }

    var content: Node<HTML.BodyContext> {
        .group(
            .h1("Check-ins"),
            .p(.class("lead"), "A few taps each, before and after your sessions. Your therapist sees your answers, and you can stop and come back."),
            .if(checkIns.isEmpty, .p(.class("card muted"), "Nothing is waiting for you right now."),
                else: .div(.class("card"), .id("check-ins"), CheckInList.node(checkIns, zone: zone)))
        )
    }
}
