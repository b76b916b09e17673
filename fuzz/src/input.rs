//! How a response target reads its bytes: a call selector, a status, header
//! lines, then the body. Every byte string decodes to some response.
//!
//! ```text
//! [selector: u16 LE][status: u8]name: value\n...\n\nbody
//! ```
//! Without a blank line after the header lines, everything after the status
//! byte is the body. Header lines that are not a valid name and value are
//! dropped (a server cannot send them either).

use bytes::Bytes;
use http::{HeaderMap, HeaderName, HeaderValue};

use boto_runtime::protocol::HttpResponse;

/// Status codes a status byte below 240 picks from: mostly successes and
/// the errors services send; bytes 240 and up give any code 100..=699.
const STATUSES: [u16; 16] = [
    200, 200, 200, 200, 201, 204, 206, 299, 301, 307, 400, 403, 404, 409, 500, 503,
];

/// A decoded response input.
#[derive(Debug)]
pub struct Input {
    /// Picks the call to make (the target decides what it means).
    pub selector: u16,
    /// The response.
    pub response: HttpResponse,
}

/// Decodes fuzz bytes into a call selector and a response.
pub fn decode(data: &[u8]) -> Input {
    let (head, rest) = data.split_at(data.len().min(3));
    let selector = u16::from_le_bytes([
        head.first().copied().unwrap_or(0),
        head.get(1).copied().unwrap_or(0),
    ]);
    let status = match head.get(2).copied().unwrap_or(0) {
        b @ 240.. => 100 + (u16::from(b) - 240) * 40,
        b => STATUSES[usize::from(b) % STATUSES.len()],
    };
    let (header_block, body) = match find(rest, b"\n\n") {
        Some(at) => (&rest[..at], &rest[at + 2..]),
        None => (&[][..], rest),
    };
    let mut headers = HeaderMap::new();
    for line in header_block.split(|&b| b == b'\n') {
        let Some(colon) = line.iter().position(|&b| b == b':') else {
            continue;
        };
        let (name, value) = (&line[..colon], &line[colon + 1..]);
        let value = value.strip_prefix(b" ").unwrap_or(value);
        if let (Ok(name), Ok(value)) =
            (HeaderName::from_bytes(name), HeaderValue::from_bytes(value))
        {
            headers.append(name, value);
        }
    }
    Input {
        selector,
        response: HttpResponse {
            status,
            headers,
            body: Bytes::copy_from_slice(body),
        },
    }
}

/// Encodes a response the way [`decode`] reads it (seeds). The status is
/// written as the byte that decodes to it, when one does.
pub fn encode(selector: u16, status: u16, headers: &[(String, String)], body: &[u8]) -> Vec<u8> {
    let mut out = selector.to_le_bytes().to_vec();
    let byte = STATUSES
        .iter()
        .position(|&s| s == status)
        .map(|i| i as u8)
        .or_else(|| {
            (100..=699)
                .contains(&status)
                .then(|| (status - 100) / 40)
                .filter(|b| (status - 100).is_multiple_of(40) && *b < 16)
                .map(|b| 240 + b as u8)
        })
        // Otherwise the nearest kind: a success or a client/server error.
        .unwrap_or(match status {
            ..=299 => 0,
            300..=499 => 10,
            _ => 14,
        });
    out.push(byte);
    for (i, (name, value)) in headers.iter().enumerate() {
        if i > 0 {
            out.push(b'\n');
        }
        out.extend_from_slice(name.as_bytes());
        out.extend_from_slice(b": ");
        out.extend_from_slice(value.as_bytes());
    }
    out.extend_from_slice(b"\n\n");
    out.extend_from_slice(body);
    out
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encode_then_decode() {
        let headers = vec![("x-amz-request-id".to_owned(), "abc".to_owned())];
        for status in [200, 204, 404, 500, 503, 418] {
            let data = encode(7, status, &headers, b"<a/>");
            let input = decode(&data);
            assert_eq!(input.selector, 7);
            if status != 418 {
                assert_eq!(input.response.status, status);
            }
            assert_eq!(input.response.header("x-amz-request-id"), Some("abc"));
            assert_eq!(&input.response.body[..], b"<a/>");
        }
        // Anything decodes.
        for data in [
            &b""[..],
            b"\xff",
            b"\x01\x02\xf5:\n\n\n",
            b"\x00\x00\x00a\nb:\xff\n\n",
        ] {
            decode(data);
        }
    }
}
