//! `boto`: the AWS CLI's shape of command over boto-rs's dynamic client,
//! for any service botocore has a model of.
//!
//! ```text
//! boto [options] <service> <operation> [--member value ...]
//! boto [options] <service> wait <waiter> [--member value ...]
//! boto <service> help            the service's operations and waiters
//! boto <service> <operation> help   the operation's input members
//! ```
//!
//! Operations, waiters and members are named as the AWS CLI names them
//! (`list-users`, `--user-name`), or as the model does. A member's value is
//! text for strings, enums, blobs and timestamps, JSON otherwise; a list of
//! scalars takes every value up to the next option; a boolean member is a
//! flag (`--flag`, `--no-flag`). `--cli-input-json` gives the whole input
//! as JSON (or `file://path`). Paginated operations return every page
//! merged unless `--no-paginate` (or `--starting-token`, `--max-items`,
//! `--page-size` to steer them). Output is JSON. Exit status: 0, 254 for a
//! service error, 252 for a usage error, 255 for any other failure, as the
//! AWS CLI's.

mod shorthand;

use std::process::ExitCode;
use std::time::Duration;

use boto_runtime::dynamic::{xform_name, DynamicClient, ModelSearch, Paging};
use boto_runtime::schema::{Service, ShapeId, ShapeKind};
use boto_runtime::{ClientConfig, Error, Session};
use serde_json::{Map, Value};

const USAGE: &str = "usage: boto [--region R] [--profile P] [--endpoint-url URL] [--models DIR] \
[--no-paginate] [--page-size N] [--max-items N] [--starting-token T] [--cli-input-json JSON] \
<service> <operation>|wait <waiter>|help [--member value ...]";

/// A failure, with the exit status the AWS CLI gives it.
struct Failure {
    status: u8,
    message: String,
}

fn usage(message: impl Into<String>) -> Failure {
    Failure {
        status: 252,
        message: format!("{}\n{USAGE}", message.into()),
    }
}

/// What the command line asks for.
#[derive(Default)]
struct Args {
    region: Option<String>,
    profile: Option<String>,
    endpoint_url: Option<String>,
    models: Vec<String>,
    no_paginate: bool,
    page_size: Option<i64>,
    max_items: Option<usize>,
    starting_token: Option<String>,
    input_json: Option<String>,
    /// Service, operation (or `wait` and the waiter, or `help`).
    words: Vec<String>,
    /// `--member value...` options, in order.
    members: Vec<(String, Vec<String>)>,
}

fn parse_args(argv: Vec<String>) -> Result<Args, Failure> {
    let mut args = Args::default();
    let mut it = argv.into_iter().peekable();
    let value = |name: &str, it: &mut std::iter::Peekable<std::vec::IntoIter<String>>| {
        it.next()
            .ok_or_else(|| usage(format!("--{name} needs a value")))
    };
    while let Some(arg) = it.next() {
        let Some(name) = arg.strip_prefix("--") else {
            args.words.push(arg);
            continue;
        };
        let number = |text: String| {
            text.parse::<i64>()
                .map_err(|_| usage(format!("--{name}: {text:?} is not a number")))
        };
        match name {
            "region" => args.region = Some(value(name, &mut it)?),
            "profile" => args.profile = Some(value(name, &mut it)?),
            "endpoint-url" => args.endpoint_url = Some(value(name, &mut it)?),
            "models" => args.models.push(value(name, &mut it)?),
            "no-paginate" => args.no_paginate = true,
            "page-size" => args.page_size = Some(number(value(name, &mut it)?)?),
            "max-items" => {
                args.max_items = Some(
                    usize::try_from(number(value(name, &mut it)?)?)
                        .map_err(|_| usage("--max-items must be positive"))?,
                )
            }
            "starting-token" => args.starting_token = Some(value(name, &mut it)?),
            "cli-input-json" => args.input_json = Some(value(name, &mut it)?),
            "output" => {
                let format = value(name, &mut it)?;
                if format != "json" {
                    return Err(usage(format!("--output {format}: only json is supported")));
                }
            }
            member => {
                let mut values = Vec::new();
                while let Some(v) = it.next_if(|v| !v.starts_with("--")) {
                    values.push(v);
                }
                args.members.push((member.to_owned(), values));
            }
        }
    }
    Ok(args)
}

/// `file://path` read, other text as it is.
fn text_or_file(text: &str) -> Result<String, Failure> {
    match text.strip_prefix("file://") {
        Some(path) => std::fs::read_to_string(path).map_err(|e| usage(format!("{path}: {e}"))),
        None => Ok(text.to_owned()),
    }
}

