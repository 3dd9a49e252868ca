import Foundation
import NIOCore
import NIOPosix
import NIOSSL

/// How to reach the practice's own mail server (issue 11, point 3). Read from the environment only
/// (`RapportConfiguration.fromEnvironment`): the password is never stored in the database, never logged, never shown.
struct SMTPSettings: Sendable, Equatable {
    enum Security: String, Sendable, Equatable, CaseIterable {
        /// Plain connection upgraded with STARTTLS before anything else is said (the default, port 587).
        case startTLS = "starttls"
        /// TLS from the first byte (port 465).
        case tls
        /// No encryption: only for a relay on the same machine; refused with a password (`problem`).
        case none
    }

    var host: String
    var port: Int
    var security: Security
    var username: String?
    var password: String?
    /// The sender address every email leaves from.
    var from: String
    /// A CA certificate file (PEM) to trust besides the system's, for a relay with a private certificate.
    var trustedCertificateFile: String?
    /// How long one email may take, connection to QUIT.
    var timeoutSeconds: Int64 = 30

    /// The address a header may carry: one mailbox, nothing that could end a header line or open another.
    static func isPlainAddress(_ address: String) -> Bool {
        guard address.utf8.count <= 254, address.split(separator: "@").count == 2 else { return false }
        return !address.unicodeScalars.contains { $0.value < 0x21 || $0.value == 0x7F || "<>()[],;:\\\"".unicodeScalars.contains($0) }
    }

    /// Why these settings can't be used (nil: they can).
    var problem: String? {
        if host.isEmpty { return "RAPPORT_SMTP_HOST is empty." }
        if !(1...65_535).contains(port) { return "RAPPORT_SMTP_PORT must be from 1 to 65535." }
        if !Self.isPlainAddress(from) { return "RAPPORT_SMTP_FROM must be one email address, such as rapport@your-practice.example." }
        if security == .none, password != nil {
            return "RAPPORT_SMTP_PASSWORD is set but RAPPORT_SMTP_SECURITY is none: the password would cross the network unencrypted."
        }
        if (username == nil) != (password == nil) { return "Set both RAPPORT_SMTP_USER and RAPPORT_SMTP_PASSWORD, or neither." }
        return nil
    }
}

/// Why a send failed, in words that carry no address and nothing the server echoed back (a refusal's text often
/// repeats the recipient's address): the stage and the reply code only. These words are stored and shown to the
/// owner, and logged.
struct SMTPFailure: Error, Sendable, Equatable, CustomStringConvertible {
    enum Kind: Sendable, Equatable {
        /// The server answered with a permanent refusal (5xx): trying again won't help.
        case refused
        /// A temporary refusal (4xx), the connection, or a timeout: worth trying again.
        case temporary
    }

    let kind: Kind
    let words: String
    var description: String { words }

    static func reply(_ code: Int, at stage: String) -> SMTPFailure {
        SMTPFailure(kind: (500...599).contains(code) ? .refused : .temporary, words: "the mail server answered \(code) to \(stage)")
    }
}

/// One email, ready to send: the envelope's two addresses and the whole message.
struct OutgoingEmail: Sendable, Equatable {
    let from: String
    let to: String
    let subject: String
    let body: String
    let messageID: String
    let date: Date

    /// The message as SMTP's DATA carries it: headers, a blank line, the body; every line ends CRLF, and a line that
    /// starts with a dot gets another (RFC 5321 §4.5.2). Plain text, UTF-8.
    var wire: String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss '+0000'"
        let headers = [
            "From: Rapport <\(from)>",
            "To: <\(to)>",
            "Subject: \(subject)",
            "Date: \(formatter.string(from: date))",
            "Message-ID: <\(messageID)>",
            "MIME-Version: 1.0",
            "Content-Type: text/plain; charset=utf-8",
            "Content-Transfer-Encoding: 8bit",
            "Auto-Submitted: auto-generated",
        ]
        let lines = body.replacingOccurrences(of: "\r\n", with: "\n").split(separator: "\n", omittingEmptySubsequences: false)
            .map { $0.hasPrefix(".") ? "." + $0 : String($0) }
        return (headers + [""] + lines).joined(separator: "\r\n") + "\r\n"
    }
}

/// A small SMTP client on SwiftNIO: one connection per email, STARTTLS (or TLS) before anything else when the
/// settings ask for it, AUTH PLAIN or LOGIN when a user is set, then MAIL, RCPT, DATA, QUIT. Every reply is awaited
/// under one deadline; anything unexpected ends the connection and says at which stage.
struct SMTPClient: Sendable {
    let settings: SMTPSettings
    let group: any EventLoopGroup

