import Foundation
import Plot
import RapportCore

/// First-run setup: the practice and its owner's account, from the one-time link `serve` prints.
struct SetupPage: PageView {
    let token: String
    var practiceName = ""
    var name = ""
    var email = ""
    /// A solo practice is the most common one: the owner sees clients unless they say otherwise.
    var seesClients = true
    var problems: [FieldProblem] = []
    let context: PageContext

    var title: String { "Set up your practice" }

    var content: Node<HTML.BodyContext> {
        .group(
            .h1("Set up your practice"),
            .p(.class("lead"), "This creates your practice and your own account as its owner. Only you will have this link, and it works once."),
            FormParts.form(id: "setup-form", action: "/setup/\(token)", context, problems: problems, submit: "Create the practice",
                FormParts.field("practice_name", label: "Practice name", value: practiceName, autocomplete: "organization", problems: problems),
                FormParts.field("name", label: "Your name", value: name, autocomplete: "name", problems: problems),
                FormParts.field("email", label: "Your email", type: .email, value: email, autocomplete: "email", problems: problems),
                FormParts.field("password", label: "Choose a password", type: .password, autocomplete: "new-password",
                                hint: "At least \(InputRules.minimumPasswordLength) characters. A few unrelated words work well.", problems: problems),
                .div(.class("field"),
                     .label(.class("room-option"),
                            .input(.type(.checkbox), .name("sees_clients"), .id("sees_clients"), .value("on"), .checked(seesClients)),
                            .plain(" I see clients here myself")),
                     .p(.class("hint"), "In a solo practice you are the owner and the therapist, with one account. Untick this if you only run the practice; you can change it later on the practice page."))
            ),
            .p(.class("muted"), "Next, you'll set up two-step sign-in with an authenticator app on your phone.")
        )
    }
}

struct SignInPage: PageView {
    var email = ""
    var problems: [FieldProblem] = []
    let context: PageContext

    var title: String { "Sign in" }

    var content: Node<HTML.BodyContext> {
        .group(
            .h1("Sign in"),
            .p(.class("lead"), "Welcome back. Everything you keep here is private to you and your practice."),
            FormParts.form(id: "signin-form", action: "/signin", context, problems: problems, submit: "Sign in",
                FormParts.field("email", label: "Email", type: .email, value: email, autocomplete: "username", problems: problems),
                FormParts.field("password", label: "Password", type: .password, autocomplete: "current-password", problems: problems)
            ),
            .p(.class("muted"), "Forgotten your password? Please contact your practice.")
        )
    }
}

struct SecondFactorPage: PageView {
    var problems: [FieldProblem] = []
    let context: PageContext

    var title: String { "Enter your code" }

    var content: Node<HTML.BodyContext> {
        .group(
            .h1("Enter your code"),
            .p(.class("lead"), "Open your authenticator app and enter the 6-digit code it shows for Rapport."),
            FormParts.form(id: "two-factor-form", action: "/signin/two-factor", context, problems: problems, submit: "Continue",
                FormParts.field("code", label: "6-digit code", autocomplete: "one-time-code", problems: problems,
                                extra: [.attribute(named: "inputmode", value: "numeric"), .attribute(named: "maxlength", value: "8")])
            ),
            .p(.a(.id("use-recovery-code"), .href("/signin/recovery-code"), "Lost your phone? Use a recovery code instead"))
        )
    }
}

/// Setting up the authenticator app: the key to type in, and a link for an app on the same phone.
struct EnrolmentPage: PageView {
    /// Base32, as authenticator apps take it.
    let secret: String
    /// The `otpauth://` address of the same key.
    let uri: String
    var problems: [FieldProblem] = []
    let context: PageContext

    var title: String { "Set up two-step sign-in" }

    /// The same address as a QR code; nil only if it were too long to draw (then the typed key is the way).
    var qrCode: QRCode? { QRCode(uri) }

    /// Groups of four are easier to type into a phone.
    var groupedSecret: String {
        stride(from: 0, to: secret.count, by: 4).map { offset -> String in
            let start = secret.index(secret.startIndex, offsetBy: offset)
            return String(secret[start..<(secret.index(start, offsetBy: 4, limitedBy: secret.endIndex) ?? secret.endIndex)])
        }.joined(separator: " ")
    }

