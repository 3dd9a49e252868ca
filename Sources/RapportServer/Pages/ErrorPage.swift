import Plot
import Vapor

enum ErrorPage {
    static func render(status: HTTPResponseStatus, title: String, detail: String, _ request: Request) -> Response {
        Layout.render(title, request.page, status: status,
            .h1(.text(title)),
            .p(.class("lead"), .text(detail)),
            .p(.a(.href(request.identity.actor == nil ? "/signin" : "/"), .text(request.identity.actor == nil ? "Sign in" : "Go to your home page")))
        )
    }
}
