//! The server's resident memory, from `/proc/<pid>/status` (`VmRSS`), to report memory per connection, and
//! its CPU time, from `/proc/<pid>/stat`, to report CPU per delivered message (steadier than latency on a
//! machine that runs other work).

/// `VmRSS` in KiB from the text of a `/proc/<pid>/status` file.
pub fn parse_vm_rss(status: &str) -> Option<u64> {
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmRSS:"))
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|n| n.parse().ok())
}

/// `VmRSS` of process `pid` in KiB, or `None` if it cannot be read (no such process, not Linux).
pub fn vm_rss_kib(pid: u32) -> Option<u64> {
    std::fs::read_to_string(format!("/proc/{pid}/status")).ok().as_deref().and_then(parse_vm_rss)
}

/// Memory added per connection, in KiB: `(after - before) / connections`; `None` without connections.
pub fn per_connection_kib(before: u64, after: u64, connections: usize) -> Option<f64> {
    (connections > 0).then(|| after.saturating_sub(before) as f64 / connections as f64)
}

/// User plus system CPU time of process `pid` in clock ticks (`utime + stime` of `/proc/<pid>/stat`).
pub fn cpu_ticks(pid: u32) -> Option<u64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    parse_cpu_ticks(&stat)
}

/// `utime + stime` from the text of a `/proc/<pid>/stat` file (fields 14 and 15, counted after the
/// parenthesized command name, which may itself contain spaces).
pub fn parse_cpu_ticks(stat: &str) -> Option<u64> {
    let after_name = &stat[stat.rfind(')')? + 1..];
    let fields: Vec<&str> = after_name.split_whitespace().collect();
    // after the name: state is field 3, so utime (14) and stime (15) are at 11 and 12
    Some(fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?)
}

/// Clock ticks per second (`getconf CLK_TCK`); 100 on every Linux this runs on.
pub const TICKS_PER_SEC: f64 = 100.0;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vm_rss_is_read_from_the_status_text() {
        let status = "Name:\texchange\nVmPeak:\t  900000 kB\nVmRSS:\t   51234 kB\nThreads:\t9\n";
        assert_eq!(parse_vm_rss(status), Some(51234));
        assert_eq!(parse_vm_rss("Name: x\n"), None);
        assert_eq!(parse_vm_rss("VmRSS:\tlots kB\n"), None);
    }

    #[test]
    fn cpu_ticks_are_read_after_the_command_name() {
        let stat = "4242 (exchange (x)) S 1 2 3 4 5 6 7 8 9 10 250 50 0 0 20 0 9";
        assert_eq!(parse_cpu_ticks(stat), Some(300));
        assert_eq!(parse_cpu_ticks("garbage"), None);
        assert!(cpu_ticks(std::process::id()).is_some());
    }

    #[test]
    fn this_process_has_a_resident_size() {
        assert!(vm_rss_kib(std::process::id()).is_some_and(|kib| kib > 0));
        assert_eq!(vm_rss_kib(u32::MAX), None);
    }

    #[test]
    fn growth_is_divided_by_connections() {
        assert_eq!(per_connection_kib(1000, 3000, 100), Some(20.0));
        assert_eq!(per_connection_kib(3000, 1000, 100), Some(0.0), "a shrinking heap counts as zero");
        assert_eq!(per_connection_kib(1, 2, 0), None);
    }
}
