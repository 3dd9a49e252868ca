import Foundation
import Plot
import RapportCore

/// The client's words to carry: what their therapist wrote for them to keep, pinned ones first, each with a button
/// to pin it to (or take it off) their home page.
struct WordsToCarryPage: PageView {
    let words: [WordsToCarryView]
    let context: PageContext
    let zone: TimeZone

    var title: String { "Words to carry" }

    var content: Node<HTML.BodyContext> {
        .group(
            .p(.a(.href("/me"), "← Your space")),
            .h1("Words to carry"),
            .p(.class("lead"), "Things your therapist wrote for you to keep, to open when you need them. Pin the ones you want on your home page."),
            .if(words.isEmpty, .p(.class("card muted"), "Nothing here yet. When your therapist writes something for you to keep, it will be here, and stay yours."),
                else: .ul(.class("plain words-list"), .forEach(words) { item in
                    .li(.class(item.pinned ? "card words pinned" : "card words"), .id("words-\(item.id.uuidString.lowercased())"),
                        .forEach(Formats.lines(item.body)) { .p(.class("carry"), .plain($0)) },
                        .p(.class("muted"), .plain((item.pinned ? "Pinned · " : "") + Formats.when(item.createdAt, in: zone))),
                        .form(.method(.post), .action("/me/words/\(item.id.uuidString.lowercased())/pin"), .class("inline"),
                              .input(.type(.hidden), .name(CSRF.fieldName), .value(context.csrfToken)),
                              .input(.type(.hidden), .name("pinned"), .value(item.pinned ? "no" : "yes")),
                              .button(.type(.submit), .class("link-button"),
                                      .plain(item.pinned ? "Take off my home page" : "Pin to my home page"))))
                }))
        )
    }
}

/// Pinned words on the client's home page, and the way to all of them.
enum PinnedWords {
    static func node(_ words: [WordsToCarryView]) -> Node<HTML.BodyContext> {
        let pinned = words.filter(\.pinned)
        guard !words.isEmpty else { return .empty }
        return .div(.class("card words"), .id("words-to-carry"),
            .h2("Words to carry"),
            .forEach(pinned) { item in
                .blockquote(.forEach(Formats.lines(item.body)) { .p(.class("carry"), .plain($0)) })
            },
            .p(.a(.href("/me/words"), .plain(pinned.isEmpty ? "Words your therapist wrote for you" : "All your words to carry"))))
    }
}
