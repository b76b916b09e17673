use std::io::Read;

use ciborium::Value as C;
use serde_json::json;

use super::*;
use crate::dynamic::{build_service, DynValue};
use crate::model::ServiceModel;
use crate::schema::Protocol;

const BOTOCORE_DATA: &str =
    "/root/.pyenv/versions/3.11.7/lib/python3.11/site-packages/botocore/data";

/// A botocore model with `smithy-rpc-v2-cbor` as its only protocol: these
/// services list json too, which botocore (and the lowering) would prefer.
fn service_from_botocore(name: &str, version: &str) -> &'static Service {
    let path = format!("{BOTOCORE_DATA}/{name}/{version}/service-2.json.gz");
    let file = std::fs::File::open(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    let mut text = String::new();
    flate2::read::GzDecoder::new(file)
        .read_to_string(&mut text)
        .expect("gunzip model");
    let mut model: ServiceModel = serde_json::from_str(&text).expect("model parses");
    assert!(model
        .metadata
        .protocols
        .iter()
        .any(|p| p == "smithy-rpc-v2-cbor"));
    model.metadata.protocols = vec!["smithy-rpc-v2-cbor".into()];
    build_service(name, &model).expect("schema builds")
}

fn test_service(shapes: serde_json::Value, op: serde_json::Value) -> &'static Service {
    let model: ServiceModel = serde_json::from_value(json!({
        "metadata": {"protocol": "smithy-rpc-v2-cbor", "protocols": ["smithy-rpc-v2-cbor"],
                     "apiVersion": "2020-07-14", "targetPrefix": "Svc"},
        "operations": {"Op": op},
        "shapes": shapes,
    }))
    .expect("model");
    build_service("svc", &model).expect("schema")
}

fn serialize(
    service: &'static Service,
    op: &str,
    params: serde_json::Value,
) -> Result<HttpRequest, SerializeError> {
    let op = service.operation(op).expect("operation");
    let input = op
        .input
        .map(|i| DynValue::from_json(service, i, &params).expect("params fit"));
    let token = || "token-1".to_owned();
    RpcV2Cbor.serialize(
        service,
        op,
        input.as_ref().map(|v| v as &dyn Ser),
        &SerializeOptions {
            idempotency_token: &token,
        },
    )
}

fn body(request: &HttpRequest) -> C {
    ciborium::from_reader(&request.body[..]).expect("request body is CBOR")
}

fn text(s: &str) -> C {
    C::Text(s.to_owned())
}

fn map(entries: Vec<(&str, C)>) -> C {
    C::Map(entries.into_iter().map(|(k, v)| (text(k), v)).collect())
}

fn response(status: u16, body: &[u8]) -> HttpResponse {
    HttpResponse {
        status,
        body: Bytes::copy_from_slice(body),
        ..Default::default()
    }
}

/// CloudWatch prefers rpc-v2-cbor; PutMetricData comes out as botocore sends
/// it (which writes whole-second timestamps as integers: we send a double,
/// as the protocol suites expect, and both are valid tag-1 times).
#[test]
fn cloudwatch_put_metric_data() {
    let cw = service_from_botocore("cloudwatch", "2010-08-01");
    assert_eq!(cw.metadata.protocol, Protocol::RpcV2Cbor);
    let req = serialize(
        cw,
        "PutMetricData",
        json!({"Namespace": "App", "MetricData": [{
            "MetricName": "Latency",
            "Dimensions": [{"Name": "Host", "Value": "a"}],
            "Timestamp": "2024-01-02T03:04:05.250Z",
            "Value": 1.5, "Unit": "Milliseconds",
            "Values": [1.0, 2.0], "Counts": [3.0, 4.0], "StorageResolution": 1
        }]}),
    )
    .expect("serializes");
    assert_eq!(req.method, http::Method::POST);
    assert_eq!(
        req.uri,
        "/service/GraniteServiceVersion20100801/operation/PutMetricData"
    );
    let header = |n: &str| req.headers.get(n).and_then(|v| v.to_str().ok());
    assert_eq!(header("smithy-protocol"), Some("rpc-v2-cbor"));
    assert_eq!(header("accept"), Some("application/cbor"));
    assert_eq!(header("content-type"), Some("application/cbor"));
    assert_eq!(header("x-amzn-query-mode"), Some("true"));
    assert!(header("x-amz-target").is_none());
    // Members in model order.
    let datum = map(vec![
        ("MetricName", text("Latency")),
        (
            "Dimensions",
            C::Array(vec![map(vec![
                ("Name", text("Host")),
                ("Value", text("a")),
            ])]),
        ),
        ("Timestamp", C::Tag(1, Box::new(C::Float(1704164645.25)))),
        ("Value", C::Float(1.5)),
        ("Values", C::Array(vec![C::Float(1.0), C::Float(2.0)])),
        ("Counts", C::Array(vec![C::Float(3.0), C::Float(4.0)])),
        ("Unit", text("Milliseconds")),
        ("StorageResolution", C::Integer(1.into())),
    ]);
    assert_eq!(
        body(&req),
        map(vec![
            ("Namespace", text("App")),
            ("MetricData", C::Array(vec![datum])),
        ])
    );
    // Definite-length map of two entries, as botocore writes it.
    assert_eq!(req.body[0], 0xa2);
}

