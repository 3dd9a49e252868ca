import Foundation

/// What each email says. Email crosses servers nobody here controls and sits in inboxes others may read, so it says
/// only that something waits in Rapport and where to sign in: no clinical word, no other person's name, no practice
/// name (it may be a person's, or say what kind of help this is), nothing from the record (issue 11, point 3).
enum EmailTexts {
    struct Text: Sendable, Equatable {
        let subject: String
        let body: String
    }

    /// Words no email may carry; the tests read every text against it.
    static let forbiddenWords = ["therap", "risk", "suicid", "harm", "safety", "crisis", "depress", "anxi", "phq", "gad",
                                 "session", "symptom", "diagnos", "treatment", "counsel", "clinic", "mental", "mood",
                                 "plan", "practice", "practise", "feedback", "check-in", "score", "alert"]

    static let footer = "\n\nThis email only says that something is waiting. Everything else stays in Rapport, where only the people it is meant for can read it.\nIf you weren't expecting this, you can ignore it."

    /// The email for an outbox row of `kind`; `signInURL` is where to sign in.
    static func notification(kind: String, signInURL: String) -> Text {
        switch kind {
        case Messages.notificationKind:
            return Text(subject: "You have a new message in Rapport",
                        body: "You have a new message in Rapport.\n\nSign in to read it: \(signInURL)" + footer)
        case RiskAlerts.notificationKind:
            return Text(subject: "Something in Rapport needs your attention today",
                        body: "Something in Rapport needs your attention today.\n\nSign in to see it: \(signInURL)" + footer)
        default:
            return Text(subject: "Something new is waiting for you in Rapport",
                        body: "Something new is waiting for you in Rapport.\n\nSign in to see it: \(signInURL)" + footer)
        }
    }

    /// The answer to an enquiry from the reach-out page: read, and someone will be in touch; a reply to this email
    /// reaches the practice. Nothing of what they wrote, nobody's name.
    static let enquiryReply = Text(subject: "Your message has been read",
        body: "Thank you for reaching out. Your message has been read, and someone will contact you soon to talk about what you'd like and when.\n\nIf you'd rather not wait, reply to this email.\n\nIf you weren't expecting this, you can ignore it.")

    /// An invitation: the link to choose a password, and until when it works.
    static func invitation(link: String, until: String) -> Text {
        Text(subject: "You're invited to Rapport",
             body: "You have been invited to make an account in Rapport.\n\nOpen this link to choose your password: \(link)\nThe link works until \(until)."
                + footer)
    }
}
