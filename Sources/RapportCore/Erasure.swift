public import Foundation

/// When a client's record may be erased (issue 12, point 5; SECURITY.md, "Erasure"): the client has asked and the
/// retention period the practice sets has passed since therapy ended, or the owner has recorded the legal reason it
/// may be erased early. Anything else is refused, and the refusal says until when.
public enum ErasureRules {
    /// Years a record is kept after therapy ends unless the owner sets otherwise: the common professional guidance
    /// for adults' records (seven years after the last contact).
    public static let defaultRetentionYears = 7
    /// What the owner may set: a year at least (a record needs to outlive complaints about it), fifty at most.
    public static let retentionYears = 1...50
    /// A legal reason is the owner's own words: enough to say which law or order, short enough to stay a reason.
    public static let legalReasonLength = 10...1000

    /// Why a record may be erased.
    public enum Basis: String, Sendable, Equatable {
        /// The client asked, and the retention period has passed since therapy ended.
        case retentionPassed = "retention-passed"
        /// The owner recorded the legal reason it may be erased before the retention period ends.
        case legalReason = "legal-reason"
    }

    public enum Decision: Sendable, Equatable {
        case allowed(Basis)
        case refused(String)
    }

    /// The first moment a record whose therapy ended at `endedAt` may be erased at the client's request.
    public static func retentionEnds(endedAt: Date, years: Int) -> Date {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        return calendar.date(byAdding: .year, value: years, to: endedAt) ?? .distantFuture
    }

    /// - Parameters:
    ///   - endedAt: when therapy ended (nil: it has not).
    ///   - requestedAt: when the client asked for erasure (nil: they have not).
    ///   - retentionYears: the practice's period (`retentionYears`), or nil for the default.
    ///   - legalReason: the owner's reason for an early erasure, if any (already trimmed).
    public static func decide(endedAt: Date?, requestedAt: Date?, retentionYears: Int?, legalReason: String?, now: Date) -> Decision {
        if let legalReason {
            guard legalReasonLength.contains(legalReason.count) else {
                return .refused("Write the legal reason in \(legalReasonLength.lowerBound) to \(legalReasonLength.upperBound) characters: which law, order or request allows this record to be erased now.")
            }
            return .allowed(.legalReason)
        }
        guard requestedAt != nil else {
            return .refused("The client has not asked for their record to be erased. Record their request first, or the legal reason it may be erased.")
        }
        guard let endedAt else {
            return .refused("Therapy has not ended, so the retention period has not begun. Record the ending first, or the legal reason the record may be erased now.")
        }
        let years = retentionYears.flatMap { ErasureRules.retentionYears.contains($0) ? $0 : nil } ?? defaultRetentionYears
        let ends = retentionEnds(endedAt: endedAt, years: years)
        guard ends <= now else {
            return .refused("The practice keeps records for \(years) \(years == 1 ? "year" : "years") after therapy ends: this one may not be erased before \(dayText(ends)) (UTC), unless you record the legal reason it may be erased now.")
        }
        return .allowed(.retentionPassed)
    }

    /// `2033-03-01`: a date no one misreads, whatever their country.
    public static func dayText(_ date: Date) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let parts = calendar.dateComponents([.year, .month, .day], from: date)
        return String(format: "%04d-%02d-%02d", parts.year ?? 0, parts.month ?? 0, parts.day ?? 0)
    }
}