#[test]
fn cloudwatch_list_metrics_and_errors() {
    let cw = service_from_botocore("cloudwatch", "2010-08-01");
    let req = serialize(cw, "ListMetrics", json!({})).expect("serializes");
    assert_eq!(&req.body[..], &[0xa0]);
    assert_eq!(
        req.headers.get("content-type").map(|v| v.as_bytes()),
        Some(&b"application/cbor"[..])
    );

    // A ListMetrics response, indefinite-length, with an unknown member.
    let mut out = DynValue::Empty;
    let op = cw.operation("ListMetrics").expect("op");
    let body = hex(
        "bf674d657472696373 9f bf694e616d657370616365634170706a4d65747269634e616d65674c6174656e6379\
         6a44696d656e73696f6e73 81 a2644e616d6564486f73746556616c75656161 ff ff\
         65457874726101 ff",
    );
    RpcV2Cbor
        .deserialize(cw, op, &response(200, &body), &mut out)
        .expect("parses");
    assert_eq!(
        out.to_json(cw, op.output.expect("output")),
        json!({"Metrics": [{"Namespace": "App", "MetricName": "Latency",
                            "Dimensions": [{"Name": "Host", "Value": "a"}]}]})
    );

    // A query-compatible error: the header's code wins and finds the modeled error.
    let mut resp = response(
        400,
        &cbor(&map(vec![
            (
                "__type",
                text("com.amazonaws.cloudwatch#InvalidParameterValueException"),
            ),
            ("message", text("bad")),
        ])),
    );
    resp.headers.insert(
        "x-amzn-query-error",
        HeaderValue::from_static("InvalidParameterValue;Sender"),
    );
    resp.headers
        .insert("x-amzn-requestid", HeaderValue::from_static("req-1"));
    let info = RpcV2Cbor.error_info(cw, &resp);
    assert_eq!(info.code, "InvalidParameterValue");
    assert_eq!(info.message.as_deref(), Some("bad"));
    assert_eq!(info.request_id.as_deref(), Some("req-1"));
    let put = cw.operation("PutMetricData").expect("op");
    assert!(find_error(cw, put, &info.code).is_some());
}

fn cbor(v: &C) -> Vec<u8> {
    let mut out = Vec::new();
    ciborium::into_writer(v, &mut out).expect("encode");
    out
}

/// Bytes from hex text (whitespace ignored); shared with `decode`'s tests.
pub(super) fn hex(s: &str) -> Vec<u8> {
    let s: String = s.chars().filter(|c| !c.is_whitespace()).collect();
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).expect("hex"))
        .collect()
}

