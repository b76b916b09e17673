//! A small deterministic mutator for the stable smoke run: byte flips,
//! inserted and deleted ranges, repeated ranges, truncation, splices and
//! tokens that parsers trip on. (The long runs use libFuzzer's own.)

/// Text that breaks parsers: structure, escapes, numbers, multi-byte UTF-8.
const TOKENS: &[&[u8]] = &[
    b"<",
    b">",
    b"</",
    b"/>",
    b"<a>",
    b"</a>",
    b"&",
    b"&#",
    b"&#x",
    b";",
    b"&amp;",
    b"<![CDATA[",
    b"]]>",
    b"<!DOCTYPE a [<!ENTITY e \"x\">]>",
    b"&e;",
    b"xmlns:x=\"u\"",
    b"x:",
    b"{",
    b"}",
    b"[",
    b"]",
    b"\"",
    b":",
    b",",
    b"\\u",
    b"\\ud800",
    b"null",
    b"true",
    b"-",
    b".",
    b"e",
    b"E+",
    b"99999999999999999999",
    b"-9223372036854775809",
    b"1e400",
    b"NaN",
    b"\xe2\x82\xac",
    b"\xff",
    b"\0",
    b"\n",
    b"\n\n",
    b"\r\n",
    b" ",
    b"T",
    b"Z",
    b"+",
    b"GMT",
    b"arn:",
    b"arn:aws:s3:",
    b"://",
    b"[::1]",
    b"%",
    b"%2F",
    b"..",
    b"\x9f",
    b"\xbf",
    b"\xff\xff",
    b"\x1b",
    b"\xfb",
];

/// A xorshift generator: the same seed gives the same run.
pub struct Rng(u64);

impl Rng {
    /// A generator from `seed` (any value).
    pub fn new(seed: u64) -> Rng {
        Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }

    /// The next value.
    pub fn next_u64(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.0 = x;
        x
    }

    /// A value below `n` (0 when `n` is 0).
    pub fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            0
        } else {
            (self.next_u64() % n as u64) as usize
        }
    }
}

/// `data` changed in one to four places; `other` is spliced from.
pub fn mutate(rng: &mut Rng, data: &[u8], other: &[u8]) -> Vec<u8> {
    let mut out = data.to_vec();
    for _ in 0..=rng.below(4) {
        let at = rng.below(out.len() + 1);
        match rng.below(8) {
            0 if !out.is_empty() => {
                let i = rng.below(out.len());
                out[i] ^= 1 << rng.below(8);
            }
            1 if !out.is_empty() => {
                let i = rng.below(out.len());
                out[i] = rng.next_u64() as u8;
            }
            2 => {
                let end = (at + 1 + rng.below(16)).min(out.len());
                out.drain(at.min(end)..end);
            }
            3 => {
                let token = TOKENS[rng.below(TOKENS.len())];
                out.splice(at..at, token.iter().copied());
            }
            4 => out.truncate(at),
            5 if !out.is_empty() => {
                // Repeat a range (nesting, long runs).
                let start = rng.below(out.len());
                let end = (start + 1 + rng.below(64)).min(out.len());
                let piece = out[start..end].to_vec();
                for _ in 0..=rng.below(8) {
                    out.splice(start..start, piece.iter().copied());
                }
            }
            6 if !other.is_empty() => {
                let start = rng.below(other.len());
                let end = (start + 1 + rng.below(256)).min(other.len());
                out.splice(at..at, other[start..end].iter().copied());
            }
            _ => {
                // A digit run, where numbers are parsed.
                let digits: Vec<u8> = (0..1 + rng.below(24))
                    .map(|_| b'0' + rng.below(10) as u8)
                    .collect();
                out.splice(at..at, digits);
            }
        }
    }
    out.truncate(1 << 20);
    out
}