    var content: Node<HTML.BodyContext> {
        .group(
            .h1("Set up two-step sign-in"),
            .p(.class("lead"), .plain(context.identity.actor?.has(.owner) == true
                ? "Because you look after the practice, signing in takes a password and a code from your phone."
                : "Because you work with clients' records, signing in takes a password and a code from your phone.")),
            .ol(.class("steps"),
                .li("Open an authenticator app (for example FreeOTP, Aegis, Google Authenticator or 1Password)."),
                .li(.plain(qrCode == nil ? "Add an account by entering this key by hand:"
                                        : "Add an account by scanning this code with the app, or by entering the key below it by hand:"),
                    // Drawn here, as SVG: no script, and the key goes to no other company to make a picture of it.
                    .unwrap(qrCode) { code in .div(.class("qr"), .id("totp-qr"), .raw(code.svg(title: "QR code of your Rapport key"))) },
                    .code(.class("secret"), .id("totp-secret"), .plain(groupedSecret))),
                .li("Type the 6-digit code the app shows below.")
            ),
            .p(.class("muted"), .plain("Time-based, 6 digits, every 30 seconds. On this phone? "),
               .a(.href(uri), "Open in your authenticator app")),
            FormParts.form(id: "enrol-form", action: "/account/two-factor", context, problems: problems, submit: "Turn on two-step sign-in",
                .input(.type(.hidden), .name("secret_shown"), .value("1")),
                FormParts.field("code", label: "6-digit code", autocomplete: "one-time-code", problems: problems,
                                extra: [.attribute(named: "inputmode", value: "numeric"), .attribute(named: "maxlength", value: "8")])
            ),
            .p(.class("muted"), "The key stays the same if you reload this page or come back later. If the entry in your app went wrong, you can start again with a new key; the old one then stops working."),
            .form(.id("restart-enrolment-form"), .method(.post), .action("/account/two-factor/restart"), .class("inline"),
                  .input(.type(.hidden), .name(CSRF.fieldName), .value(context.csrfToken)),
                  .button(.type(.submit), .class("link-button"), .plain("Start again with a new key")))
        )
    }
}

/// The owner's practice page: its therapists and the form to invite one.
struct PracticePage: PageView {
    let practiceName: String
    let therapists: [(id: UUID, name: String, twoFactorOn: Bool)]
    let invitationDays: Int
    /// The server's zone while the owner hasn't chosen the practice's; nil once they have.
    var unchosenTimeZone: String?
    var draftName = ""
    var draftEmail = ""
    var problems: [FieldProblem] = []
    let context: PageContext
    var waiting: [People.WaitingInvitation] = []
    var now = Date()
    var zone = TimeZone.current
    /// The therapist whose two-step sign-in was just reset, for the notice that says it is done.
    var resetDoneFor: String?
    /// How many clients the owner has on their own caseload, or nil when they don't see clients.
    var ownCaseload: Int?
    var ownCaseloadProblem: String?
    /// Emails given up after their last try, waiting for the owner to send them again.
    var emailNotDelivered = 0
    /// Disclosures a therapist recorded without telling the client, for a lawful reason: the owner is told instead.
    var withheldDisclosures = 0

    var title: String { practiceName }
    var hasCopyButtons: Bool { true }

