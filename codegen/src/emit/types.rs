//! `types.rs`: a Rust type per structure, union and enum, each implementing
//! the runtime's `Ser`/`De` traits with one `match` on member index.

use proc_macro2::TokenStream;
use quote::quote;

use super::{index_lit, member_type, rust_type, Ctx};
use crate::docs::html_doc_attrs;
use crate::ir::{Ir, IrShape, Kind};
use crate::naming::ident;

const REDACTED: &str = "*** Sensitive Data Redacted ***";

pub fn emit(ir: &Ir<'_>) -> TokenStream {
    let mut items = Vec::new();
    let mut any_enum = false;
    let mut any_sensitive = false;
    let mut any_struct = false;
    for (id, shape) in ir.shapes.iter().enumerate() {
        let serde = |shape: &IrShape<'_>| {
            let name = ident(&shape.type_name);
            let id = proc_macro2::Literal::usize_unsuffixed(id);
            quote!(serde_shape!(#name, #id);)
        };
        match shape.kind {
            Kind::Structure => {
                any_struct = true;
                items.push(structure(ir, shape));
                items.push(serde(shape));
            }
            Kind::Union => {
                any_struct = true;
                items.push(union(ir, shape));
                items.push(serde(shape));
            }
            Kind::Enum => {
                any_enum = true;
                items.push(string_enum(shape))
            }
            _ => continue,
        }
        any_sensitive |= shape.members.iter().any(|m| m.sensitive);
    }
    let enum_macro = any_enum.then(|| quote!(string_enum_macro_definition!();));
    let serde_macro = any_struct.then(|| quote!(serde_shape_macro_definition!();));
    let redacted = any_sensitive.then(|| {
        quote! {
            /// Shown by `Debug` in place of sensitive values.
            struct Redacted;
            impl fmt::Debug for Redacted {
                fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                    f.write_str(#REDACTED)
                }
            }
        }
    });
    quote! {
        //! Request, response, exception and value types of this service.
        //!
        //! Every structure member is an `Option`: the service may omit any of
        //! them, whatever the model says, and an empty list is kept apart from
        //! an absent one.
        #![allow(clippy::all, unused_imports)]

        use std::collections::BTreeMap;
        use std::fmt;

        use boto_runtime::value::{opt, De, DeError, Scalar, Ser, StructSer, ValueRef};
        use boto_runtime::{ByteStream, Bytes, DateTime, Document};

        #redacted
        #enum_macro
        #serde_macro
        #(#items)*
    }
}

fn structure(ir: &Ir<'_>, shape: &IrShape<'_>) -> TokenStream {
    let name = ident(&shape.type_name);
    let name_str = shape.name;
    let docs = html_doc_attrs(shape.model.documentation.as_deref());
    let sensitive = shape.members.iter().any(|m| m.sensitive);
    let derive_debug = (!sensitive).then(|| quote!(Debug,));

    let fields = shape.members.iter().map(|m| {
        let f = ident(&m.field);
        let doc = html_doc_attrs(m.model.documentation.as_deref());
        let ty = member_type(ir, m, Ctx::Types);
        let ty = if m.boxed { quote!(Box<#ty>) } else { ty };
        quote! { #doc pub #f: Option<#ty>, }
    });
    let idx: Vec<_> = (0..shape.members.len()).map(index_lit).collect();
    let fs: Vec<_> = shape.members.iter().map(|m| ident(&m.field)).collect();
    let (ser_body, de_body) = if fs.is_empty() {
        (
            quote! { let _ = index; None },
            quote! { Err(DeError::NoMember(index)) },
        )
    } else {
        (
            quote! { match index { #( #idx => opt(&self.#fs), )* _ => None } },
            quote! { match index { #( #idx => Ok(&mut self.#fs), )* _ => Err(DeError::NoMember(index)) } },
        )
    };

    let debug_impl = sensitive.then(|| {
        let fields = shape.members.iter().map(|m| {
            let f = ident(&m.field);
            let label = m.field.as_str();
            if m.sensitive {
                quote! { .field(#label, &Redacted) }
            } else {
                quote! { .field(#label, &self.#f) }
            }
        });
        quote! {
            impl fmt::Debug for #name {
                fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                    f.debug_struct(#name_str) #(#fields)* .finish()
                }
            }
        }
    });

    let error_impls = shape.is_error.then(|| {
        let message = shape.message_member.and_then(|i| {
            let m = &shape.members[i];
            let printable = matches!(ir.shape(m.target).kind, Kind::String) && !m.sensitive;
            printable.then(|| {
                let f = ident(&m.field);
                quote! {
                    if let Some(message) = &self.#f {
                        write!(f, ": {message}")?;
                    }
                }
            })
        });
        quote! {
            impl fmt::Display for #name {
                fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                    f.write_str(#name_str)?;
                    #message
                    Ok(())
                }
            }
            impl std::error::Error for #name {}
        }
    });

    quote! {
        #docs
        #[derive(#derive_debug Clone, PartialEq, Default)]
        pub struct #name { #(#fields)* }

        impl Ser for #name {
            fn value(&self) -> ValueRef<'_> { ValueRef::Struct(self) }
        }
        impl StructSer for #name {
            fn member(&self, index: usize) -> Option<&dyn Ser> { #ser_body }
        }
        impl De for #name {
            fn member(&mut self, index: usize) -> Result<&mut dyn De, DeError> { #de_body }
            fn expecting(&self) -> &'static str { #name_str }
        }
        #debug_impl
        #error_impls
    }
}

fn union(ir: &Ir<'_>, shape: &IrShape<'_>) -> TokenStream {
    let name = ident(&shape.type_name);
    let name_str = shape.name;
    let docs = html_doc_attrs(shape.model.documentation.as_deref());
    let sensitive = shape.members.iter().any(|m| m.sensitive);
    let derive_debug = (!sensitive).then(|| quote!(Debug,));
    let variants = shape.members.iter().map(|m| {
        let v = ident(&m.field);
        let doc = html_doc_attrs(m.model.documentation.as_deref());
        let ty = rust_type(ir, m.target, Ctx::Types);
        let ty = if m.boxed { quote!(Box<#ty>) } else { ty };
        quote! { #doc #v(#ty), }
    });
    let idx: Vec<_> = (0..shape.members.len()).map(index_lit).collect();
    let vs: Vec<_> = shape.members.iter().map(|m| ident(&m.field)).collect();
    let ser_body = if vs.is_empty() {
        quote! { let _ = index; None }
    } else {
        quote! { match (index, self) { #( (#idx, Self::#vs(v)) => Some(v), )* _ => None } }
    };
    let de_body = if vs.is_empty() {
        quote! { Err(DeError::NoMember(index)) }
    } else {
        quote! {
            match index {
                #( #idx => if !matches!(self, Self::#vs(_)) { *self = Self::#vs(Default::default()) }, )*
                _ => return Err(DeError::NoMember(index)),
            }
            match self {
                #( Self::#vs(v) => Ok(v), )*
                Self::Unknown => Err(DeError::NoMember(index)),
            }
        }
    };
    let debug_impl = sensitive.then(|| {
        let arms = shape.members.iter().map(|m| {
            let v = ident(&m.field);
            let label = m.field.as_str();
            if m.sensitive {
                quote! { Self::#v(_) => f.debug_tuple(#label).field(&Redacted).finish(), }
            } else {
                quote! { Self::#v(v) => f.debug_tuple(#label).field(v).finish(), }
            }
        });
        quote! {
            impl fmt::Debug for #name {
                fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                    match self { #(#arms)* Self::Unknown => f.write_str("Unknown") }
                }
            }
        }
    });
    quote! {
        #docs
        #[derive(#derive_debug Clone, PartialEq, Default)]
        #[non_exhaustive]
        pub enum #name {
            #(#variants)*
            /// A member this version of the crate does not know (or none was set).
            #[default]
            Unknown,
        }
        impl Ser for #name {
            fn value(&self) -> ValueRef<'_> { ValueRef::Struct(self) }
        }
        impl StructSer for #name {
            fn member(&self, index: usize) -> Option<&dyn Ser> { #ser_body }
        }
        impl De for #name {
            fn member(&mut self, index: usize) -> Result<&mut dyn De, DeError> { #de_body }
            fn expecting(&self) -> &'static str { #name_str }
        }
        #debug_impl
    }
}

fn string_enum(shape: &IrShape<'_>) -> TokenStream {
    let name = ident(&shape.type_name);
    let name_str = shape.name;
    let docs = html_doc_attrs(shape.model.documentation.as_deref());
    let vs: Vec<_> = shape.variants.iter().map(|v| ident(v)).collect();
    let values = &shape.values;
    quote! {
        #docs
        #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
        #[non_exhaustive]
        pub enum #name {
            #( #vs, )*
            /// A value this version of the crate does not know.
            Unknown(String),
        }
        impl #name {
            /// The value as the service spells it.
            pub fn as_str(&self) -> &str {
                match self { #( Self::#vs => #values, )* Self::Unknown(s) => s }
            }
        }
        impl From<&str> for #name {
            fn from(s: &str) -> Self {
                match s { #( #values => Self::#vs, )* other => Self::Unknown(other.to_owned()) }
            }
        }
        string_enum!(#name, #name_str);
    }
}

/// Stands where [`ENUM_MACRO`] goes: prettyplease would put a `macro_rules!`
/// body on a few long lines, so the hand-formatted text replaces this line.
pub const ENUM_MACRO_PLACEHOLDER: &str = "string_enum_macro_definition!();";

/// Stands where [`SERDE_MACRO`] goes, as [`ENUM_MACRO_PLACEHOLDER`].
pub const SERDE_MACRO_PLACEHOLDER: &str = "serde_shape_macro_definition!();";

/// The `serde` feature's impls of a structure or union: one call each into
/// the runtime's schema-driven serde (`boto_runtime::serde_shape`).
pub const SERDE_MACRO: &str = r#"/// With the `serde` feature: `Serialize` and `Deserialize` through the schema.
macro_rules! serde_shape {
    ($t:ident, $id:literal) => {
        #[cfg(feature = "serde")]
        impl serde::Serialize for $t {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                boto_runtime::serde_shape::serialize(&crate::schema::SERVICE, $id, self, s)
            }
        }
        #[cfg(feature = "serde")]
        impl<'de> serde::Deserialize<'de> for $t {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                boto_runtime::serde_shape::deserialize(&crate::schema::SERVICE, $id, d)
            }
        }
    };
}"#;

/// The parts of every string enum that do not depend on its values.
pub const ENUM_MACRO: &str = r#"/// The parts of every string enum that do not depend on its values.
macro_rules! string_enum {
    ($t:ident, $name:literal) => {
        /// With the `serde` feature: the value as text; unknown values are kept.
        #[cfg(feature = "serde")]
        impl serde::Serialize for $t {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }
        #[cfg(feature = "serde")]
        impl<'de> serde::Deserialize<'de> for $t {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                <String as serde::Deserialize>::deserialize(d).map(Self::from)
            }
        }
        impl From<String> for $t {
            fn from(s: String) -> Self {
                match Self::from(s.as_str()) {
                    Self::Unknown(_) => Self::Unknown(s),
                    known => known,
                }
            }
        }
        impl Default for $t {
            fn default() -> Self {
                Self::Unknown(String::new())
            }
        }
        impl AsRef<str> for $t {
            fn as_ref(&self) -> &str {
                self.as_str()
            }
        }
        impl fmt::Display for $t {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }
        impl Ser for $t {
            fn value(&self) -> ValueRef<'_> {
                ValueRef::Str(self.as_str())
            }
        }
        impl De for $t {
            fn set(&mut self, value: Scalar) -> Result<(), DeError> {
                match value {
                    Scalar::Str(s) => {
                        *self = Self::from(s);
                        Ok(())
                    }
                    other => Err(DeError::mismatch($name, &other)),
                }
            }
            fn set_str(&mut self, value: &str) -> Result<(), DeError> {
                *self = Self::from(value);
                Ok(())
            }
            fn expecting(&self) -> &'static str {
                $name
            }
        }
    };
}"#;
