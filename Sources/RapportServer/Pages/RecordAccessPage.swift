import Foundation
import Plot
import RapportCore

/// "Who opened my record": every access to the client's record by someone signed in, newest first, in plain words,
/// refusals marked. The client reads it in their portal; their therapist reads the same list from the record.
struct RecordAccessPage: PageView {
    let lines: [RecordAccessLine]
    /// The sequence to ask for the next, older page; nil on the last.
    let older: Int64?
    /// Whether this is an earlier page (`?before=`), where an empty list means nothing earlier, not nothing at all.
    var isEarlierPage = false
    /// nil for the client's own page; the client's name and record link for the therapist's.
    let client: (name: String, base: String)?
    let zone: TimeZone
    /// Where the client's request to erase their record stands (their own page only).
    var erasure: Erasure.ClientStatus?
    let context: PageContext

    var title: String { client.map { "Who opened \($0.name)'s record" } ?? "Who opened my record" }
    var path: String { client.map { "\($0.base)/access" } ?? "/me/record-access" }

    var content: Node<HTML.BodyContext> {
        .group(
            .p(.a(.href(client?.base ?? "/me"), .plain(client.map { "← \($0.name)" } ?? "← Your space"))),
            .h1(.plain(title)),
            .p(.class("lead"), .plain(client == nil
                ? "Every time someone at your practice opens or changes your record, it is written down, and it shows here: who, when and what. If someone tried and was refused, that shows too."
                : "What \(InputRules.firstName(of: client?.name ?? "")) sees on their own page: every time someone opened or changed this record, and every refused attempt.")),
            .p(.class("muted"), .plain(client == nil
                ? "Your therapist's private process notes are kept apart from your record, so opening them is not listed here."
                : "Opening or writing psychotherapy notes is not listed: those notes are kept apart from the record.")),
            .if(lines.isEmpty, .p(.class("card muted"), .plain(isEarlierPage ? "Nothing earlier." : "Nobody has opened the record yet.")),
                else: list),
            .unwrap(older) { older in .p(.a(.href("\(path)?before=\(older)"), "Earlier")) },
            .if(client == nil, .p(.id("disclosures-link"), .a(.href("/me/disclosures"), "What was shared from your record under a limit of confidentiality"))),
            .unwrap(erasure) { ErasureCard(status: $0, zone: zone, context: context).node }
        )
    }

    var list: Node<HTML.BodyContext> {
        var out = Markup.Builder(capacity: 200 * lines.count)
        out.raw("<ul class=\"plain access-log\">")
        for line in lines {
            out.raw(line.access.kind == .refused ? "<li class=\"access refused\"><p>" : "<li class=\"access\"><p>")
            if line.access.kind == .refused { out.raw("<span class=\"badge refused\">Refused</span> ") }
            out.raw("<strong>")
            out.text(line.who)
            out.raw("</strong> ")
            out.text(line.access.words)
            out.raw("</p><p class=\"muted\">")
            out.text(Formats.when(line.access.occurredAt, in: zone))
            out.raw("</p></li>")
        }
        out.raw("</ul>")
        return out.node()
    }
}
