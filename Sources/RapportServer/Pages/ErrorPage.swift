import Plot
import Vapor

enum ErrorPage {
    static func render(status: HTTPResponseStatus, title: String, detail: String, _ request: Request) -> Response {
        let signedOut = request.identity.actor == nil
        return Layout.render(title, request.page, status: status,
            .h1(.text(title)),
            .p(.class("lead"), .text(detail)),
            .unwrap(request.unsavedText) { text in
                .div(.class("card"), .id("unsaved-text"),
                    .h2("Your note was not saved"),
                    .p("Copy it now, sign in again, and paste it back into the record."),
                    .textarea(.id("unsaved-note"), .attribute(named: "readonly"), .rows(8), .text(text)))
            },
            .p(.a(.href(signedOut ? "/signin" : "/"), .text(signedOut ? "Sign in" : "Go to your home page")))
        )
    }
}