    func send(_ email: OutgoingEmail) async throws {
        guard SMTPSettings.isPlainAddress(email.to), SMTPSettings.isPlainAddress(email.from) else {
            throw SMTPFailure(kind: .refused, words: "the address is not one plain email address")
        }
        let tls = try tlsContext()
        let (stream, continuation) = AsyncThrowingStream<SMTPReply, any Error>.makeStream()
        let settings = self.settings
        let channel: any Channel
        do {
            channel = try await ClientBootstrap(group: group)
                .connectTimeout(.seconds(min(settings.timeoutSeconds, 30)))
                .channelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        if settings.security == .tls, let tls {
                            try channel.pipeline.syncOperations.addHandler(try NIOSSLClientHandler(context: tls, serverHostname: Self.sniName(settings.host)))
                        }
                        try channel.pipeline.syncOperations.addHandler(SMTPReplyDecoder(continuation))
                    }
                }
                .connect(host: settings.host, port: settings.port).get()
        } catch {
            continuation.finish()
            throw SMTPFailure(kind: .temporary, words: "could not connect to the mail server (\(Self.kindOf(error)))")
        }
        // One deadline for the whole conversation: past it the connection is closed, and the reply being awaited fails.
        let deadline = channel.eventLoop.scheduleTask(in: .seconds(settings.timeoutSeconds)) { channel.close(promise: nil) }
        defer {
            deadline.cancel()
            channel.close(promise: nil)
        }
        var replies = stream.makeAsyncIterator()
        var consumed = 0
        func next(_ stage: String) async throws -> SMTPReply {
            do {
                consumed += 1
                guard let reply = try await replies.next() else {
                    throw SMTPFailure(kind: .temporary, words: "the mail server closed the connection at \(stage)")
                }
                return reply
            } catch let failure as SMTPFailure {
                throw failure
            } catch {
                throw SMTPFailure(kind: .temporary, words: "the connection failed at \(stage) (\(Self.kindOf(error)))")
            }
        }
        func say(_ line: String, expect codes: ClosedRange<Int>, stage: String) async throws -> SMTPReply {
            do {
                try await channel.writeAndFlush(ByteBuffer(string: line + "\r\n")).get()
            } catch {
                throw SMTPFailure(kind: .temporary, words: "the connection failed at \(stage) (\(Self.kindOf(error)))")
            }
            let reply = try await next(stage)
            guard codes.contains(reply.code) else { throw SMTPFailure.reply(reply.code, at: stage) }
            return reply
        }

        let greeting = try await next("the greeting")
        guard greeting.code == 220 else { throw SMTPFailure.reply(greeting.code, at: "the greeting") }
        let helloName = Self.helloName(from: settings.from)
        var hello = try await say("EHLO \(helloName)", expect: 250...250, stage: "EHLO")
        if settings.security == .startTLS {
            guard hello.extensions.contains("STARTTLS") else {
                throw SMTPFailure(kind: .refused, words: "the mail server does not offer STARTTLS, and Rapport sends nothing unencrypted")
            }
            _ = try await say("STARTTLS", expect: 220...220, stage: "STARTTLS")
            guard let tls else { throw SMTPFailure(kind: .refused, words: "no TLS context") }
            let host = Self.sniName(settings.host)
            // Nothing said before TLS may be read after it (STARTTLS command injection, CVE-2011-0411): anything left
            // unread after the 220 ends the conversation, and the encrypted part gets a decoder and a stream of its own.
            let (secured, securedContinuation) = AsyncThrowingStream<SMTPReply, any Error>.makeStream()
            let repliesRead = consumed
            let clean = try await channel.eventLoop.submit { () throws -> Bool in
                let operations = channel.pipeline.syncOperations
                let plain = try operations.handler(type: SMTPReplyDecoder.self)
                guard !plain.hasUnread, plain.handedOver == repliesRead else { return false }
                plain.detach()
                _ = operations.removeHandler(plain)
                try operations.addHandler(try NIOSSLClientHandler(context: tls, serverHostname: host), position: .first)
                try operations.addHandler(SMTPReplyDecoder(securedContinuation))
                return true
            }.get()
            guard clean else {
                securedContinuation.finish()
                throw SMTPFailure(kind: .temporary, words: "the mail server said more than it should before TLS began")
            }
            replies = secured.makeAsyncIterator()
            hello = try await say("EHLO \(helloName)", expect: 250...250, stage: "EHLO after STARTTLS")
        }
        if let user = settings.username, let password = settings.password {
            if hello.authMethods.contains("PLAIN") {
                let token = Data("\u{0}\(user)\u{0}\(password)".utf8).base64EncodedString()
                _ = try await say("AUTH PLAIN \(token)", expect: 235...235, stage: "AUTH")
            } else {
                _ = try await say("AUTH LOGIN", expect: 334...334, stage: "AUTH")
                _ = try await say(Data(user.utf8).base64EncodedString(), expect: 334...334, stage: "AUTH")
                _ = try await say(Data(password.utf8).base64EncodedString(), expect: 235...235, stage: "AUTH")
            }
        }
        _ = try await say("MAIL FROM:<\(email.from)>", expect: 250...250, stage: "MAIL FROM")
        _ = try await say("RCPT TO:<\(email.to)>", expect: 250...251, stage: "RCPT TO")
        _ = try await say("DATA", expect: 354...354, stage: "DATA")
        _ = try await say(email.wire + ".", expect: 250...250, stage: "the end of the message")
        // The message is accepted; a failed goodbye changes nothing.
        _ = try? await say("QUIT", expect: 221...221, stage: "QUIT")
    }

    private func tlsContext() throws -> NIOSSLContext? {
        guard settings.security != .none else { return nil }
        var configuration = TLSConfiguration.makeClientConfiguration()
        configuration.minimumTLSVersion = .tlsv12
        if let file = settings.trustedCertificateFile {
            do {
                let extra = try NIOSSLCertificate.fromPEMFile(file)
                configuration.trustRoots = .default
                configuration.additionalTrustRoots = [.certificates(extra)]
            } catch {
                throw SMTPFailure(kind: .refused, words: "the certificate file in RAPPORT_SMTP_CA_FILE could not be read")
            }
        }
        return try NIOSSLContext(configuration: configuration)
    }

    /// The name said in EHLO: the sender's domain (a host name the server can check), never a person.
    static func helloName(from address: String) -> String {
        String(address.split(separator: "@").last ?? "localhost")
    }

    /// SNI must be a host name, not an address.
    static func sniName(_ host: String) -> String? {
        host.allSatisfy { $0.isNumber || $0 == "." || $0 == ":" } ? nil : host
    }

    /// The kind of a connection error in a word or two (its description can name the host, which is fine, but no more).
    static func kindOf(_ error: any Error) -> String {
        if let io = error as? IOError {
            switch io.errnoCode {
            case ECONNREFUSED: return "connection refused"
            case ETIMEDOUT: return "timed out"
            case EHOSTUNREACH, ENETUNREACH: return "host unreachable"
            default: return "system error \(io.errnoCode)"
            }
        }
        if error is ChannelError { return "the connection ended" }
        if error is NIOSSLError { return "TLS failed" }
        if error is NIOConnectionError { return "connection refused" }
        return String(describing: type(of: error))
    }
}

