import Foundation

/// The OpenAPI 3.1 description of /api/v1, served at /api/v1/openapi.json. It lives as a plain JSON resource
/// (`Resources/openapi.json`) that editors and validators read; a test checks that it names exactly the API routes
/// Vapor has, so the two cannot drift apart, and schemathesis checks the server against it in `scripts/test`.
enum OpenAPIDocument {
    /// Read once; nil only in a broken build, which `configure` refuses to start with.
    static let json: String? = Bundle.module.url(forResource: "openapi", withExtension: "json")
        .flatMap { try? String(contentsOf: $0, encoding: .utf8) }
}