    /// One account for both roles in a solo practice: the owner can take on a caseload here, and give it up while
    /// it is empty.
    var ownCaseloadSection: Node<HTML.BodyContext> {
        .section(.class("card"), .id("own-caseload"), .attribute(named: "aria-labelledby", value: "own-caseload-title"),
            .h2(.id("own-caseload-title"), "Your own clients"),
            .unwrap(ownCaseloadProblem) { .p(.class("form-error"), .attribute(named: "role", value: "alert"), .plain($0)) },
            .if(ownCaseload != nil,
                .group(
                    .p(.plain(ownCaseload == 0
                        ? "You see clients here too. Your caseload is empty: invite your first client from "
                        : "You see clients here too: \(ownCaseload ?? 0) on your caseload, under "),
                       .a(.href("/clients"), "Clients"), .plain(".")),
                    .if(ownCaseload == 0,
                        .form(.method(.post), .action("/practice/own-caseload"),
                              .input(.type(.hidden), .name(CSRF.fieldName), .value(context.csrfToken)),
                              .input(.type(.hidden), .name("sees_clients"), .value("no")),
                              .button(.type(.submit), .class("link-button"), "Stop seeing clients myself")),
                        else: .p(.class("muted"), "While clients have you on their care team, you stay their therapist."))),
                else: .group(
                    .p("In a solo practice you are also the therapist. One account can do both: you keep this page and get a caseload of your own, with the same sign-in."),
                    .form(.method(.post), .action("/practice/own-caseload"),
                          .input(.type(.hidden), .name(CSRF.fieldName), .value(context.csrfToken)),
                          .input(.type(.hidden), .name("sees_clients"), .value("yes")),
                          .button(.type(.submit), .class("primary"), "I see clients myself"))))
        )
    }

    var content: Node<HTML.BodyContext> {
        .group(
            .h1(.plain(practiceName)),
            .p(.class("lead"), .plain(ownCaseload == nil
                ? "You look after the practice: who works here, and how it runs. Clients' records stay with their therapists."
                : "You look after the practice: who works here, and how it runs. Other therapists' clients' records stay with them.")),
            .unwrap(unchosenTimeZone) { zone in
                .p(.class("notice"), .id("time-zone-notice"),
                   .plain("Session times are shown in \(zone), the server's time zone, until you choose the practice's in "),
                   .a(.href("/practice/settings"), "Practice settings"), .plain("."))
            },
            .p(.a(.href("/practice/settings"), "Practice settings: time zone, measures and crisis resources")),
            .p(.a(.href("/practice/consent"), "The practice's agreement: what stays private, and its limits")),
            .p(.a(.href("/practice/erasures"), "Erasing records: how long they are kept, and who asked")),
            .p(.a(.href("/practice/email"), .plain(emailNotDelivered > 0
                ? "Email: \(emailNotDelivered) not delivered" : "Email: the mail server, and what went"))),
            .if(withheldDisclosures > 0, .p(.class("notice"), .id("withheld-disclosures"),
                .plain(withheldDisclosures == 1 ? "A disclosure was made without telling the client, for a lawful reason. "
                       : "\(withheldDisclosures) disclosures were made without telling the client, for a lawful reason. "),
                .a(.href("/practice/disclosures"), "Review them"))),
            .h2("Therapists"),
            .unwrap(resetDoneFor) { name in
                .p(.class("notice"), .id("reset-done"), .attribute(named: "role", value: "status"),
                   .plain("Two-step sign-in for \(name) is reset. They will set it up again the next time they sign in."))
            },
            .if(therapists.isEmpty,
                .p(.class("muted"), .plain(waiting.isEmpty ? "No therapists yet. Invite the first one below."
                                                          : "No therapist has joined yet: their invitations are below.")),
                else: .ul(.class("plain card"), .forEach(therapists) { therapist in
                    .li(.class("therapist"), .p(.strong(.plain(therapist.name)), .plain(therapist.twoFactorOn ? "" : " · two-step sign-in not set up yet")),
                        // For a lost phone and lost recovery codes; a confirmation page says what it does first.
                        .if(therapist.twoFactorOn, .p(.class("therapist-actions"),
                            .a(.href("/practice/therapists/\(therapist.id.lowercasedText)/reset-two-factor"),
                               .attribute(named: "aria-label", value: Markup.attribute("Reset two-step sign-in for \(therapist.name)")),
                               "Reset two-step sign-in"))))
                })),
            WaitingInvitations.node(waiting, actions: "/practice/invitations", now: now, zone: zone, context: context),
            ownCaseloadSection,
            .h2("Invite a therapist"),
            .p("They'll get a link to choose their password and set up two-step sign-in. The link works once and expires in \(invitationDays) days."),
            FormParts.invitation(id: "invite-therapist-form", action: "/practice/invitations", context, nameLabel: "Their name",
                                 emailLabel: "Their email", name: draftName, email: draftEmail, problems: problems)
        )
    }
}

