//! `schema.rs`: the static `SERVICE`, `SHAPES` and `OPERATIONS` tables the
//! runtime's codecs are driven by, printed from the runtime's own lowering
//! ([`boto_runtime::lower`]) so generated and dynamic schemas are one value.
//!
//! Each table entry prints only the fields that differ from the type's
//! `DEFAULT`; short constructor helpers (`m`, `ml`, `s`, `st`) keep the
//! common case on one line. Every printer destructures its value
//! exhaustively, so a field added to the schema fails to compile here until
//! it is printed.

use boto_runtime::schema::{
    ContextValue, ErrorTraits, HttpChecksum, Member, Metadata, Operation, Service, Shape,
    ShapeKind, StructureShape, TimestampFormat, XmlNamespace,
};
use proc_macro2::{Ident, Literal, Span, TokenStream};
use quote::quote;

use crate::ir::Ir;

pub fn emit(ir: &Ir<'_>) -> TokenStream {
    let Service {
        name,
        metadata,
        shapes,
        operations,
        endpoint_rules,
    } = ir.schema;
    let rules = match endpoint_rules {
        Some(_) => quote! {
            /// The endpoint rule set (`endpoint-rule-set-1.json`), compiled on first use.
            pub static ENDPOINT_RULES: boto_runtime::endpoint::Rules =
                boto_runtime::endpoint::Rules::new(include_str!("endpoint-rule-set-1.json"));
        },
        None => quote!(),
    };
    let rules_ref = match endpoint_rules {
        Some(_) => quote!(Some(&ENDPOINT_RULES)),
        None => quote!(None),
    };
    let shapes: Vec<_> = shapes.iter().map(shape).collect();
    let ops: Vec<_> = operations.iter().map(operation).collect();
    let n_shapes = Literal::usize_unsuffixed(shapes.len());
    let n_ops = Literal::usize_unsuffixed(ops.len());
    let metadata = print_metadata(metadata);
    quote! {
        //! Static schema tables: what the runtime's codecs need to know about
        //! every shape and operation. Shape ids are indices into [`SHAPES`].
        #![allow(clippy::all, dead_code)]

        use boto_runtime::schema::*;

        /// This service, as the runtime sees it.
        pub static SERVICE: Service = Service {
            name: #name,
            metadata: #metadata,
            shapes: &SHAPES,
            operations: &OPERATIONS,
            endpoint_rules: #rules_ref,
        };

        #rules

        const fn m(name: &'static str, target: ShapeId) -> Member {
            Member { name, target, ..Member::DEFAULT }
        }
        const fn ml(name: &'static str, target: ShapeId, location_name: &'static str) -> Member {
            Member { name, target, location_name: Some(location_name), ..Member::DEFAULT }
        }
        const fn s(name: &'static str, kind: ShapeKind) -> Shape {
            Shape { name, kind, ..Shape::DEFAULT }
        }
        const fn st(members: &'static [Member]) -> ShapeKind {
            ShapeKind::Structure(StructureShape { members, ..StructureShape::DEFAULT })
        }

        /// Every shape reachable from an operation, sorted by name.
        pub static SHAPES: [Shape; #n_shapes] = [ #(#shapes,)* ];

        /// Every operation, sorted by name.
        pub static OPERATIONS: [Operation; #n_ops] = [ #(#ops,)* ];
    }
}

/// Collects `field: value` pairs for the fields that differ from a default.
#[derive(Default)]
struct Fields(Vec<TokenStream>);

impl Fields {
    fn set(&mut self, field: &str, differs: bool, value: TokenStream) {
        if differs {
            let field = Ident::new(field, Span::call_site());
            self.0.push(quote!(#field: #value));
        }
    }
    /// `Ty { fields.., ..base }`, or `base` alone when nothing differs.
    fn update(self, ty: TokenStream, base: TokenStream) -> TokenStream {
        let fields = self.0;
        if fields.is_empty() {
            base
        } else {
            quote!(#ty { #(#fields,)* ..#base })
        }
    }
}

fn opt_str(s: Option<&str>) -> TokenStream {
    match s {
        Some(s) => quote!(Some(#s)),
        None => quote!(None),
    }
}

fn strs(v: &[&str]) -> TokenStream {
    quote!(&[#(#v),*])
}

fn ident(debug: impl std::fmt::Debug) -> Ident {
    Ident::new(&format!("{debug:?}"), Span::call_site())
}

fn print_metadata(md: &Metadata) -> TokenStream {
    let Metadata {
        api_version,
        endpoint_prefix,
        signing_name,
        service_id,
        protocol,
        json_version,
        target_prefix,
        xml_namespace,
        aws_query_compatible,
        global_endpoint,
        signature_version,
        auth,
    } = md;
    let d = &Metadata::DEFAULT;
    let mut f = Fields::default();
    // The names are always printed: they say which service this is.
    f.set("api_version", true, quote!(#api_version));
    f.set("endpoint_prefix", true, quote!(#endpoint_prefix));
    f.set("signing_name", true, quote!(#signing_name));
    f.set("service_id", true, quote!(#service_id));
    let p = ident(protocol);
    f.set("protocol", true, quote!(Protocol::#p));
    f.set(
        "json_version",
        *json_version != d.json_version,
        quote!(#json_version),
    );
    f.set(
        "target_prefix",
        *target_prefix != d.target_prefix,
        quote!(#target_prefix),
    );
    f.set(
        "xml_namespace",
        *xml_namespace != d.xml_namespace,
        opt_str(*xml_namespace),
    );
    f.set(
        "aws_query_compatible",
        *aws_query_compatible != d.aws_query_compatible,
        quote!(#aws_query_compatible),
    );
    f.set(
        "global_endpoint",
        *global_endpoint != d.global_endpoint,
        opt_str(*global_endpoint),
    );
    f.set(
        "signature_version",
        *signature_version != d.signature_version,
        quote!(#signature_version),
    );
    f.set("auth", *auth != d.auth, strs(auth));
    f.update(quote!(Metadata), quote!(Metadata::DEFAULT))
}

fn xml_namespace(ns: &Option<XmlNamespace>) -> TokenStream {
    match ns {
        Some(XmlNamespace { prefix, uri }) => {
            let prefix = opt_str(*prefix);
            quote!(Some(XmlNamespace { prefix: #prefix, uri: #uri }))
        }
        None => quote!(None),
    }
}

fn timestamp_format(f: &Option<TimestampFormat>) -> TokenStream {
    match f {
        Some(f) => {
            let v = ident(f);
            quote!(Some(TimestampFormat::#v))
        }
        None => quote!(None),
    }
}

fn member(m: &Member) -> TokenStream {
    let Member {
        name,
        target,
        location,
        location_name,
        query_name,
        xml_namespace: ns,
        xml_attribute,
        flattened,
        timestamp_format: tf,
        host_label,
        idempotency_token,
        json_value,
        required,
        event_payload,
        event_header,
        streaming,
        context_param,
    } = m;
    let d = &Member::DEFAULT;
    let target = Literal::u32_unsuffixed(*target);
    let mut f = Fields::default();
    let loc = ident(location);
    f.set("location", *location != d.location, quote!(Location::#loc));
    f.set(
        "query_name",
        *query_name != d.query_name,
        opt_str(*query_name),
    );
    f.set("xml_namespace", *ns != d.xml_namespace, xml_namespace(ns));
    for (field, value, default) in [
        ("xml_attribute", xml_attribute, d.xml_attribute),
        ("flattened", flattened, d.flattened),
        ("host_label", host_label, d.host_label),
        ("idempotency_token", idempotency_token, d.idempotency_token),
        ("json_value", json_value, d.json_value),
        ("event_payload", event_payload, d.event_payload),
        ("event_header", event_header, d.event_header),
        ("streaming", streaming, d.streaming),
        ("required", required, d.required),
    ] {
        f.set(field, *value != default, quote!(#value));
    }
    f.set(
        "timestamp_format",
        *tf != d.timestamp_format,
        timestamp_format(tf),
    );
    f.set(
        "context_param",
        *context_param != d.context_param,
        opt_str(*context_param),
    );
    let base = match location_name {
        Some(l) => quote!(ml(#name, #target, #l)),
        None => quote!(m(#name, #target)),
    };
    f.update(quote!(Member), base)
}

fn error_traits(e: &ErrorTraits) -> TokenStream {
    let ErrorTraits {
        code,
        http_status,
        sender_fault,
    } = e;
    let code = opt_str(*code);
    let status = match http_status {
        Some(c) => {
            let c = Literal::u16_unsuffixed(*c);
            quote!(Some(#c))
        }
        None => quote!(None),
    };
    quote!(ErrorTraits { code: #code, http_status: #status, sender_fault: #sender_fault })
}

fn structure(st: &StructureShape) -> TokenStream {
    let StructureShape {
        members,
        payload,
        union,
        document,
        error,
        event_stream,
        event,
    } = st;
    let d = &StructureShape::DEFAULT;
    let members: Vec<_> = members.iter().map(member).collect();
    let mut f = Fields::default();
    if let Some(p) = payload {
        let p = Literal::u16_unsuffixed(*p);
        f.set("payload", true, quote!(Some(#p)));
    }
    f.set("union", *union != d.union, quote!(#union));
    f.set("document", *document != d.document, quote!(#document));
    if let Some(e) = error {
        let e = error_traits(e);
        f.set("error", true, quote!(Some(#e)));
    }
    f.set(
        "event_stream",
        *event_stream != d.event_stream,
        quote!(#event_stream),
    );
    f.set("event", *event != d.event, quote!(#event));
    if f.0.is_empty() {
        quote!(st(&[#(#members),*]))
    } else {
        let fields = f.0;
        quote!(ShapeKind::Structure(StructureShape { members: &[#(#members),*], #(#fields,)* ..StructureShape::DEFAULT }))
    }
}

fn shape(s: &Shape) -> TokenStream {
    let Shape {
        name,
        kind,
        xml_name,
        xml_namespace: ns,
        flattened,
        timestamp_format: tf,
        sensitive,
        streaming,
        requires_length,
    } = s;
    let d = &Shape::DEFAULT;
    let kind = match kind {
        ShapeKind::Structure(st) => structure(st),
        ShapeKind::List { member: m } => {
            let m = member(m);
            quote!(ShapeKind::List { member: #m })
        }
        ShapeKind::Map { key, value } => {
            let (k, v) = (member(key), member(value));
            quote!(ShapeKind::Map { key: #k, value: #v })
        }
        ShapeKind::Enum { values } => {
            let values = strs(values);
            quote!(ShapeKind::Enum { values: #values })
        }
        scalar => {
            let v = ident(scalar);
            quote!(ShapeKind::#v)
        }
    };
    let mut f = Fields::default();
    f.set("xml_name", *xml_name != d.xml_name, opt_str(*xml_name));
    f.set("xml_namespace", *ns != d.xml_namespace, xml_namespace(ns));
    f.set(
        "timestamp_format",
        *tf != d.timestamp_format,
        timestamp_format(tf),
    );
    for (field, value, default) in [
        ("flattened", flattened, d.flattened),
        ("sensitive", sensitive, d.sensitive),
        ("streaming", streaming, d.streaming),
        ("requires_length", requires_length, d.requires_length),
    ] {
        f.set(field, *value != default, quote!(#value));
    }
    f.update(quote!(Shape), quote!(s(#name, #kind)))
}

fn http_checksum(c: &HttpChecksum) -> TokenStream {
    let HttpChecksum {
        request_checksum_required,
        request_algorithm_member,
        request_validation_mode_member,
        response_algorithms,
    } = c;
    let alg = opt_str(*request_algorithm_member);
    let mode = opt_str(*request_validation_mode_member);
    let responses = strs(response_algorithms);
    quote!(HttpChecksum {
        request_checksum_required: #request_checksum_required,
        request_algorithm_member: #alg,
        request_validation_mode_member: #mode,
        response_algorithms: #responses,
    })
}

fn context_value(v: &ContextValue) -> TokenStream {
    match v {
        ContextValue::Bool(b) => quote!(ContextValue::Bool(#b)),
        ContextValue::String(s) => quote!(ContextValue::String(#s)),
        ContextValue::Strings(v) => {
            let v = strs(v);
            quote!(ContextValue::Strings(#v))
        }
    }
}

fn operation(op: &Operation) -> TokenStream {
    let Operation {
        name,
        http_method,
        request_uri,
        response_code,
        input,
        output,
        input_location_name,
        input_xml_namespace,
        result_wrapper,
        errors,
        host_prefix,
        checksum_required,
        http_checksum: hc,
        request_compression,
        auth_type,
        auth,
        unsigned_payload,
        static_context_params,
        operation_context_params,
        deprecated,
    } = op;
    let d = &Operation::DEFAULT;
    let mut f = Fields::default();
    f.set("name", true, quote!(#name));
    f.set(
        "http_method",
        *http_method != d.http_method,
        quote!(#http_method),
    );
    f.set(
        "request_uri",
        *request_uri != d.request_uri,
        quote!(#request_uri),
    );
    if let Some(c) = response_code {
        let c = Literal::u16_unsuffixed(*c);
        f.set("response_code", true, quote!(Some(#c)));
    }
    for (field, id) in [("input", input), ("output", output)] {
        if let Some(id) = id {
            let id = Literal::u32_unsuffixed(*id);
            f.set(field, true, quote!(Some(#id)));
        }
    }
    for (field, value, default) in [
        (
            "input_location_name",
            input_location_name,
            d.input_location_name,
        ),
        (
            "input_xml_namespace",
            input_xml_namespace,
            d.input_xml_namespace,
        ),
        ("result_wrapper", result_wrapper, d.result_wrapper),
    ] {
        f.set(field, *value != default, opt_str(*value));
    }
    let error_ids = errors.iter().map(|&e| Literal::u32_unsuffixed(e));
    f.set("errors", !errors.is_empty(), quote!(&[#(#error_ids),*]));
    f.set(
        "host_prefix",
        *host_prefix != d.host_prefix,
        opt_str(*host_prefix),
    );
    f.set(
        "checksum_required",
        *checksum_required != d.checksum_required,
        quote!(#checksum_required),
    );
    if let Some(c) = hc {
        let c = http_checksum(c);
        f.set("http_checksum", true, quote!(Some(#c)));
    }
    f.set(
        "request_compression",
        !request_compression.is_empty(),
        strs(request_compression),
    );
    f.set("auth_type", *auth_type != d.auth_type, quote!(#auth_type));
    f.set("auth", !auth.is_empty(), strs(auth));
    f.set(
        "unsigned_payload",
        *unsigned_payload != d.unsigned_payload,
        quote!(#unsigned_payload),
    );
    let statics = static_context_params.iter().map(|(k, v)| {
        let v = context_value(v);
        quote!((#k, #v))
    });
    f.set(
        "static_context_params",
        !static_context_params.is_empty(),
        quote!(&[#(#statics),*]),
    );
    let dynamic = operation_context_params
        .iter()
        .map(|(k, path)| quote!((#k, #path)));
    f.set(
        "operation_context_params",
        !operation_context_params.is_empty(),
        quote!(&[#(#dynamic),*]),
    );
    f.set(
        "deprecated",
        *deprecated != d.deprecated,
        quote!(#deprecated),
    );
    f.update(quote!(Operation), quote!(Operation::DEFAULT))
}
