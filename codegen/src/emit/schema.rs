//! `schema.rs`: the static `SERVICE`, `SHAPES` and `OPERATIONS` tables the
//! runtime's codecs are driven by. Short constructor helpers (`m`, `s`, `st`)
//! keep the common case on one line; anything else is spelled out with
//! `..DEFAULT` struct update.

use boto_runtime::model::{ModelMember, ModelXmlNamespace};
use boto_runtime::schema::{Location, TimestampFormat};
use proc_macro2::{Literal, TokenStream};
use quote::quote;

use crate::ir::{Ir, IrMember, IrShape, Kind};

pub fn emit(ir: &Ir<'_>) -> TokenStream {
    let shapes: Vec<_> = ir.shapes.iter().map(shape).collect();
    let ops: Vec<_> = ir.ops.iter().map(operation).collect();
    let n_shapes = Literal::usize_unsuffixed(shapes.len());
    let n_ops = Literal::usize_unsuffixed(ops.len());
    let service_name = ir.service.as_str();
    let metadata = metadata(ir);
    quote! {
        //! Static schema tables: what the runtime's codecs need to know about
        //! every shape and operation. Shape ids are indices into [`SHAPES`].
        #![allow(clippy::all, dead_code)]

        use boto_runtime::schema::*;

        /// This service, as the runtime sees it.
        pub static SERVICE: Service = Service {
            name: #service_name,
            metadata: #metadata,
            shapes: &SHAPES,
            operations: &OPERATIONS,
        };

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

fn opt_str(s: Option<&str>) -> TokenStream {
    match s {
        Some(s) => quote!(Some(#s)),
        None => quote!(None),
    }
}

fn metadata(ir: &Ir<'_>) -> TokenStream {
    let md = &ir.model.metadata;
    let mut fields = Vec::new();
    let api_version = md.api_version.as_str();
    fields.push(quote!(api_version: #api_version));
    let endpoint_prefix = md.endpoint_prefix.as_deref().unwrap_or(&ir.service);
    fields.push(quote!(endpoint_prefix: #endpoint_prefix));
    let signing_name = md.signing_name.as_deref().unwrap_or(endpoint_prefix);
    fields.push(quote!(signing_name: #signing_name));
    let service_id = md.service_id.as_deref().unwrap_or(&ir.service);
    fields.push(quote!(service_id: #service_id));
    let protocol = syn::Ident::new(
        &format!("{:?}", ir.protocol),
        proc_macro2::Span::call_site(),
    );
    fields.push(quote!(protocol: Protocol::#protocol));
    if let Some(v) = &md.json_version {
        fields.push(quote!(json_version: #v));
    }
    if let Some(v) = &md.target_prefix {
        fields.push(quote!(target_prefix: #v));
    }
    if let Some(v) = &md.xml_namespace {
        fields.push(quote!(xml_namespace: Some(#v)));
    }
    if md.aws_query_compatible.is_some() {
        fields.push(quote!(aws_query_compatible: true));
    }
    if let Some(v) = &md.global_endpoint {
        fields.push(quote!(global_endpoint: Some(#v)));
    }
    if let Some(v) = &md.signature_version {
        fields.push(quote!(signature_version: #v));
    }
    quote!(Metadata { #(#fields,)* ..Metadata::DEFAULT })
}

fn xml_namespace(ns: Option<&ModelXmlNamespace>) -> Option<TokenStream> {
    ns.map(|ns| {
        let prefix = opt_str(ns.prefix());
        let uri = ns.uri();
        quote!(Some(XmlNamespace { prefix: #prefix, uri: #uri }))
    })
}

fn timestamp_format(f: Option<TimestampFormat>) -> Option<TokenStream> {
    f.map(|f| {
        let v = match f {
            TimestampFormat::Iso8601 => quote!(Iso8601),
            TimestampFormat::Rfc822 => quote!(Rfc822),
            TimestampFormat::UnixTimestamp => quote!(UnixTimestamp),
        };
        quote!(Some(TimestampFormat::#v))
    })
}

fn member(m: &IrMember<'_>, name: &str) -> TokenStream {
    let target = Literal::u32_unsuffixed(m.target);
    let mm: &ModelMember = m.model;
    let mut extra = Vec::new();
    if m.location != Location::Body {
        let loc = syn::Ident::new(&format!("{:?}", m.location), proc_macro2::Span::call_site());
        extra.push(quote!(location: Location::#loc));
    }
    let location_name = mm.location_name.as_deref();
    if let Some(v) = &mm.query_name {
        extra.push(quote!(query_name: Some(#v)));
    }
    if let Some(ns) = xml_namespace(mm.xml_namespace.as_ref()) {
        extra.push(quote!(xml_namespace: #ns));
    }
    let flags = [
        ("xml_attribute", mm.xml_attribute),
        ("flattened", mm.flattened),
        ("host_label", mm.host_label),
        ("idempotency_token", mm.idempotency_token),
        ("json_value", mm.json_value),
        ("event_payload", mm.event_payload),
    ];
    for (field, value) in flags {
        if value == Some(true) {
            let field = syn::Ident::new(field, proc_macro2::Span::call_site());
            extra.push(quote!(#field: true));
        }
    }
    if let Some(tf) = timestamp_format(m.timestamp_format) {
        extra.push(quote!(timestamp_format: #tf));
    }
    if m.required {
        extra.push(quote!(required: true));
    }
    let base = match location_name {
        Some(l) => quote!(ml(#name, #target, #l)),
        None => quote!(m(#name, #target)),
    };
    if extra.is_empty() {
        base
    } else {
        quote!(Member { #(#extra,)* ..#base })
    }
}

fn shape(s: &IrShape<'_>) -> TokenStream {
    let name = s.name;
    let model = s.model;
    let kind = match s.kind {
        Kind::Structure | Kind::Union | Kind::Document => {
            let members: Vec<_> = s.members.iter().map(|m| member(m, m.name)).collect();
            let mut extra = Vec::new();
            if let Some(p) = &model.payload {
                if let Some(i) = model.members.get_index_of(p.as_str()) {
                    let i = Literal::usize_unsuffixed(i);
                    extra.push(quote!(payload: Some(#i)));
                }
            }
            if s.kind == Kind::Union && model.union == Some(true) {
                extra.push(quote!(union: true));
            }
            if s.kind == Kind::Document {
                extra.push(quote!(document: true));
            }
            if model.event == Some(true) || model.event_stream == Some(true) {
                extra.push(quote!(event_stream: true));
            }
            if model.exception == Some(true) || model.error.is_some() {
                let e = model.error.clone().unwrap_or_default();
                let code = opt_str(e.code.as_deref());
                let status = match e.http_status_code {
                    Some(c) => {
                        let c = Literal::u16_unsuffixed(c);
                        quote!(Some(#c))
                    }
                    None => quote!(None),
                };
                let sender = e.sender_fault == Some(true);
                extra.push(quote!(error: Some(ErrorTraits { code: #code, http_status: #status, sender_fault: #sender })));
            }
            if extra.is_empty() {
                quote!(st(&[#(#members),*]))
            } else {
                quote!(ShapeKind::Structure(StructureShape { members: &[#(#members),*], #(#extra,)* ..StructureShape::DEFAULT }))
            }
        }
        Kind::List => {
            let m = member(&s.members[0], "member");
            quote!(ShapeKind::List { member: #m })
        }
        Kind::Map => {
            let k = member(&s.members[0], "key");
            let v = member(&s.members[1], "value");
            quote!(ShapeKind::Map { key: #k, value: #v })
        }
        Kind::Enum => {
            let values = &s.values;
            quote!(ShapeKind::Enum { values: &[#(#values),*] })
        }
        Kind::String => quote!(ShapeKind::String),
        Kind::Boolean => quote!(ShapeKind::Boolean),
        Kind::Byte => quote!(ShapeKind::Byte),
        Kind::Short => quote!(ShapeKind::Short),
        Kind::Integer => quote!(ShapeKind::Integer),
        Kind::Long => quote!(ShapeKind::Long),
        Kind::Float => quote!(ShapeKind::Float),
        Kind::Double => quote!(ShapeKind::Double),
        Kind::BigInteger => quote!(ShapeKind::BigInteger),
        Kind::BigDecimal => quote!(ShapeKind::BigDecimal),
        Kind::Blob => quote!(ShapeKind::Blob),
        Kind::Timestamp => quote!(ShapeKind::Timestamp),
    };
    let mut extra = Vec::new();
    if let Some(v) = &model.location_name {
        extra.push(quote!(xml_name: Some(#v)));
    }
    if let Some(ns) = xml_namespace(model.xml_namespace.as_ref()) {
        extra.push(quote!(xml_namespace: #ns));
    }
    if let Some(tf) = timestamp_format(s.timestamp_format) {
        extra.push(quote!(timestamp_format: #tf));
    }
    for (field, value) in [
        ("flattened", model.flattened),
        ("sensitive", model.sensitive),
        ("streaming", model.streaming),
        ("requires_length", model.requires_length),
    ] {
        if value == Some(true) {
            let field = syn::Ident::new(field, proc_macro2::Span::call_site());
            extra.push(quote!(#field: true));
        }
    }
    if extra.is_empty() {
        quote!(s(#name, #kind))
    } else {
        quote!(Shape { #(#extra,)* ..s(#name, #kind) })
    }
}

fn operation(op: &crate::ir::IrOp<'_>) -> TokenStream {
    let model = op.model;
    let name = op.name;
    let mut fields = vec![quote!(name: #name)];
    if let Some(m) = &model.http.method {
        if m != "POST" {
            fields.push(quote!(http_method: #m));
        }
    }
    if let Some(u) = &model.http.request_uri {
        if u != "/" {
            fields.push(quote!(request_uri: #u));
        }
    }
    if let Some(c) = model.http.response_code {
        let c = Literal::u16_unsuffixed(c);
        fields.push(quote!(response_code: Some(#c)));
    }
    if let Some(i) = op.input {
        let i = Literal::u32_unsuffixed(i);
        fields.push(quote!(input: Some(#i)));
    }
    if let Some(o) = op.output {
        let o = Literal::u32_unsuffixed(o);
        fields.push(quote!(output: Some(#o)));
    }
    if let Some(input) = &model.input {
        if let Some(v) = &input.location_name {
            fields.push(quote!(input_location_name: Some(#v)));
        }
        if let Some(ns) = &input.xml_namespace {
            let uri = ns.uri();
            fields.push(quote!(input_xml_namespace: Some(#uri)));
        }
    }
    if let Some(w) = model
        .output
        .as_ref()
        .and_then(|o| o.result_wrapper.as_ref())
    {
        fields.push(quote!(result_wrapper: Some(#w)));
    }
    if !op.errors.is_empty() {
        let errors = op.errors.iter().map(|&e| Literal::u32_unsuffixed(e));
        fields.push(quote!(errors: &[#(#errors),*]));
    }
    if let Some(h) = model.endpoint.as_ref().and_then(|e| e.host_prefix.as_ref()) {
        fields.push(quote!(host_prefix: Some(#h)));
    }
    let checksum = model.http_checksum_required == Some(true)
        || model
            .http_checksum
            .as_ref()
            .is_some_and(|c| c.request_checksum_required == Some(true));
    if checksum {
        fields.push(quote!(checksum_required: true));
    }
    if let Some(rc) = &model.request_compression {
        let enc = &rc.encodings;
        fields.push(quote!(request_compression: &[#(#enc),*]));
    }
    if let Some(a) = &model.auth_type {
        fields.push(quote!(auth_type: #a));
    }
    if model.deprecated == Some(true) {
        fields.push(quote!(deprecated: true));
    }
    quote!(Operation { #(#fields,)* ..Operation::DEFAULT })
}
