/// Time left in a Gram run, from the share of its work done (`GramProgress.workDone`) and the clock.
///
/// The rate is measured from the first report on (that step also built the first pass's targets, which
/// the work units leave out) over everything done since, so one slow or fast step moves it little; the
/// work units weigh each step by its pass's cost (`workSchedule`), so a rate measured in the coarse
/// first pass holds for the finer ones.
public struct RemainingTime: Sendable {
    private var baseline: (seconds: Double, work: Double)?

    public init() {}

    /// Seconds left after a report of `workDone` (in [0,1]) at time `now` (seconds, any fixed origin):
    /// nil at the first report (no rate yet), 0 once the work is done.
    public mutating func update(workDone: Double, now: Double) -> Double? {
        let done = min(max(workDone, 0), 1)
        if done >= 1 { return 0 }
        guard let baseline else { self.baseline = (now, done); return nil }
        guard done > baseline.work else { return nil }
        return (now - baseline.seconds) / (done - baseline.work) * (1 - done)
    }
}
