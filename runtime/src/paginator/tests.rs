//! The engine against a scripted server: requests are checked and pages
//! served from the input view, as a real service would see them.

use serde_json::{json, Value as J};

use super::engine::{merge_page, Engine, Settings};
use super::{path, token, PaginationError, PaginatorSpec};
use crate::dynamic::{build_service, DynValue};
use crate::model::ServiceModel;
use crate::schema::Service;
use crate::view;

fn service() -> &'static Service {
    let model = ServiceModel::from_json(
        r#"{"metadata": {"protocol": "json", "apiVersion": "1"},
            "operations": {"List": {"name": "List", "input": {"shape": "In"}, "output": {"shape": "Out"}}},
            "shapes": {
              "In": {"type": "structure", "members": {
                "Marker": {"shape": "Str"}, "Limit": {"shape": "Int"}, "Size": {"shape": "Str"},
                "Filter": {"shape": "Str"}, "Key": {"shape": "Key"}}},
              "Out": {"type": "structure", "members": {
                "Things": {"shape": "Things"}, "NextMarker": {"shape": "Str"},
                "IsTruncated": {"shape": "Bool"}, "Count": {"shape": "Int"},
                "Meta": {"shape": "Meta"}, "Last": {"shape": "Key"}}},
              "Meta": {"type": "structure", "members": {"Owner": {"shape": "Str"}, "Other": {"shape": "Str"}}},
              "Key": {"type": "map", "key": {"shape": "Str"}, "value": {"shape": "Attr"}},
              "Attr": {"type": "structure", "members": {"S": {"shape": "Str"}, "B": {"shape": "Blob"}}},
              "Things": {"type": "list", "member": {"shape": "Thing"}},
              "Thing": {"type": "structure", "members": {"Id": {"shape": "Str"}}},
              "Str": {"type": "string"}, "Int": {"type": "integer"}, "Bool": {"type": "boolean"},
              "Blob": {"type": "blob"}}}"#,
    )
    .unwrap();
    build_service("pag", &model).unwrap()
}

const SPEC: PaginatorSpec = PaginatorSpec {
    operation: "List",
    input_tokens: &["Marker"],
    output_tokens: &["NextMarker"],
    limit_key: Some("Limit"),
    result_keys: &["Things", "Count"],
    non_aggregate_keys: &["Meta.Owner"],
    ..PaginatorSpec::DEFAULT
};

/// A listing of `n` things, `Limit` (default 3) per page, markers are indices.
fn listing(n: usize) -> impl Fn(&J) -> J {
    move |req| {
        let start: usize = req["Marker"].as_str().map_or(0, |m| m.parse().unwrap());
        let limit = req["Limit"].as_u64().unwrap_or(3) as usize;
        let end = (start + limit).min(n);
        let things: Vec<J> = (start..end)
            .map(|i| json!({"Id": format!("t{i}")}))
            .collect();
        let mut page = json!({"Things": things, "Count": end - start, "Meta": {"Owner": format!("o{start}"), "Other": "x"}});
        if end < n {
            page["NextMarker"] = json!(end.to_string());
            page["IsTruncated"] = json!(true);
        }
        page
    }
}

struct Outcome {
    pages: Vec<J>,
    requests: Vec<J>,
    resume: Option<String>,
    error: Option<PaginationError>,
    full: J,
}

fn run(
    spec: &'static PaginatorSpec,
    input: J,
    settings: Settings,
    server: impl Fn(&J) -> J,
) -> Outcome {
    let svc = service();
    let op = svc.operation("List").unwrap();
    let (in_shape, out_shape) = (op.input.unwrap(), op.output.unwrap());
    let input = from_view(svc, in_shape, &input);
    let mut engine = Engine::new(svc, op, spec, &input, settings);
    let mut out = Outcome {
        pages: vec![],
        requests: vec![],
        resume: None,
        error: None,
        full: J::Null,
    };
    let mut complete = serde_json::Map::new();
    loop {
        let req = match engine.next_request() {
            Ok(Some(req)) => req,
            Ok(None) => break,
            Err(e) => {
                out.error = Some(e);
                break;
            }
        };
        // As a typed input would go on the wire.
        let mut typed = DynValue::Empty;
        view::write(svc, in_shape, &J::Object(req), &mut typed).unwrap();
        let req = view::to_json(svc, in_shape, &typed);
        let page_json = server(&req);
        out.requests.push(req);
        assert!(out.requests.len() < 100, "runaway paging");
        let page = from_view(svc, out_shape, &page_json);
        let page = match engine.after_page(&page) {
            Ok(None) => page,
            Ok(Some(cut)) => from_view(svc, out_shape, &cut),
            Err(e) => {
                out.error = Some(e);
                break;
            }
        };
        merge_page(&mut complete, svc, out_shape, spec, &page);
        out.pages.push(view::to_json(svc, out_shape, &page));
    }
    path::merge(&mut complete, engine.non_aggregate());
    out.full = J::Object(complete);
    out.resume = engine.resume_token().map(str::to_owned);
    out
}

