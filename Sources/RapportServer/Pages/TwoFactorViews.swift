import Foundation
import Plot
import RapportCore
import RapportVault

/// A person's recovery codes, shown this once: right after two-step sign-in is turned on, or after new ones are made.
/// Nothing can show them again (only their hashes are kept), so the page says so plainly.
struct RecoveryCodesPage: PageView {
    /// As shown, `xxxxxx-xxxxxx`.
    let codes: [String]
    /// Where the person goes on from here: their home after enrolment, their account page after making new ones.
    let next: String
    let nextLabel: String
    /// New codes made on request: the old ones have just stopped working.
    var replacedOld = false
    let context: PageContext

    var title: String { "Your recovery codes" }

    var content: Node<HTML.BodyContext> {
        .group(
            .h1("Your recovery codes"),
            .p(.class("lead"), .plain(replacedOld
                ? "Here are your new recovery codes. The old ones no longer work."
                : "Two-step sign-in is on. If you ever lose your phone, each of these codes lets you sign in once instead of a code from your app.")),
            .div(.class("card recovery"),
                .p(.id("recovery-codes-warning"), .strong("Keep these somewhere safe. Each works once, and they won't be shown again.")),
                .ol(.class("recovery-codes"), .id("recovery-codes"),
                    .forEach(codes) { .li(.code(.plain($0))) }),
                .p(.class("muted"), "Write them down or print this page, or keep them in a password manager: anywhere but the phone they stand in for.")),
            .p(.a(.class("button primary"), .id("recovery-codes-continue"), .href(next), .plain(nextLabel)))
        )
    }
}

/// The second step of signing in with a recovery code, for someone whose phone is not at hand.
struct RecoveryCodeSignInPage: PageView {
    var problems: [FieldProblem] = []
    let context: PageContext

    var title: String { "Use a recovery code" }

    var content: Node<HTML.BodyContext> {
        .group(
            .h1("Use a recovery code"),
            .p(.class("lead"), "If you can't get a code from your authenticator app, enter one of the recovery codes you kept when you set up two-step sign-in. Each code works once."),
            FormParts.form(id: "recovery-code-form", action: "/signin/recovery-code", context, problems: problems, submit: "Continue",
                FormParts.field("code", label: "Recovery code", autocomplete: "off",
                                hint: "12 letters and digits, like k7mqx2-h9tdrw. Capitals and the dash don't matter.", problems: problems,
                                extra: [.attribute(named: "autocapitalize", value: "none"), .attribute(named: "spellcheck", value: "false"),
                                        .attribute(named: "maxlength", value: "\(RecoveryCode.maximumTypedLength)")])
            ),
            .p(.a(.href("/signin/two-factor"), "Use the code from your app instead")),
            .if(context.identity.actor.map { $0.has(.therapist) && !$0.has(.owner) } == true,
                .p(.class("muted"), "Lost your recovery codes too? The practice's owner can reset your two-step sign-in, so that you set it up again."))
        )
    }
}

/// Making a new set of recovery codes, which takes a current code from the app.
struct NewRecoveryCodesPage: PageView {
    /// Unused codes now; nil when the person has no two-step sign-in, and so no codes.
    let left: Int?
    var problems: [FieldProblem] = []
    let context: PageContext

    var title: String { "Make new recovery codes" }

    var content: Node<HTML.BodyContext> {
        .group(
            .p(.a(.href("/account"), "← Your account")),
            .h1("Make new recovery codes"),
            .unwrap(left, { left in
                .group(
                    .p(.class("lead"), .plain(left == 0
                        ? "You have no recovery codes to use. New ones are shown to you once: keep them somewhere safe."
                        : "You have \(RecoveryCodeWords.count(left)) left. New codes replace all of them: the old ones stop working at once, and the new ones are shown to you once.")),
                    FormParts.form(id: "new-recovery-codes-form", action: "/account/recovery-codes", context, problems: problems,
                                   submit: "Make new recovery codes",
                        FormParts.field("code", label: "6-digit code from your authenticator app", autocomplete: "one-time-code",
                                        hint: "So that only you, with your phone, can make new codes.", problems: problems,
                                        extra: [.attribute(named: "inputmode", value: "numeric"), .attribute(named: "maxlength", value: "8")])))
            }, else: .p(.class("lead"), "Recovery codes come with two-step sign-in, which isn't turned on for your account."))
        )
    }
}

/// How many recovery codes are left, in words, and whether that is few enough to say so.
enum RecoveryCodeWords {
    static func count(_ left: Int) -> String {
        left == 1 ? "1 recovery code" : "\(left) recovery codes"
    }

    /// The account page's line.
    static func summary(_ left: Int) -> String {
        switch left {
        // None left, or none ever made (two-step sign-in turned on before there were recovery codes).
        case 0: return "Recovery codes: none to use. Make some now, so that a lost phone can't lock you out."
        case 1...RecoveryCodes.fewLeft: return "Recovery codes: only \(left) left. Make new ones soon, so that a lost phone can't lock you out."
        default: return "Recovery codes: \(left) left, each good for one sign-in without your phone."
        }
    }

    static func isFew(_ left: Int) -> Bool { left <= RecoveryCodes.fewLeft }
}

/// The owner's confirmation before resetting a therapist's two-step sign-in: what will happen, in plain words.
struct ResetTwoFactorPage: PageView {
    let therapistID: UUID
    let name: String
    var problems: [FieldProblem] = []
    let context: PageContext

    var title: String { "Reset two-step sign-in" }

    var action: String { "/practice/therapists/\(therapistID.lowercasedText)/reset-two-factor" }

    var content: Node<HTML.BodyContext> {
        let first = InputRules.firstName(of: name)
        return .group(
            .p(.a(.href("/practice"), "← The practice")),
            .h1(.plain("Reset two-step sign-in for \(name)?")),
            .p(.class("lead"), .plain("Do this when \(first) has lost the phone with their authenticator app, and their recovery codes too.")),
            .div(.class("card"),
                .h2("What happens"),
                .ul(.id("reset-consequences"),
                    .li(.plain("\(first)'s authenticator app and recovery codes stop working at once.")),
                    .li(.plain("Wherever \(first) is signed in now, they are signed out.")),
                    .li(.plain("The next time \(first) signs in with their password, Rapport takes them to set up two-step sign-in again, with a new key.")),
                    .li("Their password, their clients and their notes stay as they are."))),
            .p(.class("muted"), .plain("Before you do this, make sure it is really \(first) asking, for example by calling them on a number you already know. The reset is recorded in the practice's audit trail.")),
            FormParts.form(id: "reset-two-factor-form", action: action, context, problems: problems, submit: "Reset two-step sign-in",
                FormParts.field("code", label: "A code from your own authenticator app", value: "", autocomplete: "one-time-code",
                                hint: "To be sure it is you at this desk: a reset hands the next person with \(first)'s password a new key.",
                                problems: problems,
                                extra: [.attribute(named: "inputmode", value: "numeric"), .attribute(named: "maxlength", value: "12")])),
            .p(.a(.href("/practice"), "Cancel"))
        )
    }
}