/// The input object: `--cli-input-json`, then each `--member` over it.
fn build_input(
    service: &'static Service,
    shape: Option<ShapeId>,
    args: &Args,
) -> Result<Value, Failure> {
    let mut input = match &args.input_json {
        Some(text) => match serde_json::from_str(&text_or_file(text)?) {
            Ok(Value::Object(map)) => map,
            Ok(_) => return Err(usage("--cli-input-json must be a JSON object")),
            Err(e) => return Err(usage(format!("--cli-input-json: {e}"))),
        },
        None => Map::new(),
    };
    let members = shape
        .and_then(|s| service.shape(s).structure())
        .map(|st| st.members)
        .unwrap_or_default();
    for (option, values) in &args.members {
        let (negated, name) = match option.strip_prefix("no-") {
            Some(rest) if values.is_empty() => (true, rest),
            _ => (false, option.as_str()),
        };
        let member = members
            .iter()
            .find(|m| xform_name(m.name, '-') == name || m.name == name)
            .ok_or_else(|| usage(format!("unknown option --{option}")))?;
        let value = member_value(service, member.target, values, negated)
            .map_err(|why| usage(format!("--{option}: {why}")))?;
        input.insert(member.name.to_owned(), value);
    }
    Ok(Value::Object(input))
}

/// One member's value from its option's words.
fn member_value(
    service: &Service,
    shape: ShapeId,
    values: &[String],
    negated: bool,
) -> Result<Value, String> {
    let kind = &service.shape(shape).kind;
    if let ShapeKind::Boolean = kind {
        return match values {
            [] => Ok(Value::Bool(!negated)),
            [v] => v
                .parse()
                .map(Value::Bool)
                .map_err(|_| format!("{v:?} is not true or false")),
            _ => Err("takes one value".into()),
        };
    }
    if let ShapeKind::List { member } = kind {
        if is_text(&service.shape(member.target).kind)
            || is_number(&service.shape(member.target).kind)
        {
            if let [one] = values {
                if one.trim_start().starts_with('[') {
                    return serde_json::from_str(one).map_err(|e| e.to_string());
                }
            }
            return values
                .iter()
                .map(|v| scalar(service, member.target, v))
                .collect::<Result<Vec<_>, _>>()
                .map(Value::Array);
        }
    }
    // Structures, maps and lists of structures take JSON or the shorthand.
    let json = |v: &String| v.trim_start().starts_with(['{', '[']);
    if shorthand::applies(service, shape) && !values.iter().any(json) {
        let words = values
            .iter()
            .map(|v| text_or_file(v).map_err(|f| f.message))
            .collect::<Result<Vec<_>, _>>()?;
        if !words.iter().any(json) {
            return shorthand::parse(service, shape, &words);
        }
    }
    let [one] = values else {
        return Err(format!("takes one value, got {}", values.len()));
    };
    let one = text_or_file(one).map_err(|f| f.message)?;
    scalar(service, shape, &one)
}

fn is_text(kind: &ShapeKind) -> bool {
    matches!(
        kind,
        ShapeKind::String | ShapeKind::Enum { .. } | ShapeKind::Blob | ShapeKind::Timestamp
    )
}

fn is_number(kind: &ShapeKind) -> bool {
    matches!(
        kind,
        ShapeKind::Byte
            | ShapeKind::Short
            | ShapeKind::Integer
            | ShapeKind::Long
            | ShapeKind::Float
            | ShapeKind::Double
            | ShapeKind::Boolean
    )
}

/// Text for text shapes (epoch seconds stay numbers for timestamps), JSON otherwise.
fn scalar(service: &Service, shape: ShapeId, text: &str) -> Result<Value, String> {
    let kind = &service.shape(shape).kind;
    if matches!(kind, ShapeKind::Timestamp) {
        if let Ok(n) = text.parse::<f64>() {
            return Ok(Value::from(n));
        }
    }
    if is_text(kind) || matches!(kind, ShapeKind::BigInteger | ShapeKind::BigDecimal) {
        return Ok(Value::from(text));
    }
    serde_json::from_str(text)
        .map_err(|e| format!("{text:?} is not JSON ({e}); give structures, maps and lists as JSON"))
}

fn session(args: &Args) -> Result<Session, Failure> {
    let mut builder = Session::builder();
    if let Some(region) = &args.region {
        builder = builder.region(region);
    }
    if let Some(profile) = &args.profile {
        builder = builder.profile_name(profile);
    }
    if let Some(url) = &args.endpoint_url {
        builder = builder.endpoint_url(url);
    }
    builder.build().map_err(|e| Failure {
        status: 255,
        message: e.to_string(),
    })
}

