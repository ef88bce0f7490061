//! The client's address, for throttling and the audit log. Behind a reverse proxy every
//! request comes from the proxy: counted by that address, one person's wrong passwords
//! would lock out all staff. A forwarded-for header is believed only from the proxies this
//! installation trusts, and then only its right-most address that no trusted proxy wrote
//! (what a client writes into the header itself sits further left and is never used).

use std::net::{IpAddr, SocketAddr};

use http::{HeaderMap, HeaderName};

/// The header read when none is configured.
pub const DEFAULT_CLIENT_IP_HEADER: &str = "x-forwarded-for";

/// One trusted proxy: an address, or a network such as `10.0.0.0/8`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Network {
    address: IpAddr,
    prefix: u8,
}

impl Network {
    fn contains(self, ip: IpAddr) -> bool {
        match (self.address, ip) {
            (IpAddr::V4(network), IpAddr::V4(ip)) => {
                let mask = u32::MAX
                    .checked_shl(32 - u32::from(self.prefix))
                    .unwrap_or(0);
                u32::from(network) & mask == u32::from(ip) & mask
            }
            (IpAddr::V6(network), IpAddr::V6(ip)) => {
                let mask = u128::MAX
                    .checked_shl(128 - u32::from(self.prefix))
                    .unwrap_or(0);
                u128::from(network) & mask == u128::from(ip) & mask
            }
            _ => false,
        }
    }
}

/// The reverse proxies whose forwarded-for header is believed (`RUXUE_TRUSTED_PROXIES`).
/// Empty by default: the peer address is the client's.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TrustedProxies(Vec<Network>);

impl TrustedProxies {
    /// Reads a comma-separated list of addresses and networks (`10.0.0.5, 10.1.0.0/16,
    /// fd00::/8`); the error names the entry that is neither.
    pub fn parse(text: &str) -> Result<Self, String> {
        let mut networks = Vec::new();
        for entry in text.split(',').map(str::trim).filter(|e| !e.is_empty()) {
            let (address, prefix) = match entry.split_once('/') {
                Some((address, prefix)) => (address.trim(), Some(prefix.trim())),
                None => (entry, None),
            };
            let bad =
                || format!("`{entry}` is neither an IP address nor a network such as 10.0.0.0/8");
            let address = address.parse::<IpAddr>().map_err(|_| bad())?.to_canonical();
            let widest = if address.is_ipv4() { 32 } else { 128 };
            let prefix = match prefix {
                None => widest,
                Some(prefix) => prefix
                    .parse::<u8>()
                    .ok()
                    .filter(|p| *p <= widest)
                    .ok_or_else(bad)?,
            };
            networks.push(Network { address, prefix });
        }
        Ok(Self(networks))
    }

    /// Whether no proxy is trusted.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Whether `ip` is one of the trusted proxies.
    pub fn contains(&self, ip: IpAddr) -> bool {
        let ip = ip.to_canonical();
        self.0.iter().any(|network| network.contains(ip))
    }
}

/// One entry of a forwarded-for header: an address, possibly with a port or in brackets.
fn parse_hop(hop: &str) -> Option<IpAddr> {
    let hop = hop.trim().trim_matches('"');
    hop.parse::<IpAddr>()
        .ok()
        .or_else(|| hop.parse::<SocketAddr>().ok().map(|s| s.ip()))
        .or_else(|| {
            hop.strip_prefix('[')
                .and_then(|h| h.strip_suffix(']'))
                .and_then(|h| h.parse::<IpAddr>().ok())
        })
        .map(|ip| ip.to_canonical())
}

