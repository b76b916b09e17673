//! DynamoDB's hand-written customizations (`boto_dynamodb::custom`): serde
//! items and `BatchWriter`, against moto and, for `UnprocessedItems` (which
//! moto never returns), a scripted local server.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, Mutex};

use boto_dynamodb::types::{
    AttributeDefinition, BillingMode, KeySchemaElement, KeyType, ScalarAttributeType,
};
use boto_dynamodb::{from_item, to_item, BatchWriter, Binary, Number, NumberSet, StringSet};
use boto_runtime::paginator::TryStreamExt;
use boto_runtime::{Credentials, Session};
use boto_tests::moto::MotoServer;
use serde::{Deserialize, Serialize};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

const TABLE: &str = "boto-rs-batch-writer";

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Reading {
    station: String,
    seq: u32,
    /// 38 significant digits: more than `f64` or `i64` hold.
    exact: Number,
    total: u64,
    tags: StringSet,
    scores: NumberSet<i64>,
    raw: Binary,
    meta: Meta,
    note: Option<String>,
    ok: bool,
    history: Vec<f64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Meta {
    source: String,
    calibration: BTreeMap<String, Number>,
    levels: Vec<u8>,
    parent: Option<Box<Meta>>,
}

#[derive(Debug, Serialize)]
struct Key<'a> {
    station: &'a str,
    seq: u32,
}

// `is_multiple_of` needs Rust 1.87; the workspace's rust-version is 1.85.
#[allow(clippy::manual_is_multiple_of)]
fn reading(station: usize, seq: u32) -> Reading {
    Reading {
        station: format!("s{station}"),
        seq,
        exact: Number::new(format!("-1234567890.12345678901234567890123456{seq:02}")).unwrap(),
        total: u64::MAX - u64::from(seq),
        tags: ["red", "green", &format!("t{seq}")].into_iter().collect(),
        scores: [-1, 0, i64::from(seq) + 1].into_iter().collect(),
        raw: Binary(vec![0, 255, station as u8, seq as u8]),
        meta: Meta {
            source: "probe".into(),
            calibration: BTreeMap::from([("offset".into(), Number::new("0.000001").unwrap())]),
            levels: vec![1, 2, 3],
            parent: Some(Box::new(Meta {
                source: format!("station-{station}"),
                calibration: BTreeMap::new(),
                levels: vec![],
                parent: None,
            })),
        },
        note: (seq % 2 == 0).then(|| format!("even {seq}")),
        ok: seq % 3 == 0,
        history: vec![0.1, -2.5e-7, f64::from(seq)],
    }
}

async fn create_table(ddb: &boto_dynamodb::Client) {
    let attr = |name: &str, ty: &str| AttributeDefinition {
        attribute_name: Some(name.into()),
        attribute_type: Some(ScalarAttributeType::from(ty)),
    };
    let key = |name: &str, ty: &str| KeySchemaElement {
        attribute_name: Some(name.into()),
        key_type: Some(KeyType::from(ty)),
    };
    ddb.create_table()
        .table_name(TABLE)
        .attribute_definitions(vec![attr("station", "S"), attr("seq", "N")])
        .key_schema(vec![key("station", "HASH"), key("seq", "RANGE")])
        .billing_mode(BillingMode::from("PAY_PER_REQUEST"))
        .send()
        .await
        .unwrap();
}