/// Accepting an invitation: choosing a password.
struct AcceptInvitationPage: PageView {
    let token: String
    let invitation: People.PendingInvitation
    var problems: [FieldProblem] = []
    let context: PageContext

    var title: String { "Welcome" }

    var content: Node<HTML.BodyContext> {
        let intro = invitation.role == .client
            ? "\(invitation.practiceName) has invited you to your private space for therapy. Choose a password to begin."
            : "\(invitation.practiceName) has invited you to work with your clients in Rapport. Choose a password, then you'll set up two-step sign-in."
        return .group(
            .h1(.plain("Welcome, \(InputRules.firstName(of: invitation.name))")),
            .p(.class("lead"), .plain(intro)),
            .p(.plain("You'll sign in with "), .strong(.plain(invitation.email)), .plain(".")),
            FormParts.form(id: "accept-form", action: "/invitations/\(token)", context, problems: problems, submit: "Create my account",
                FormParts.field("password", label: "Choose a password", type: .password, autocomplete: "new-password",
                                hint: "At least \(InputRules.minimumPasswordLength) characters. A few unrelated words work well.", problems: problems),
                FormParts.field("password_confirmation", label: "Type it once more", type: .password, autocomplete: "new-password", problems: problems)
            ),
            .if(invitation.role == .client,
                .p(.class("muted"), "What you share here is encrypted and seen only by your therapist. You'll always be able to see who has looked at your record."))
        )
    }
}

/// The owner's settings: licensed measures to enable, and the crisis resources clients are shown.
struct SettingsPage: PageView {
    /// Ids of the measures the practice can use now.
    let enabled: [String]
    /// The owner's own wording, or empty for Rapport's.
    let crisis: String
    /// The zone chosen (or, until one is, the server's), as an IANA name.
    let timeZone: String
    /// Whether the owner has chosen it yet; until then the page asks.
    let timeZoneChosen: Bool
    /// The expected reply time to messages, in hours, as chosen (nil: a refused value, so the standard is shown).
    var replyTime: Int? = nil
    var problems: [FieldProblem] = []
    var saved = false
    let context: PageContext

    var title: String { "Practice settings" }

    var content: Node<HTML.BodyContext> {
        let licensed = InstrumentCatalogue.shipped.filter { !$0.enabledByDefault }
        let always = InstrumentCatalogue.shipped.filter(\.enabledByDefault)
        let crisisProblem = problems.first { $0.field == "crisis_resources" }
        return .group(
            .p(.a(.href("/practice"), "← The practice")),
            .h1("Practice settings"),
            .if(saved, .p(.class("notice"), .attribute(named: "role", value: "status"), "Settings saved.")),
            .form(.id("settings-form"), .method(.post), .action("/practice/settings"), .class("stack"),
                .input(.type(.hidden), .name(CSRF.fieldName), .value(context.csrfToken)),
                .if(!problems.isEmpty, .div(.class("form-error"), .attribute(named: "role", value: "alert"),
                                            .forEach(problems) { .p(.plain($0.message)) })),
                .h2("Time zone"),
                timeZoneField,
                .h2("Measures"),
                .p(.plain("Always available: " + always.map { "\($0.name) (\($0.title))" }.joined(separator: "; ") + ".")),
                .p(.class("muted"), "These need a licence or registration from their authors. Enable one only once your practice holds it; therapists can then choose it for their clients."),
                .forEach(licensed) { definition in
                    .div(.class("card licence"),
                         .label(.class("room-option"),
                                .input(.type(.checkbox), .name("enable-\(definition.id)"), .value("on"),
                                       .checked(enabled.contains(definition.id))),
                                .strong(.plain(" \(definition.name): \(definition.title)"))),
                         .p(.class("muted"), .plain(definition.licence)),
                         .p(.class("muted"), .plain(definition.source)))
                },
                .h2("Messages"),
                replyTimeField,
                .h2("Crisis resources"),
                .div(.class(crisisProblem == nil ? "field" : "field has-error"),
                    .label(.for("crisis_resources"), "What a client sees when their answers suggest risk"),
                    .p(.class("hint"), "In calm, plain words: who to call, at what hours, and your practice's own arrangements. One paragraph per line. Leave empty to use Rapport's wording, shown here."),
                    .unwrap(crisisProblem) { .p(.class("error"), .plain($0.message)) },
                    .textarea(.name("crisis_resources"), .id("crisis_resources"), .rows(6),
                              .attribute(named: "placeholder", value: PracticeSettings.defaultCrisisResources), .plain(crisis))),
                .button(.type(.submit), .class("primary"), .plain("Save settings"))
            )
        )
    }
}