fn scalars() -> &'static Service {
    test_service(
        json!({
            "In": {"type": "structure", "members": {
                "n": {"shape": "Int"}, "s": {"shape": "Str"}, "t": {"shape": "Time"},
                "tok": {"shape": "Str", "idempotencyToken": true},
                "u": {"shape": "U"}, "l": {"shape": "L"}, "big": {"shape": "Big"},
                "dec": {"shape": "Dec"}, "f": {"shape": "F"}}},
            "U": {"type": "structure", "union": true, "members": {"a": {"shape": "Str"}, "b": {"shape": "Int"}}},
            "L": {"type": "list", "member": {"shape": "Str"}},
            "Int": {"type": "integer"}, "Str": {"type": "string"}, "Time": {"type": "timestamp"},
            "Big": {"type": "bigInteger"}, "Dec": {"type": "bigDecimal"}, "F": {"type": "float"}
        }),
        json!({"name": "Op", "http": {"method": "POST", "requestUri": "/"},
               "input": {"shape": "In"}, "output": {"shape": "In"}}),
    )
}

#[test]
fn request_encoding_details() {
    let svc = scalars();
    let req = serialize(
        svc,
        "Op",
        json!({"n": -500, "u": {"b": 1}, "big": "-18446744073709551617", "dec": "273.15", "f": 0.1}),
    )
    .expect("serializes");
    assert_eq!(
        body(&req),
        map(vec![
            ("n", C::Integer((-500).into())),
            ("tok", text("token-1")),
            ("u", map(vec![("b", C::Integer(1.into()))])),
            (
                "big",
                C::Tag(3, Box::new(C::Bytes(vec![1, 0, 0, 0, 0, 0, 0, 0, 0])))
            ),
            (
                "dec",
                C::Tag(
                    4,
                    Box::new(C::Array(vec![
                        C::Integer((-2).into()),
                        C::Integer(27315.into())
                    ]))
                )
            ),
            ("f", C::Float(0.1f32 as f64)),
        ])
    );
    // A float member goes out as binary32.
    assert!(req
        .body
        .windows(5)
        .any(|w| w == [0xfa, 0x3d, 0xcc, 0xcc, 0xcd]));
}

#[test]
fn serialize_errors_name_shape_and_member() {
    let svc = scalars();
    let union_err =
        serialize(svc, "Op", json!({"u": {"a": "x", "b": 1}})).expect_err("two variants");
    assert_eq!(
        (union_err.shape.as_str(), union_err.member.as_str()),
        ("In", "u")
    );
    assert!(union_err.message.starts_with("at In.u:"), "{union_err}");
    let big_err = serialize(svc, "Op", json!({"big": "12x"})).expect_err("not a number");
    assert_eq!(
        (big_err.shape.as_str(), big_err.member.as_str()),
        ("In", "big")
    );
}

#[test]
fn no_input_means_no_body() {
    let svc = test_service(
        json!({}),
        json!({"name": "Op", "http": {"method": "POST", "requestUri": "/"}}),
    );
    let req = serialize(svc, "Op", json!({})).expect("serializes");
    assert!(req.body.is_empty());
    assert!(req.headers.get("content-type").is_none());
    assert_eq!(req.uri, "/service/Svc/operation/Op");
}

#[test]
fn bad_responses_are_errors_with_paths() {
    let svc = scalars();
    let op = svc.operation("Op").expect("op");
    let cases: &[(&str, &str)] = &[
        ("a1616e6161", "In.n"),                 // {"n": "a"}
        ("a1616ea1", "In"),                     // truncated
        ("a1616e1bffffffffffffffff", "In.n"),   // u64::MAX for an integer
        ("a161749f01ff", "In.t"),               // timestamp as a list
        ("a16174c1fb7ff8000000000000", "In.t"), // NaN timestamp
        ("83010203", "In"),                     // not a map
        ("a1616c82f601", "In.l[1]"),            // list element of wrong type
        ("a1616e01ff", "In"),
        ("a16175a261610161620a", "In.u"), // union with two members                   // trailing byte
    ];
    for (body, path) in cases {
        let mut out = DynValue::Empty;
        let err = RpcV2Cbor
            .deserialize(svc, op, &response(200, &hex(body)), &mut out)
            .expect_err(body);
        assert_eq!(&err.path, path, "{body}: {err}");
    }
    // Deep nesting hits the decoder's limit instead of the stack.
    let mut deep = vec![0x81u8; 100_000];
    deep.push(0x01);
    let mut out = DynValue::Empty;
    assert!(RpcV2Cbor
        .deserialize(svc, op, &response(200, &deep), &mut out)
        .is_err());
    // Garbage never panics error_info.
    for junk in [&b"\xff\xff"[..], b"\xbf", b"\xa1\x01\x02", b"not cbor"] {
        let info = RpcV2Cbor.error_info(svc, &response(500, junk));
        assert_eq!(info.code, "500");
    }
}