fn from_view(svc: &Service, shape: crate::schema::ShapeId, json: &J) -> DynValue {
    let mut value = DynValue::Empty;
    view::write(svc, shape, json, &mut value).unwrap();
    value
}

fn ids(pages: &[J]) -> Vec<String> {
    pages
        .iter()
        .flat_map(|p| p["Things"].as_array().cloned().unwrap_or_default())
        .map(|t| t["Id"].as_str().unwrap().to_owned())
        .collect()
}

fn expected(range: std::ops::Range<usize>) -> Vec<String> {
    range.map(|i| format!("t{i}")).collect()
}

#[test]
fn pages_through_everything_keeping_the_input() {
    let out = run(
        &SPEC,
        json!({"Filter": "f"}),
        Settings::default(),
        listing(10),
    );
    assert_eq!(out.pages.len(), 4);
    assert_eq!(ids(&out.pages), expected(0..10));
    assert!(out.requests.iter().all(|r| r["Filter"] == "f"));
    assert_eq!(out.requests[1]["Marker"], "3");
    assert_eq!(out.resume, None);
    assert!(out.error.is_none());
    // build_full_result: lists joined, counts summed, non-aggregate keys from the first page.
    assert_eq!(out.full["Count"], 10);
    assert_eq!(out.full["Meta"], json!({"Owner": "o0"}));
    assert_eq!(out.full["Things"].as_array().unwrap().len(), 10);
}

#[test]
fn max_items_mid_page_then_resume() {
    let settings = Settings {
        page_size: Some(4),
        max_items: Some(6),
        ..Settings::default()
    };
    let first = run(&SPEC, json!({}), settings, listing(11));
    assert_eq!(ids(&first.pages), expected(0..6));
    assert_eq!(first.requests[0]["Limit"], 4);
    let token = first.resume.expect("a resume token");
    let state = token::decode(&token, &["Marker"]).unwrap();
    assert_eq!(state.truncate_amount, 2);
    assert_eq!(J::Object(state.tokens), json!({"Marker": "4"}));

    // Resuming mid-page: the page is fetched again and its first items skipped.
    let settings = Settings {
        page_size: Some(4),
        max_items: Some(3),
        starting_token: Some(token),
    };
    let second = run(&SPEC, json!({}), settings, listing(11));
    assert_eq!(ids(&second.pages), expected(6..9));
    assert_eq!(second.requests[0]["Marker"], "4");
    // Resumed mid-page again: the amount counts the items skipped at the start too.
    let state = token::decode(second.resume.as_ref().unwrap(), &["Marker"]).unwrap();
    assert_eq!(
        (state.truncate_amount, state.tokens["Marker"].clone()),
        (1, json!("8"))
    );

    let settings = Settings {
        page_size: Some(4),
        starting_token: second.resume,
        ..Settings::default()
    };
    let rest = run(&SPEC, json!({}), settings, listing(11));
    assert_eq!(ids(&rest.pages), expected(9..11));
    assert_eq!(rest.resume, None);
}

#[test]
fn max_items_on_a_page_boundary_resumes_at_the_next_page() {
    let settings = Settings {
        max_items: Some(6),
        ..Settings::default()
    };
    let out = run(&SPEC, json!({}), settings, listing(10));
    assert_eq!(ids(&out.pages), expected(0..6));
    assert_eq!(out.requests.len(), 2);
    let state = token::decode(out.resume.as_ref().unwrap(), &["Marker"]).unwrap();
    assert_eq!(
        (state.truncate_amount, state.tokens["Marker"].clone()),
        (0, json!("6"))
    );
}

#[test]
fn the_first_page_cut_gives_a_token_without_marker() {
    let settings = Settings {
        max_items: Some(1),
        ..Settings::default()
    };
    let out = run(&SPEC, json!({}), settings, listing(10));
    // What boto3 gives for the same stop.
    assert_eq!(
        out.resume.as_deref(),
        Some("eyJNYXJrZXIiOiBudWxsLCAiYm90b190cnVuY2F0ZV9hbW91bnQiOiAxfQ==")
    );
}

