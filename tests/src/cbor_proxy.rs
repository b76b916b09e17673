//! A loopback proxy that speaks Smithy RPC v2 CBOR to the client and awsJson 1.0
//! to moto, which has no CBOR front end (moto 5.2 serves CloudWatch only over
//! query and json). The request and response documents are translated value for
//! value, so the client's CBOR codec is exercised end to end against moto's
//! real CloudWatch implementation.
//!
//! CBOR tag 1 (epoch timestamps) becomes a JSON number; byte strings become
//! base64 text. Responses go back as plain CBOR values.

use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::thread;

use crate::moto::MotoServer;

/// A running proxy in front of a moto server; it stops with the test process.
pub struct CborProxy {
    port: u16,
}

impl CborProxy {
    /// Starts a proxy forwarding to `moto`.
    pub fn start(moto: &'static MotoServer) -> io::Result<CborProxy> {
        let listener = TcpListener::bind(SocketAddr::from((Ipv4Addr::LOCALHOST, 0)))?;
        let port = listener.local_addr()?.port();
        thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                thread::spawn(move || {
                    let _ = serve(stream, moto);
                });
            }
        });
        Ok(CborProxy { port })
    }

    pub fn endpoint(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }
}

/// Serves requests on one keep-alive connection until the client closes it.
fn serve(stream: TcpStream, moto: &MotoServer) -> io::Result<()> {
    let mut reader = BufReader::new(stream.try_clone()?);
    let mut writer = stream;
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line)? == 0 {
            return Ok(());
        }
        let path = line.split_whitespace().nth(1).unwrap_or("/").to_owned();
        let mut length = 0usize;
        loop {
            let mut h = String::new();
            reader.read_line(&mut h)?;
            let h = h.trim_end();
            if h.is_empty() {
                break;
            }
            if let Some((k, v)) = h.split_once(':') {
                if k.eq_ignore_ascii_case("content-length") {
                    length = v.trim().parse().unwrap_or(0);
                }
            }
        }
        let mut body = vec![0; length];
        reader.read_exact(&mut body)?;
        let (status, headers, out) = forward(&path, &body, moto);
        let mut head = format!(
            "HTTP/1.1 {status} X\r\nContent-Type: application/cbor\r\nsmithy-protocol: rpc-v2-cbor\r\nContent-Length: {}\r\n",
            out.len()
        );
        for (k, v) in headers {
            head.push_str(&format!("{k}: {v}\r\n"));
        }
        head.push_str("\r\n");
        writer.write_all(head.as_bytes())?;
        writer.write_all(&out)?;
    }
}

/// Translates one call; returns status, headers to pass on, and the CBOR body.
fn forward(path: &str, body: &[u8], moto: &MotoServer) -> (u16, Vec<(String, String)>, Vec<u8>) {
    let fail = |msg: String| {
        let v = ciborium::Value::Map(vec![
            ("__type".into(), "ProxyError".into()),
            ("message".into(), msg.into()),
        ]);
        let mut out = Vec::new();
        ciborium::into_writer(&v, &mut out).expect("CBOR to a Vec");
        (500, vec![], out)
    };
    // /service/{ServiceName}/operation/{Operation}
    let parts: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    let (service, operation) = match parts.as_slice() {
        ["service", s, "operation", o] => (*s, *o),
        _ => return fail(format!("not an RPC v2 path: {path}")),
    };
    let json = if body.is_empty() {
        serde_json::json!({})
    } else {
        match ciborium::from_reader::<ciborium::Value, _>(body) {
            Ok(v) => cbor_to_json(&v),
            Err(e) => return fail(format!("bad CBOR request: {e}")),
        }
    };
    let target = format!("{service}.{operation}");
    let response = match moto.request_with_headers(
        "POST",
        "/",
        json.to_string().as_bytes(),
        &[
            ("Content-Type", "application/x-amz-json-1.0"),
            ("X-Amz-Target", &target),
            ("Authorization", "AWS4-HMAC-SHA256 Credential=testing/20200101/us-east-1/monitoring/aws4_request, SignedHeaders=host, Signature=0"),
        ],
    ) {
        Ok(r) => r,
        Err(e) => return fail(format!("moto unreachable: {e}")),
    };
    let mut pass = Vec::new();
    for line in response.head.lines() {
        if let Some((k, v)) = line.split_once(':') {
            let k = k.trim().to_ascii_lowercase();
            if k == "x-amzn-requestid" || k == "x-amzn-query-error" {
                pass.push((k, v.trim().to_owned()));
            }
        }
    }
    let value: serde_json::Value = if response.body.is_empty() {
        serde_json::json!({})
    } else {
        match serde_json::from_slice(&response.body) {
            Ok(v) => v,
            Err(e) => {
                return fail(format!(
                    "moto sent non-JSON ({e}): {}",
                    String::from_utf8_lossy(&response.body)
                ))
            }
        }
    };
    let mut out = Vec::new();
    ciborium::into_writer(&json_to_cbor(&value), &mut out).expect("CBOR to a Vec");
    (response.status, pass, out)
}

fn cbor_to_json(v: &ciborium::Value) -> serde_json::Value {
    use base64::Engine;
    use ciborium::Value as C;
    use serde_json::Value as J;
    match v {
        C::Integer(i) => J::from(i128::from(*i) as i64),
        C::Float(f) => J::from(*f),
        C::Text(s) => J::from(s.clone()),
        C::Bytes(b) => J::from(base64::engine::general_purpose::STANDARD.encode(b)),
        C::Bool(b) => J::Bool(*b),
        C::Null => J::Null,
        C::Tag(_, inner) => cbor_to_json(inner),
        C::Array(items) => J::Array(items.iter().map(cbor_to_json).collect()),
        C::Map(entries) => J::Object(
            entries
                .iter()
                .map(|(k, v)| (k.as_text().unwrap_or_default().to_owned(), cbor_to_json(v)))
                .collect(),
        ),
        _ => J::Null,
    }
}

fn json_to_cbor(v: &serde_json::Value) -> ciborium::Value {
    use ciborium::Value as C;
    use serde_json::Value as J;
    match v {
        J::Null => C::Null,
        J::Bool(b) => C::Bool(*b),
        J::Number(n) => match n.as_i64() {
            Some(i) => C::Integer(i.into()),
            None => C::Float(n.as_f64().unwrap_or(f64::NAN)),
        },
        J::String(s) => C::Text(s.clone()),
        J::Array(items) => C::Array(items.iter().map(json_to_cbor).collect()),
        J::Object(m) => C::Map(
            m.iter()
                .map(|(k, v)| (C::Text(k.clone()), json_to_cbor(v)))
                .collect(),
        ),
    }
}