#[test]
fn response_decoding_details() {
    let svc = scalars();
    let op = svc.operation("Op").expect("op");
    // Half-precision float, tag-1 integer time, null list slot, bignum, decimal.
    let body = hex("a5 6166 f93e00 6174 c11a65937d25 616c 82 6178 f6 \
         63626967 c249010000000000000000 \
         63646563 c48221196ab3");
    let mut out = DynValue::Empty;
    RpcV2Cbor
        .deserialize(svc, op, &response(200, &body), &mut out)
        .expect("parses");
    assert_eq!(
        out.to_json(svc, op.output.expect("output")),
        json!({"f": 1.5, "t": 1704164645, "l": ["x", null],
               "big": "18446744073709551616", "dec": "273.15"})
    );
}

#[test]
fn error_codes_are_sanitized() {
    assert_eq!(
        crate::protocol::common::sanitize_error_code(
            "aws.protocoltests.rpcv2cbor#InvalidGreeting:http://x#y"
        ),
        "InvalidGreeting"
    );
    assert_eq!(
        crate::protocol::common::sanitize_error_code("Plain"),
        "Plain"
    );
    let svc = scalars();
    let mut resp = response(400, &hex("a1665f5f7479706563466f6f"));
    // A malformed query-error header is ignored.
    resp.headers
        .insert("x-amzn-query-error", HeaderValue::from_static("NoFault"));
    assert_eq!(RpcV2Cbor.error_info(svc, &resp).code, "Foo");
}

/// Every botocore service that lists rpc-v2-cbor first: each operation sends a
/// CBOR map (with its idempotency tokens filled) and reads an empty reply.
#[test]
fn every_cbor_service_operation_round_trips_empty() {
    let services = [
        ("arc-region-switch", "2022-07-26"),
        ("cloudwatch", "2010-08-01"),
        ("comprehendmedical", "2018-10-30"),
        ("compute-optimizer-automation", "2025-09-22"),
        ("compute-optimizer", "2019-11-01"),
        ("gamelift", "2015-10-01"),
        ("interconnect", "2022-07-26"),
        ("marketplace-entitlement", "2017-01-11"),
        ("snowball", "2016-06-30"),
    ];
    let token = || "token-1".to_owned();
    let options = SerializeOptions {
        idempotency_token: &token,
    };
    let mut tokens = 0;
    for (name, version) in services {
        let svc = service_from_botocore(name, version);
        assert_eq!(svc.metadata.protocol, Protocol::RpcV2Cbor, "{name}");
        for op in svc.operations {
            let req = RpcV2Cbor
                .serialize(svc, op, None, &options)
                .unwrap_or_else(|e| panic!("{name} {}: {e}", op.name));
            assert!(req.uri.ends_with(&format!("/operation/{}", op.name)));
            if op.input.is_some() {
                let C::Map(entries) = body(&req) else {
                    panic!("{name} {}: body is not a map", op.name)
                };
                tokens += entries.len();
            }
            let mut out = DynValue::Empty;
            RpcV2Cbor
                .deserialize(svc, op, &response(200, &[0xbf, 0xff]), &mut out)
                .unwrap_or_else(|e| panic!("{name} {}: {e}", op.name));
        }
    }
    // Only auto-filled tokens appear in an empty input.
    assert!(tokens > 0);
}

