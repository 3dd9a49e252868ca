import Foundation
import Logging
import Vapor

// A bare Vapor app, built in the same release build as Rapport, so that `scripts/bench` can state every figure as
// a ratio to what the framework alone does on the same machine in the same run. Not part of the product.
//
//   rapport-bare PORT      GET /hello answers "Hello, world!"; POST /echo decodes {"answers":[…]} and answers its sum.

struct Answers: Content {
    var answers: [Double]
}

struct Total: Content {
    var total: Double
}

LoggingSystem.bootstrap { label in
    var handler = StreamLogHandler.standardError(label: label)
    handler.logLevel = .warning
    return handler
}
let port = CommandLine.arguments.dropFirst().first.flatMap(Int.init) ?? 8090
let app = try await Application.make(Environment(name: "production", arguments: ["rapport-bare", "serve"]))
app.http.server.configuration.hostname = "127.0.0.1"
app.http.server.configuration.port = port
app.get("hello") { _ in "Hello, world!" }
app.post("echo") { req async throws -> Total in
    Total(total: try req.content.decode(Answers.self).answers.reduce(0, +))
}
do {
    try await app.execute()
} catch {
    try? await app.asyncShutdown()
    throw error
}
try await app.asyncShutdown()
