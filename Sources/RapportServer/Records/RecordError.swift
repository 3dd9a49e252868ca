import Foundation
import RapportCore

/// What the record refuses, in its own terms. `Records` know nothing of HTTP: the error middleware maps each
/// case to a status and words (`RapportError.init(_:)`), and pages catch `invalid` to show the form again.
enum RecordError: Error, Equatable {
    /// What was given breaks a rule of the record; each problem names its field, for an inline message.
    case invalid([FieldProblem])
    /// Nothing by that id in this record (or nothing the asker may know exists).
    case notFound
    /// It would contradict what the record already holds (a finished check-in, attendance before the session).
    case conflict(String)
    /// It was there once and is no longer usable (a used or expired invitation).
    case gone(String)
    /// Sign-in attempts for this subject are paused until then.
    case tooManyAttempts(until: Date)
    /// A wrapped key is missing: the database and the key files do not belong together, or a client was erased.
    case missingKey
    /// A stored check-in names a measure this build doesn't ship: the database is from a newer or altered Rapport.
    case unknownInstrument
}