extension SettingsPage {
    /// How soon clients can expect a reply: shown to them on every message page and under the box they write in.
    var replyTimeField: Node<HTML.FormContext> {
        let problem = problems.first { $0.field == "reply_within_hours" }
        let current = ReplyTime.stored(replyTime)
        return .div(.class(problem == nil ? "field" : "field has-error"),
                    .label(.for("reply_within_hours"), "How soon the practice replies to a client's message"),
                    .p(.class("hint"), "Clients read this each time they write, beside a plain line that messages are not for emergencies and your crisis resources."),
                    .unwrap(problem) { .p(.class("error"), .plain($0.message)) },
                    .select(.attribute(named: "name", value: "reply_within_hours"), .attribute(named: "id", value: "reply_within_hours"),
                            .forEach(ReplyTime.choices) { choice in
                                .option(.value(String(choice.hours)), .label(choice.words.prefix(1).uppercased() + choice.words.dropFirst()),
                                        .isSelected(choice == current))
                            }))
    }

    var timeZoneField: Node<HTML.FormContext> {
        let problem = problems.first { $0.field == "time_zone" }
        let hint = timeZoneChosen
            ? "Every session time is typed and shown in this zone, for therapists and clients alike. Calendar feeds carry the exact moment, so phones show it in their own zone."
            : "Not chosen yet: times are shown in the server's zone, \(timeZone). Choose where the practice is."
        // Until the owner chooses, nothing is preselected: saving other settings must not pick a zone by accident.
        let choose: [Node<HTML.SelectContext>] = timeZoneChosen ? [] : [.option(.value(""), .label("Choose the practice's time zone"), .isSelected(true))]
        let options: [Node<HTML.SelectContext>] = choose + PracticeSettings.zones.map { zone in
            .option(.value(zone), .label(zone.replacingOccurrences(of: "_", with: " ")), .isSelected(timeZoneChosen && zone == timeZone))
        }
        return .div(.class(problem == nil ? "field" : "field has-error"),
                    .label(.for("time_zone"), "The practice's time zone"),
                    .p(.class("hint"), .plain(hint)),
                    .unwrap(problem) { .p(.class("error"), .plain($0.message)) },
                    .select(.attribute(named: "name", value: "time_zone"), .attribute(named: "id", value: "time_zone"), .group(options)))
    }
}

/// A person's secret calendar address: make one, replace it, or turn it off.
struct CalendarPage: PageView {
    let hasLink: Bool
    /// Shown once, right after it is made.
    let newLink: String?
    let context: PageContext

    var title: String { "Your calendar" }
    var hasCopyButtons: Bool { true }

    var content: Node<HTML.BodyContext> {
        .group(
            .h1("Your sessions in your calendar"),
            .p(.class("lead"), "Add a private address to your phone's or computer's calendar, and your sessions appear there by themselves."),
            .div(.class("card"),
                .h2("What the calendar shows"),
                .p("Each session appears as \"Session\", with its time and place. No names and nothing about what you talk about, because calendars are often synced to other companies' servers.")
            ),
            .unwrap(newLink) { link in
                .div(.class("notice"),
                    .p("Your new address. Copy it into your calendar app (often \"Add calendar\" → \"From URL\" or \"Subscribe\"). It is shown only this once:"),
                    .a(.id("calendar-link"), .class("link-out"), .href(link), .plain(link)),
                    CopyButton.node(target: "calendar-link", label: "Copy address"))
            },
            .if(hasLink && newLink == nil, .p(.plain("You have a calendar address. If you've lost it, or think someone else has it, make a new one: the old one stops working at once."))),
            FormParts.form(id: "calendar-form", action: "/account/calendar", context,
                           submit: hasLink ? "Make a new address (the old one stops working)" : "Make my calendar address"),
            .if(hasLink, FormParts.form(id: "calendar-revoke-form", action: "/account/calendar/revoke", context, submit: "Turn off my calendar address"))
        )
    }
}