/// The client's address: the peer's, unless the peer is a trusted proxy; then the
/// right-most address of `header` that is not a trusted proxy. When every address in the
/// header is trusted, the left-most of them; when an entry cannot be read before an
/// untrusted one is found, the last trusted hop (the header's rest was written by the
/// client and proves nothing).
pub fn client_ip(
    headers: &HeaderMap,
    header: &HeaderName,
    peer: Option<IpAddr>,
    trusted: &TrustedProxies,
) -> Option<IpAddr> {
    let peer = peer?.to_canonical();
    if !trusted.contains(peer) {
        return Some(peer);
    }
    // Several header lines are one list, in order. Bytes that are not text spoil only the
    // entry they are in.
    let lines: Vec<String> = headers
        .get_all(header)
        .iter()
        .map(|value| String::from_utf8_lossy(value.as_bytes()).into_owned())
        .collect();
    let mut nearest = peer;
    for hop in lines.iter().rev().flat_map(|line| line.rsplit(',')) {
        if hop.trim().is_empty() {
            continue;
        }
        match parse_hop(hop) {
            Some(ip) if trusted.contains(ip) => nearest = ip,
            Some(ip) => return Some(ip),
            None => return Some(nearest),
        }
    }
    Some(nearest)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(values: &[&'static str]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for value in values {
            map.append(
                DEFAULT_CLIENT_IP_HEADER,
                http::HeaderValue::from_static(value),
            );
        }
        map
    }

    fn ip(text: &str) -> Option<IpAddr> {
        text.parse().ok()
    }

    fn xff() -> HeaderName {
        HeaderName::from_static(DEFAULT_CLIENT_IP_HEADER)
    }

    #[test]
    fn the_list_reads_addresses_and_networks_and_names_a_bad_entry() {
        let proxies = TrustedProxies::parse(" 10.0.0.5, 172.16.0.0/12 ,fd00::/8,").expect("valid");
        assert!(proxies.contains("10.0.0.5".parse().expect("ip")));
        assert!(!proxies.contains("10.0.0.6".parse().expect("ip")));
        assert!(proxies.contains("172.31.255.1".parse().expect("ip")));
        assert!(proxies.contains("::ffff:10.0.0.5".parse().expect("ip")));
        assert!(proxies.contains("fd12::1".parse().expect("ip")));
        assert!(!proxies.contains("2001:db8::1".parse().expect("ip")));
        assert!(TrustedProxies::parse("").expect("empty").is_empty());
        assert!(
            TrustedProxies::parse("0.0.0.0/0")
                .expect("all")
                .contains("8.8.8.8".parse().expect("ip"))
        );
        let error = TrustedProxies::parse("10.0.0.1, proxy.local").expect_err("refused");
        assert!(error.contains("proxy.local"), "{error}");
        assert!(TrustedProxies::parse("10.0.0.0/33").is_err());
    }

    #[test]
    fn an_untrusted_peer_is_the_client_whatever_it_writes() {
        let trusted = TrustedProxies::parse("10.0.0.5").expect("valid");
        assert_eq!(
            client_ip(&headers(&["1.2.3.4"]), &xff(), ip("198.51.100.9"), &trusted),
            ip("198.51.100.9")
        );
        assert_eq!(
            client_ip(
                &headers(&["1.2.3.4"]),
                &xff(),
                ip("198.51.100.9"),
                &TrustedProxies::default()
            ),
            ip("198.51.100.9")
        );
    }

    #[test]
    fn through_trusted_proxies_the_right_most_untrusted_address_is_the_client() {
        let trusted = TrustedProxies::parse("10.0.0.5, 10.0.1.0/24").expect("valid");
        let peer = ip("10.0.0.5");
        // The client wrote 6.6.6.6 itself; the proxies appended what they saw.
        assert_eq!(
            client_ip(
                &headers(&["6.6.6.6, 203.0.113.7, 10.0.1.9"]),
                &xff(),
                peer,
                &trusted
            ),
            ip("203.0.113.7")
        );
        assert_eq!(
            client_ip(
                &headers(&["6.6.6.6", "203.0.113.7:5123"]),
                &xff(),
                peer,
                &trusted
            ),
            ip("203.0.113.7")
        );
        assert_eq!(
            client_ip(&headers(&["[2001:db8::7]:443"]), &xff(), peer, &trusted),
            ip("2001:db8::7")
        );
        // No header: the proxy itself (a health check, say).
        assert_eq!(client_ip(&headers(&[]), &xff(), peer, &trusted), peer);
        // Every hop trusted: the left-most.
        assert_eq!(
            client_ip(&headers(&["10.0.1.3, 10.0.1.9"]), &xff(), peer, &trusted),
            ip("10.0.1.3")
        );
        // Garbage before any untrusted hop: the last hop a trusted proxy vouches for.
        assert_eq!(
            client_ip(
                &headers(&["203.0.113.7, unknown, 10.0.1.9"]),
                &xff(),
                peer,
                &trusted
            ),
            ip("10.0.1.9")
        );
    }
}