#[tokio::test]
async fn batch_writer_and_serde_items_against_moto() {
    let ddb = boto_dynamodb::Client::new(&MotoServer::shared().session());
    create_table(&ddb).await;

    let mut writer = BatchWriter::new(&ddb, TABLE).overwrite_by_pkeys(["station", "seq"]);
    // A stale version of the first item, replaced in the buffer by the real
    // one (a batch holding both would be rejected).
    let mut stale = reading(0, 0);
    stale.note = Some("stale".into());
    writer.put(&stale).await.unwrap();
    // An item put, then deleted before it is sent: the delete replaces it.
    writer.put(&reading(9, 0)).await.unwrap();
    writer
        .delete(&Key {
            station: "s9",
            seq: 0,
        })
        .await
        .unwrap();
    assert_eq!(writer.pending(), 2);
    let mut written = 0;
    for station in 0..4 {
        for seq in 0..25 {
            writer.put(&reading(station, seq)).await.unwrap();
            written += 1;
            if written == 1 {
                // The real (s0, 0) replaced the stale one.
                assert_eq!(writer.pending(), 2);
            }
            // Batches of 25 go out as the buffer fills.
            assert!(writer.pending() < 25, "{}", writer.pending());
        }
    }
    // One more duplicate, of an item already sent: a later batch overwrites it.
    let mut last = reading(3, 24);
    last.note = Some("rewritten".into());
    writer.put(&last).await.unwrap();
    assert!(writer.pending() > 0);
    writer.close().await.unwrap();

    // GetItem: the first item, not its stale version.
    let key = to_item(&Key {
        station: "s0",
        seq: 0,
    })
    .unwrap();
    let got = ddb
        .get_item()
        .table_name(TABLE)
        .key(key)
        .send()
        .await
        .unwrap();
    let item = got.item.expect("item (s0, 0)");
    assert_eq!(
        item["exact"].n.as_deref(),
        Some("-1234567890.1234567890123456789012345600")
    );
    assert!(item["tags"].ss.is_some() && item["raw"].b.is_some());
    assert!(item["meta"].m.is_some());
    let back: Reading = from_item(&item).unwrap();
    assert_eq!(back, reading(0, 0));
    assert_eq!(back.total, u64::MAX);

    // The deleted item was never written.
    let gone = ddb
        .get_item()
        .table_name(TABLE)
        .key(
            to_item(&Key {
                station: "s9",
                seq: 0,
            })
            .unwrap(),
        )
        .send()
        .await
        .unwrap();
    assert!(gone.item.is_none(), "{:?}", gone.item);

    // Query one station: 25 items, in range-key order, every value intact.
    let q = ddb
        .query()
        .table_name(TABLE)
        .key_condition_expression("station = :s")
        .expression_attribute_values(to_item(&BTreeMap::from([(":s", "s1")])).unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(q.count, Some(25));
    let items: Vec<Reading> = q
        .items
        .unwrap_or_default()
        .iter()
        .map(|i| from_item(i).unwrap())
        .collect();
    let expected: Vec<Reading> = (0..25).map(|seq| reading(1, seq)).collect();
    assert_eq!(items, expected);

    // Scan everything: 100 items, the overwritten one with its last value.
    let mut scanned = ddb.scan().table_name(TABLE).into_paginator().items();
    let mut all = BTreeMap::new();
    while let Some(item) = scanned.try_next().await.unwrap() {
        let r: Reading = from_item(&item).unwrap();
        all.insert((r.station.clone(), r.seq), r);
    }
    assert_eq!(all.len(), 100);
    for station in 0..4 {
        for seq in 0..25 {
            let want = match (station, seq) {
                (3, 24) => last.clone(),
                _ => reading(station, seq),
            };
            assert_eq!(all[&(format!("s{station}"), seq)], want);
        }
    }
}

/// A loopback server answering `BatchWriteItem`: the first request gets its
/// last `unprocessed` write requests back as `UnprocessedItems`, later ones
/// are all processed. It records each request's write requests.
async fn unprocessing_server(
    unprocessed: usize,
) -> (String, Arc<Mutex<Vec<Vec<serde_json::Value>>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let seen = Arc::new(Mutex::new(Vec::new()));
    let log = seen.clone();
    tokio::spawn(async move {
        while let Ok((mut stream, _)) = listener.accept().await {
            let body: serde_json::Value = serde_json::from_str(&read_request(&mut stream).await)
                .unwrap_or(serde_json::Value::Null);
            let requests = body["RequestItems"]["t"]
                .as_array()
                .cloned()
                .unwrap_or_default();
            let first = {
                let mut log = log.lock().unwrap();
                log.push(requests.clone());
                log.len() == 1
            };
            let back = match first {
                true => requests[requests.len() - unprocessed..].to_vec(),
                false => Vec::new(),
            };
            let reply = serde_json::json!({ "UnprocessedItems": { "t": back } }).to_string();
            let reply = format!(
                "HTTP/1.1 200 OK\r\ncontent-type: application/x-amz-json-1.0\r\n\
                 content-length: {}\r\nconnection: close\r\n\r\n{reply}",
                reply.len()
            );
            let _ = stream.write_all(reply.as_bytes()).await;
        }
    });
    (url, seen)
}

/// Reads one request (head, then `content-length` body bytes); returns the body.
async fn read_request(stream: &mut tokio::net::TcpStream) -> String {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    loop {
        let text = String::from_utf8_lossy(&buf).into_owned();
        if let Some((head, body)) = text.split_once("\r\n\r\n") {
            let length = head
                .lines()
                .find_map(|l| {
                    l.to_ascii_lowercase()
                        .strip_prefix("content-length:")
                        .and_then(|v| v.trim().parse::<usize>().ok())
                })
                .unwrap_or(0);
            if body.len() >= length {
                return body.to_owned();
            }
        }
        match stream.read(&mut chunk).await {
            Ok(0) | Err(_) => return String::new(),
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
        }
    }
}

#[tokio::test]
async fn batch_writer_resends_unprocessed_items() {
    let (url, seen) = unprocessing_server(5).await;
    let session = Session::builder()
        .region("us-east-1")
        .credentials(Credentials::new("AKID", "SECRET", None))
        .endpoint_url(url)
        .build()
        .unwrap();
    let ddb = boto_dynamodb::Client::new(&session);

    #[derive(Serialize)]
    struct Row {
        id: u32,
    }
    let mut writer = BatchWriter::new(&ddb, "t");
    for id in 0..30 {
        writer.put(&Row { id }).await.unwrap();
    }
    // 25 sent at the 25th put, 5 of them came back, 5 more put since.
    assert_eq!(seen.lock().unwrap().len(), 1);
    assert_eq!(writer.pending(), 10);
    writer.close().await.unwrap();

    let seen = seen.lock().unwrap();
    let sizes: Vec<usize> = seen.iter().map(Vec::len).collect();
    assert_eq!(sizes, vec![25, 10]);
    let id = |r: &serde_json::Value| {
        r["PutRequest"]["Item"]["id"]["N"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    // The unprocessed 20..25 are re-sent first, then 25..30.
    let second: Vec<String> = seen[1].iter().map(id).collect();
    let want: Vec<String> = (20..30).map(|i: u32| i.to_string()).collect();
    assert_eq!(second, want);
    let all: BTreeSet<String> = seen.iter().flatten().map(id).collect();
    assert_eq!(all.len(), 30);
}
