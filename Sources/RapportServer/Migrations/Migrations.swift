import Fluent

// Numbered, revertible, and the same on SQLite and PostgreSQL (ARCHITECTURE.md). One migration per file, in a
// folder named by its number; each names its tables and columns literally, so renaming a model never changes
// what an old migration does. A migration that has run on a practice is never edited: changes are new migrations.

enum Migrations {
    static let all: [any AsyncMigration] = [
        M0001PracticesAndPeople(),
        M0002SignIn(),
        M0003Notes(),
        M0004AuditTrail(),
        M0005LookupIndexes(),
        M0006AuditCheckpoints(),
        M0007Appointments(),
        M0008CheckIns(),
        M0009AccountsPerInvitation(),
        M0010SignInsTable(),
        M0011PracticeTimeZone(),
        M0012InvitationsThatCanBeFound(),
        M0013EnrolmentKeyKept(),
        M0014OwnersWhoSeeClients(),
        M0015RecoveryCodes(),
        M0016SessionsThatCanBeChanged(),
        M0017RuptureRepairLog(),
        M0018ProgressInWords(),
        M0019OutcomesAtScale(),
        M0020RecordVersions(),
        M0021OutcomeKeys(),
        M0022AttendedKeys(),
        M0023Messages(),
        M0024WordsToCarry(),
        M0025SafetyPlans(),
        M0026PracticeBetweenSessions(),
        M0027EmailDelivery(),
        M0028ReachOut(),
        M0029Endings(),
        M0030FollowUps(),
        M0031EnquiryReplies(),
        M0032KeyRotation(),
        M0033Erasure(),
        M0034Consent(),
        M0035Disclosures(),
    ]
}

