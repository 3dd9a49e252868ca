import Vapor

enum ErrorPage {
    static func render(status: HTTPResponseStatus, title: String, detail: String, _ request: Request) -> Response {
        Layout.render(ErrorView(title: title, detail: detail, unsavedText: request.unsavedText, context: request.page), status: status)
    }
}
