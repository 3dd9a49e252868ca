import Foundation
import Plot
import RapportCore

/// The client's own progress (issue 10, point 6; seed: "is anything really happening?"): each measure as a simple
/// chart and in warm, plain words, how sessions felt to them, and what their therapist chose to share about the
/// relationship. The client chooses numbers and words, or words only; with words only no score appears anywhere.
struct ClientProgressPage: PageView {
    struct Measure: Sendable {
        let definition: InstrumentDefinition
        let points: [MeasureChart.Point]
    }

    let measures: [Measure]
    /// Newest first.
    let feedback: [(date: Date, total: Double)]
    /// Newest first: what the therapist chose to share, in the client's words.
    let repairs: [(date: Date, words: String)]
    let wordsOnly: Bool
    let context: PageContext
    let zone: TimeZone
    var problem: String? = nil

    var title: String { "Your progress" }
    var isRefusal: Bool { problem != nil }
    func day(_ date: Date) -> String { Formats.when(date, in: zone).components(separatedBy: " at ").first ?? "" }

    func words(_ measure: Measure) -> String {
        ProgressWords.measure(measure.definition, scores: measure.points.map(\.score), since: measure.points.first.map { day($0.date) } ?? "",
                              numbers: !wordsOnly)
    }

    var content: Node<HTML.BodyContext> {
        .group(
            .h1("Your progress"),
            .p(.class("lead"), "How things have been changing, from your own answers. Your therapist sees the same, and you can talk about any of it together."),
            .if(measures.isEmpty, .p(.class("card"), "Nothing to show yet. After you've answered a few check-ins before your sessions, you'll see here how things are changing.")),
            .forEach(measures) { measure in
                .section(.class("card progress-measure"), .id("progress-\(measure.definition.id)"),
                    .h2(.plain(measure.definition.clientTitle)),
                    .if(!wordsOnly && measure.points.count >= 2,
                        MeasureChart(definition: measure.definition, points: measure.points, expectedCourse: nil, events: [], zone: zone,
                                     clientWords: words(measure)).node,
                        else: .p(.class("progress-words"), .plain(words(measure)))))
            },
            .section(.class("card"), .id("progress-feedback"),
                .h2("How your sessions felt"),
                .if(feedback.isEmpty, .p(.class("muted"), "After each session you can say how it felt. What you've said will be here.")),
                .ul(.class("plain"), .forEach(feedback) { entry in
                    .li(.strong(.plain(day(entry.date))), .plain(" · " + ProgressWords.feedback(total: entry.total, numbers: !wordsOnly)))
                })),
            .if(!repairs.isEmpty, .section(.class("card"), .id("progress-relationship"),
                .h2("What you worked on together"),
                .p(.class("muted"), "Your therapist chose to share these with you."),
                .ul(.class("plain"), .forEach(repairs) { entry in
                    .li(.strong(.plain(day(entry.date))), .plain(" · " + entry.words))
                }))),
            .section(.id("progress-view"),
                .h2("How you'd like to see this"),
                .form(.id("progress-view-form"), .method(.post), .action("/me/progress"), .class("stack"),
                    .input(.type(.hidden), .name(CSRF.fieldName), .value(context.csrfToken)),
                    .unwrap(problem) { .div(.class("form-error"), .attribute(named: "role", value: "alert"), .p(.plain($0))) },
                    .fieldset(.class("measures"),
                        .element(named: "legend", nodes: [Node<HTML.FormContext>.plain("Show my progress")]),
                        .label(.class("room-option"), .input(.type(.radio), .name("show"), .value("numbers"), .checked(!wordsOnly)),
                               .plain(" In numbers and words")),
                        .label(.class("room-option"), .input(.type(.radio), .name("show"), .value("words"), .checked(wordsOnly)),
                               .plain(" In words only"))),
                    .button(.type(.submit), .class("primary"), .plain("Save")))))
    }
}