fn help_service(client: &DynamicClient) -> String {
    let mut out = format!("{} operations:\n", client.service().name);
    for op in client.operation_names() {
        out.push_str(&format!("  {}\n", xform_name(op, '-')));
    }
    let waiters: Vec<_> = client.waiter_names().collect();
    if !waiters.is_empty() {
        out.push_str("waiters (boto <service> wait <waiter>):\n");
        for w in waiters {
            out.push_str(&format!("  {}\n", xform_name(w, '-')));
        }
    }
    out
}

fn help_operation(service: &'static Service, shape: Option<ShapeId>) -> String {
    let Some(st) = shape.and_then(|s| service.shape(s).structure()) else {
        return "no input\n".into();
    };
    let mut out = String::new();
    for m in st.members {
        let required = if m.required { " (required)" } else { "" };
        out.push_str(&format!(
            "  --{} <{}>{required}\n",
            xform_name(m.name, '-'),
            service.shape(m.target).name
        ));
    }
    out
}

/// Runs the command; what it prints on success.
async fn run(argv: Vec<String>) -> Result<String, Failure> {
    let args = parse_args(argv)?;
    let (service_name, rest) = args
        .words
        .split_first()
        .ok_or_else(|| usage("no service given"))?;
    let session = session(&args)?;
    let mut search = ModelSearch::new();
    for dir in &args.models {
        search = search.dir(dir);
    }
    let client =
        DynamicClient::with_config(&session, service_name, &search, ClientConfig::default())
            .map_err(|e| Failure {
                status: 255,
                message: e.to_string(),
            })?;
    let service = client.service();
    let pretty = |v: &Value| serde_json::to_string_pretty(v).unwrap_or_default() + "\n";
    match rest {
        [] => Err(usage(help_service(&client))),
        [help] if help == "help" => Ok(help_service(&client)),
        [wait, waiter] if wait == "wait" => {
            let spec = client
                .waiter(waiter)
                .ok_or_else(|| usage(format!("{service_name} has no waiter {waiter:?}")))?;
            let op = service
                .operations
                .get(spec.operation)
                .ok_or_else(|| usage(format!("waiter {waiter:?} polls no operation")))?;
            let input = build_input(service, op.input, &args)?;
            client
                .wait(waiter, &input, None::<Duration>, None)
                .await
                .map(|_| String::new())
                .map_err(|e| Failure {
                    status: 255,
                    message: format!("Waiter {waiter} failed: {e}"),
                })
        }
        [operation] | [operation, _] => {
            let op = client
                .operation(operation)
                .map_err(|e| usage(e.to_string()))?;
            if rest.get(1).is_some_and(|h| h == "help") {
                return Ok(help_operation(service, op.input));
            }
            if let Some(extra) = rest.get(1) {
                return Err(usage(format!("unexpected argument {extra:?}")));
            }
            let input = build_input(service, op.input, &args)?;
            let steer = args.page_size.is_some()
                || args.max_items.is_some()
                || args.starting_token.is_some();
            let result = if client.can_paginate(op.name) && (!args.no_paginate || steer) {
                client
                    .paginate(
                        op.name,
                        &input,
                        &Paging {
                            page_size: args.page_size,
                            max_items: args.max_items,
                            starting_token: args.starting_token.clone(),
                        },
                    )
                    .await
            } else {
                client.call(op.name, &input).await
            };
            result.map(|v| pretty(&v)).map_err(|e| match &e {
                Error::Service(failure) => Failure {
                    status: 254,
                    message: format!(
                        "An error occurred ({}) when calling the {} operation: {}",
                        failure.code(),
                        op.name,
                        failure.message().unwrap_or_default()
                    ),
                },
                Error::Build(_) => usage(e.to_string()),
                _ => Failure {
                    status: 255,
                    message: e.to_string(),
                },
            })
        }
        _ => Err(usage(format!("unexpected arguments {rest:?}"))),
    }
}

fn main() -> ExitCode {
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("cannot start: {e}");
            return ExitCode::from(255);
        }
    };
    match runtime.block_on(run(std::env::args().skip(1).collect())) {
        Ok(out) => {
            print!("{out}");
            ExitCode::SUCCESS
        }
        Err(f) => {
            eprintln!("{}", f.message);
            ExitCode::from(f.status)
        }
    }
}