/// One reply: its code and its lines (a multi-line reply's lines are kept for the EHLO keywords).
struct SMTPReply: Sendable, Equatable {
    let code: Int
    let lines: [String]

    /// EHLO's keywords ("STARTTLS", "AUTH PLAIN LOGIN", …), upper-cased, after the first line.
    var extensions: Set<String> { Set(lines.dropFirst().map { $0.split(separator: " ").first.map { $0.uppercased() } ?? "" }) }
    var authMethods: Set<String> {
        Set(lines.dropFirst().filter { $0.uppercased().hasPrefix("AUTH") }.flatMap { $0.uppercased().split(separator: " ").dropFirst().map(String.init) })
    }
}

/// Splits what the server says into replies ("250-first", "250 last") and hands each to the client's stream. A reply
/// that can't be read, or one past a sane size, ends the conversation.
final class SMTPReplyDecoder: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    private let continuation: AsyncThrowingStream<SMTPReply, any Error>.Continuation
    private var pending = ""
    private var lines: [String] = []
    /// Once detached (STARTTLS), it says nothing more to its stream.
    private var detached = false

    /// Replies handed to the stream so far: more than the client has read means the server said more than it was asked.
    private(set) var handedOver = 0

    /// Part of a reply received and not yet handed over.
    var hasUnread: Bool { !pending.isEmpty || !lines.isEmpty }

    /// Ends its stream: the conversation goes on through another decoder.
    func detach() {
        detached = true
        continuation.finish()
    }
    static let maximumPending = 64 * 1024

    init(_ continuation: AsyncThrowingStream<SMTPReply, any Error>.Continuation) {
        self.continuation = continuation
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !detached else { return }
        var buffer = unwrapInboundIn(data)
        pending += buffer.readString(length: buffer.readableBytes) ?? ""
        while let end = pending.range(of: "\n") {
            let line = String(pending[..<end.lowerBound]).trimmingCharacters(in: CharacterSet(charactersIn: "\r"))
            pending.removeSubrange(..<end.upperBound)
            let bytes = Array(line.utf8)
            guard bytes.count >= 3, let code = Int(String(decoding: bytes[0..<3], as: UTF8.self)), (200...599).contains(code) else {
                continuation.finish(throwing: SMTPFailure(kind: .temporary, words: "the mail server said something that is not SMTP"))
                context.close(promise: nil)
                return
            }
            lines.append(bytes.count > 4 ? String(decoding: bytes[4...], as: UTF8.self) : "")
            if bytes.count == 3 || bytes[3] == UInt8(ascii: " ") {
                handedOver += 1
                continuation.yield(SMTPReply(code: code, lines: lines))
                lines = []
            }
        }
        if pending.utf8.count > Self.maximumPending || lines.count > 200 {
            continuation.finish(throwing: SMTPFailure(kind: .temporary, words: "the mail server's reply was too long"))
            context.close(promise: nil)
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        continuation.finish(throwing: SMTPFailure(kind: .temporary, words: "the connection failed (\(SMTPClient.kindOf(error)))"))
        context.close(promise: nil)
    }

    func channelInactive(context: ChannelHandlerContext) {
        continuation.finish()
        context.fireChannelInactive()
    }
}
