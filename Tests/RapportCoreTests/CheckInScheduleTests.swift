import Foundation
import RapportCore
import Testing

@Suite struct CheckInScheduleTests {
    let phq9 = InstrumentCatalogue.definition(id: "phq-9")!
    let feedback = InstrumentCatalogue.definition(id: "session-feedback")!
    let start = Date(timeIntervalSince1970: 1_800_000_000)

    func session(_ start: Date, attendance: Attendance? = nil, cancelled: Bool = false) -> AppointmentSlot {
        AppointmentSlot(id: UUID(), start: start, minutes: 50, cancelled: cancelled, attendance: attendance)
    }

    func state(_ measure: InstrumentDefinition, _ slot: AppointmentSlot, at now: Date, done: Bool = false) -> CheckInState? {
        let completed: Set<CheckInKey> = done ? [CheckInKey(appointmentID: slot.id, instrumentID: measure.id)] : []
        return CheckInSchedule.plan(appointments: [slot], measures: [measure], completed: completed, now: now).first?.state
    }

    @Test func anOutcomeCheckInOpensThreeDaysBeforeAndIsOverdueFromTheStart() {
        let slot = session(start)
        let day: TimeInterval = 86400
        #expect(state(phq9, slot, at: start.addingTimeInterval(-3 * day - 1)) == .notYetOpen)
        #expect(state(phq9, slot, at: start.addingTimeInterval(-3 * day)) == .due)
        #expect(state(phq9, slot, at: start.addingTimeInterval(-1)) == .due)
        #expect(state(phq9, slot, at: start) == .overdue)
        #expect(state(phq9, slot, at: start.addingTimeInterval(7 * day - 1)) == .overdue)
        #expect(state(phq9, slot, at: start.addingTimeInterval(7 * day)) == .missed)
        #expect(state(phq9, slot, at: start.addingTimeInterval(30 * day), done: true) == .done)
    }

    @Test func feedbackOpensWhenTheSessionEndsAndIsDueWithinTwoDays() {
        let slot = session(start)
        let end = start.addingTimeInterval(50 * 60)
        #expect(state(feedback, slot, at: end.addingTimeInterval(-1)) == .notYetOpen)
        #expect(state(feedback, slot, at: end) == .due)
        #expect(state(feedback, slot, at: end.addingTimeInterval(2 * 86400 - 1)) == .due)
        #expect(state(feedback, slot, at: end.addingTimeInterval(2 * 86400)) == .overdue)
        #expect(state(feedback, slot, at: end.addingTimeInterval(7 * 86400)) == .missed)
    }

    @Test func sessionsThatDidNotHappenAskForNoFeedbackAndCancelledOnesForNothing() {
        let later = start.addingTimeInterval(86400)
        #expect(state(feedback, session(start, attendance: .didNotAttend), at: later) == nil)
        #expect(state(phq9, session(start, attendance: .didNotAttend), at: later) == .overdue)
        #expect(state(feedback, session(start, attendance: .cancelledLate), at: later) == nil)
        #expect(state(phq9, session(start, cancelled: true), at: later) == nil)
        #expect(state(feedback, session(start, attendance: .late), at: later) == .due)
    }

    @Test func anUnansweredOutcomeCheckInClosesWhenTheNextOneOpens() {
        let first = session(start)
        let next = session(start.addingTimeInterval(7 * 86400))
        func states(at now: Date) -> [CheckInState] {
            CheckInSchedule.plan(appointments: [next, first], measures: [phq9], completed: [], now: now).map(\.state)
        }
        #expect(states(at: start.addingTimeInterval(86400)) == [.overdue, .notYetOpen])
        // Four days after the first session, the next one's check-in opens: only that one is asked.
        #expect(states(at: start.addingTimeInterval(4 * 86400)) == [.missed, .due])
        // Twice-weekly sessions: both before-session check-ins stay due until each session starts.
        let soon = session(start.addingTimeInterval(2 * 86400))
        let both = CheckInSchedule.plan(appointments: [first, soon], measures: [phq9], completed: [], now: start.addingTimeInterval(-3600))
        #expect(both.map(\.state) == [.due, .due])
    }

    @Test func changeIsSaidInPlainWords() {
        #expect(ChangeWords.summary(phq9, scores: []) == "No scores yet.")
        #expect(ChangeWords.summary(phq9, scores: [17]).contains("one score so far, 17 (moderately severe)"))
        let improved = ChangeWords.summary(phq9, scores: [17, 14, 11])
        #expect(improved.contains("from 17 (moderately severe) to 11 (moderate) over 3 check-ins"))
        #expect(improved.contains("a reliable improvement (6 points better; 6 or more counts as reliable)"))
        #expect(improved.contains("Still at or above the clinical cutoff of 10"))
        let recovered = ChangeWords.summary(phq9, scores: [15, 8])
        #expect(recovered.contains("Reliable recovery on this measure: at or above the clinical cutoff of 10 at the start, below it now"))
        let recoveredOnly = ChangeWords.summary(phq9, scores: [11, 8])
        #expect(recoveredOnly.contains("Recovery on this measure:") && recoveredOnly.contains("not yet reliable"))
        let worse = ChangeWords.summary(phq9, scores: [8, 15])
        #expect(worse.contains("a reliable deterioration (7 points worse") && worse.contains("It started below the clinical cutoff of 10 and is now at or above it."))
        #expect(ChangeWords.summary(phq9, scores: [12, 12]).contains("no change"))
        #expect(ChangeWords.summary(phq9, scores: [12, 9]).contains("3 points better, less than the 6 that counts as reliable"))
        #expect(ChangeWords.summary(phq9, scores: [5, 7]).contains("It started below the clinical cutoff of 10, so recovery does not apply."))
    }

    /// On ORS a higher total is better and the clinical range is below 25.
    @Test func changeWordsFollowTheMeasuresDirection() {
        let ors = InstrumentCatalogue.definition(id: "ors")!
        let recovered = ChangeWords.summary(ors, scores: [18.5, 26.1])
        #expect(recovered.contains("7.6 points better"), "\(recovered)")
        #expect(recovered.contains("Reliable recovery on this measure: below the clinical cutoff of 25 at the start, at or above it now"))
        let healthy = ChangeWords.summary(ors, scores: [25.1, 31.2])
        #expect(healthy.contains("6.1 points better"), "\(healthy)")
        #expect(healthy.contains("It started at or above the clinical cutoff of 25, so recovery does not apply."))
        let worse = ChangeWords.summary(ors, scores: [30, 20])
        #expect(worse.contains("10 points worse") && worse.contains("reliable deterioration"))
        #expect(worse.contains("It started at or above the clinical cutoff of 25 and is now below it."))
    }
}
