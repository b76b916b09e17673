//! `error.rs`: per operation, an enum of its modeled errors plus `Unhandled`.

use proc_macro2::TokenStream;
use quote::quote;

use super::{index_lit, rust_type, Ctx};
use crate::docs::doc_attrs;
use crate::ir::{Ir, IrOp};
use crate::naming::ident;

pub fn emit(ir: &Ir<'_>) -> TokenStream {
    let enums = ir.ops.iter().map(|op| error_enum(ir, op));
    let types = ir.ops.iter().any(|op| !op.errors.is_empty()).then(|| {
        quote!(
            use super::types;
        )
    });
    quote! {
        //! Per operation, the errors the service may answer with.
        #![allow(clippy::all)]

        use std::fmt;

        use boto_runtime::error as rt;
        use boto_runtime::protocol::DeserializeError;

        #types

        #(#enums)*
    }
}

fn error_enum(ir: &Ir<'_>, op: &IrOp<'_>) -> TokenStream {
    let name = ident(&op.error_enum);
    let docs = doc_attrs(&format!("Errors of the `{}` operation.", op.name));
    let variants: Vec<_> = op.error_variants.iter().map(|v| ident(v)).collect();
    let tys: Vec<_> = op
        .errors
        .iter()
        .map(|&id| rust_type(ir, id, Ctx::Sibling))
        .collect();
    let shape_names = op
        .errors
        .iter()
        .map(|&id| format!(" The `{}` error.", ir.shape(id).name));
    let idx: Vec<_> = (0..variants.len()).map(index_lit).collect();
    let from_raw = if variants.is_empty() {
        quote!(Ok(Self::Unhandled(raw.unhandled())))
    } else {
        quote! {
            Ok(match raw.modeled() {
                #( Some(#idx) => Self::#variants(raw.parse()?), )*
                _ => Self::Unhandled(raw.unhandled()),
            })
        }
    };
    quote! {
        #docs
        #[derive(Debug)]
        #[non_exhaustive]
        pub enum #name {
            #( #[doc = #shape_names] #variants(#tys), )*
            /// An error this operation's model does not list, or one that could not be read.
            Unhandled(rt::UnhandledError),
        }
        impl fmt::Display for #name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                match self {
                    #( Self::#variants(e) => fmt::Display::fmt(e, f), )*
                    Self::Unhandled(e) => fmt::Display::fmt(e, f),
                }
            }
        }
        impl std::error::Error for #name {}
        impl rt::OperationError for #name {
            fn from_raw(raw: &rt::RawServiceError) -> Result<Self, DeserializeError> {
                #from_raw
            }
        }
    }
}
