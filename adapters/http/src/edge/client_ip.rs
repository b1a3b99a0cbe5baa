//! The client's IP: the peer address, or the last untrusted hop of `X-Forwarded-For` when the peer is a
//! trusted proxy (so clients cannot spoof their IP by sending the header themselves).

use std::net::IpAddr;

/// Resolves the client IP from the peer and the `X-Forwarded-For` header.
pub(super) fn resolve(peer: Option<IpAddr>, forwarded_for: Option<&str>, trusted: &[IpAddr]) -> Option<IpAddr> {
    let peer = peer?;
    if !trusted.contains(&peer) {
        return Some(peer);
    }
    let hops: Vec<IpAddr> =
        forwarded_for.unwrap_or_default().split(',').filter_map(|hop| hop.trim().parse().ok()).collect();
    Some(hops.into_iter().rev().find(|hop| !trusted.contains(hop)).unwrap_or(peer))
}

#[cfg(test)]
mod tests {
    use super::resolve;
    use std::net::IpAddr;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn forwarded_for_is_only_believed_from_trusted_proxies() {
        let proxy = ip("10.0.0.1");
        assert_eq!(resolve(Some(ip("1.2.3.4")), Some("9.9.9.9"), &[proxy]), Some(ip("1.2.3.4")));
        assert_eq!(resolve(Some(proxy), Some("9.9.9.9, 5.6.7.8"), &[proxy]), Some(ip("5.6.7.8")));
        assert_eq!(resolve(Some(proxy), Some("9.9.9.9, 10.0.0.1"), &[proxy]), Some(ip("9.9.9.9")));
        assert_eq!(resolve(Some(proxy), Some("garbage"), &[proxy]), Some(proxy));
        assert_eq!(resolve(None, None, &[]), None);
    }
}
