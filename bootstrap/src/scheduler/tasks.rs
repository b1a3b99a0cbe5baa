//! Every task this process schedules, registered in one place. Add yours here:
//! `scheduler.register(MyTask)?;` (see docs/cron.md).

use adapter_jobs::tasks::{
    ExpireSessions, FlakyExample, HelloExample, ProbeTask, PurgeDeletedUsers, RollUpDailyStats, SweepPresence,
};
use adapter_jobs::{RegisterError, Scheduler};

/// Registers the built-in tasks, the examples when `cron.examples` is on, and the probes when
/// `cron.probe_file` is set.
pub fn register_all(scheduler: &mut Scheduler, examples: bool) -> Result<(), RegisterError> {
    scheduler.register(PurgeDeletedUsers)?;
    scheduler.register(ExpireSessions)?;
    scheduler.register(RollUpDailyStats)?;
    scheduler.register(SweepPresence)?;
    if examples {
        scheduler.register(HelloExample)?;
        scheduler.register(FlakyExample)?;
    }
    let options = scheduler.options().clone();
    if let Some(file) = options.probe_file {
        for n in 1..=options.probe_tasks {
            scheduler.register(ProbeTask::new(n, file.clone(), options.probe_work))?;
        }
    }
    Ok(())
}