/// Floats go out at the shortest width that keeps their bits (half, single,
/// double), as ciborium writes them; integers at the shortest width too.
#[test]
fn numbers_take_the_shortest_width() {
    let svc = test_service(
        json!({
            "In": {"type": "structure", "members": {"d": {"shape": "DL"}, "i": {"shape": "IL"}}},
            "DL": {"type": "list", "member": {"shape": "D"}},
            "IL": {"type": "list", "member": {"shape": "L"}},
            "D": {"type": "double"}, "L": {"type": "long"}
        }),
        json!({"name": "Op", "http": {"method": "POST", "requestUri": "/"},
               "input": {"shape": "In"}}),
    );
    let mut floats = vec![
        0.0,
        -0.0,
        1.0,
        1.5,
        65504.0,
        65505.0,
        5.960464477539063e-8,
        1e-300,
        0.1,
        f64::from(0.1f32),
        1704164645.25,
        f64::INFINITY,
        f64::NEG_INFINITY,
        f64::NAN,
        f64::MAX,
        f64::MIN_POSITIVE,
    ];
    let mut rng = fastrand::Rng::with_seed(12);
    floats.extend((0..500).map(|_| f64::from_bits(rng.u64(..))));
    floats.extend((0..500).map(|_| f64::from(f32::from_bits(rng.u32(..)))));
    let ints: Vec<i64> = [0, 23, 24, 255, 256, 65535, 65536, -1, -24, -25, -256, -257]
        .into_iter()
        .chain([u32::MAX as i64, u32::MAX as i64 + 1, i64::MAX, i64::MIN])
        .chain((0..200).map(|_| rng.i64(..) >> rng.u32(..64)))
        .collect();
    let op = svc.operation("Op").expect("op");
    let input = DynValue::Struct(vec![
        Some(DynValue::List(
            floats.iter().map(|f| DynValue::Float(*f)).collect(),
        )),
        Some(DynValue::List(
            ints.iter().map(|i| DynValue::Int(*i)).collect(),
        )),
    ]);
    let token = || "token-1".to_owned();
    let req = RpcV2Cbor
        .serialize(
            svc,
            op,
            Some(&input),
            &SerializeOptions {
                idempotency_token: &token,
            },
        )
        .expect("serializes");
    let want = cbor(&map(vec![
        ("d", C::Array(floats.iter().map(|f| C::Float(*f)).collect())),
        (
            "i",
            C::Array(ints.iter().map(|i| C::Integer((*i).into())).collect()),
        ),
    ]));
    assert_eq!(&req.body[..], &want[..]);
}

/// A recursive structure or a document as deep as the bound allows reads
/// (on a test thread's stack, unoptimized); one level more is a typed error.
#[test]
fn recursion_up_to_the_bound() {
    let svc = test_service(
        json!({
            "In": {"type": "structure", "members": {"r": {"shape": "In"}, "d": {"shape": "Doc"}}},
            "Doc": {"type": "structure", "document": true, "members": {}}
        }),
        json!({"name": "Op", "http": {"method": "POST", "requestUri": "/"},
               "input": {"shape": "In"}, "output": {"shape": "In"}}),
    );
    let op = svc.operation("Op").expect("op");
    let read = |body: &[u8]| {
        let mut out = DynValue::Empty;
        RpcV2Cbor
            .deserialize(svc, op, &response(200, body), &mut out)
            .map(|()| out)
    };
    for (levels, fine) in [(256, true), (257, false)] {
        // {"r": {"r": ... {}}}: `levels` maps.
        let mut body = [0xa1, 0x61, b'r'].repeat(levels - 1);
        body.push(0xa0);
        let got = read(&body);
        assert_eq!(got.is_ok(), fine, "{levels}: {got:?}");
        // {"d": [[[... 0 ...]]]}: one map, `levels - 1` arrays.
        let mut body = vec![0xa1, 0x61, b'd'];
        body.extend([0x81].repeat(levels - 1));
        body.push(0x00);
        let got = read(&body);
        assert_eq!(got.is_ok(), fine, "{levels}: {got:?}");
        if let Err(e) = got {
            assert_eq!(e.path, "In");
            assert!(e.message.contains("nested more than 256 deep"), "{e}");
        }
    }
}