/// One note on a page of its own (the address a note's link goes to).
struct NotePage: PageView {
    let note: NoteView
    /// The note's own address, which its date links to.
    let path: String
    let zone: TimeZone
    let context: PageContext

    var title: String { note.kind == .progress ? "Progress note" : "Psychotherapy note" }

    var content: Node<HTML.BodyContext> {
        .group(
            .p(.a(.href("/clients/\(note.clientID.uuidString.lowercased())"), "← Back to the record")),
            .h1(.plain(title)),
            NoteCard.node(note, href: path, zone: zone))
    }
}

/// A refusal or failure, in words that say what to do next; a note typed while the sign-in ran out is handed back.
struct ErrorView: PageView {
    let title: String
    let detail: String
    /// Text from a form refused because the sign-in had ended.
    let unsavedText: String?
    let context: PageContext

    var content: Node<HTML.BodyContext> {
        let signedOut = context.identity.actor == nil
        return .group(
            .h1(.plain(title)),
            .p(.class("lead"), .plain(detail)),
            .unwrap(unsavedText) { text in
                .div(.class("card"), .id("unsaved-text"),
                    .h2("Your note was not saved"),
                    .p("Copy it now, sign in again, and paste it back into the record."),
                    .textarea(.id("unsaved-note"), .attribute(named: "readonly"), .rows(8), .plain(text)))
            },
            .p(.a(.href(signedOut ? "/signin" : "/"), .plain(signedOut ? "Sign in" : "Go to your home page")))
        )
    }
}

/// Who is signed in, and the things that belong to their account.
struct AccountPage: PageView {
    let name: String
    let email: String
    let practiceName: String
    let twoFactorSince: Date?
    let zone: TimeZone
    /// Unused recovery codes; nil without two-step sign-in.
    var recoveryCodesLeft: Int?
    let context: PageContext

    var title: String { "Your account" }

    var roleWords: String {
        guard let actor = context.identity.actor, actor.isStaff else { return "Your private space with \(practiceName)." }
        switch (actor.has(.owner), actor.has(.therapist)) {
        case (true, true): return "You look after \(practiceName) and see clients there."
        case (true, false): return "You look after \(practiceName)."
        case (false, _): return "You work with clients at \(practiceName)."
        }
    }

    var content: Node<HTML.BodyContext> {
        .group(
            .h1("Your account"),
            .div(.class("card"),
                .p(.strong(.plain(name))),
                .p(.plain("You sign in with "), .strong(.plain(email)), .plain(".")),
                .p(.class("muted"), .plain(roleWords))),
            // Clients sign in with a password alone (SECURITY.md); the card is for staff, who must have the second step.
            .if(context.identity.actor?.isClient != true || twoFactorSince != nil, .div(.class("card"),
                .h2("Two-step sign-in"),
                .p(.plain(twoFactorSince.map { "On since \(Formats.when($0, in: zone)). Signing in takes your password and a code from your phone." }
                         ?? "Not set up: your account is protected by your password alone.")),
                .unwrap(recoveryCodesLeft) { left in
                    .group(
                        .p(.id("recovery-codes-left"), .class(RecoveryCodeWords.isFew(left) ? "warning" : "muted"),
                           .plain(RecoveryCodeWords.summary(left))),
                        .p(.a(.href("/account/recovery-codes"), "Make new recovery codes")))
                })),
            .div(.class("card"),
                .h2("Your calendar"),
                .p(.a(.href("/account/calendar"), "Add your sessions to your phone's or computer's calendar"))),
            .p(.class("muted"), .plain(recoveryCodesLeft == nil ? "Forgotten your password, or lost your phone? Please contact your practice."
                                                              : "Forgotten your password? Please contact your practice. Lost your phone? Sign in with a recovery code."))
        )
    }
}
