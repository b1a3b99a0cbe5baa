//! The server's resident memory, from `/proc/<pid>/status` (`VmRSS`), to report memory per connection.

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