#[test]
fn the_same_token_twice_is_an_error() {
    let stuck = |_: &J| json!({"Things": [{"Id": "a"}], "NextMarker": "same"});
    let out = run(&SPEC, json!({}), Settings::default(), stuck);
    assert_eq!(out.pages.len(), 2);
    assert!(
        matches!(out.error, Some(PaginationError::RepeatedToken { .. })),
        "{:?}",
        out.error.map(|e| e.to_string())
    );
}

#[test]
fn more_results_and_expression_tokens() {
    static SPEC2: PaginatorSpec = PaginatorSpec {
        operation: "List",
        input_tokens: &["Marker"],
        output_tokens: &["NextMarker || Things[-1].Id"],
        more_results: Some("IsTruncated"),
        result_keys: &["Things"],
        ..PaginatorSpec::DEFAULT
    };
    // No NextMarker: the last key is the marker (S3 ListObjects without a delimiter).
    let server = |req: &J| {
        let start = req["Marker"]
            .as_str()
            .map_or(0, |m| m[1..].parse::<usize>().unwrap() + 1);
        let end = (start + 3).min(7);
        let things: Vec<J> = (start..end)
            .map(|i| json!({"Id": format!("t{i}")}))
            .collect();
        json!({"Things": things, "IsTruncated": end < 7})
    };
    let out = run(&SPEC2, json!({}), Settings::default(), server);
    assert_eq!(ids(&out.pages), expected(0..7));
    assert_eq!(out.requests[1]["Marker"], "t2");
}

#[test]
fn page_size_needs_a_limit_key_and_takes_the_members_type() {
    static NO_LIMIT: PaginatorSpec = PaginatorSpec {
        limit_key: None,
        ..SPEC
    };
    let settings = Settings {
        page_size: Some(5),
        ..Settings::default()
    };
    let out = run(&NO_LIMIT, json!({}), settings.clone(), listing(3));
    assert!(matches!(
        out.error,
        Some(PaginationError::NoLimitKey { .. })
    ));
    assert!(out.requests.is_empty());

    static STRING_LIMIT: PaginatorSpec = PaginatorSpec {
        limit_key: Some("Size"),
        ..SPEC
    };
    let out = run(&STRING_LIMIT, json!({}), settings, listing(3));
    assert_eq!(out.requests[0]["Size"], "5");
}

#[test]
fn bad_starting_tokens_are_errors() {
    let foreign = token::encode(json!({"Other": 1}).as_object().unwrap(), vec![]);
    let settings = Settings {
        starting_token: Some(foreign),
        ..Settings::default()
    };
    let out = run(&SPEC, json!({}), settings, listing(3));
    assert!(matches!(
        out.error,
        Some(PaginationError::BadStartingToken { .. })
    ));
}

#[test]
fn structure_tokens_and_binary_values() {
    static KEYED: PaginatorSpec = PaginatorSpec {
        operation: "List",
        input_tokens: &["Key"],
        output_tokens: &["Last"],
        result_keys: &["Things"],
        ..PaginatorSpec::DEFAULT
    };
    let server = |req: &J| {
        let start = req["Key"]["k"]["S"]
            .as_str()
            .map_or(0, |s| s.parse().unwrap());
        let mut page =
            json!({"Things": [{"Id": format!("t{start}")}, {"Id": format!("t{}", start + 1)}]});
        if start + 2 < 6 {
            page["Last"] = json!({"k": {"S": (start + 2).to_string(), "B": "AAE="}});
        }
        page
    };
    let settings = Settings {
        max_items: Some(3),
        ..Settings::default()
    };
    let out = run(&KEYED, json!({}), settings, server);
    assert_eq!(ids(&out.pages), expected(0..3));
    let token = out.resume.unwrap();
    let text = String::from_utf8(
        base64::Engine::decode(&base64::engine::general_purpose::STANDARD, &token).unwrap(),
    )
    .unwrap();
    assert_eq!(
        text,
        r#"{"Key": {"k": {"S": "2", "B": "AAE="}}, "boto_truncate_amount": 1, "boto_encoded_keys": [["Key", "k", "B"]]}"#
    );
    let settings = Settings {
        starting_token: Some(token),
        ..Settings::default()
    };
    let rest = run(&KEYED, json!({}), settings, server);
    assert_eq!(ids(&rest.pages), expected(3..6));
    assert_eq!(
        rest.requests[0]["Key"],
        json!({"k": {"S": "2", "B": "AAE="}})
    );
}
