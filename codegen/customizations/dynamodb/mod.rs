//! DynamoDB conveniences boto3 users rely on, written by hand (not from the
//! model):
//!
//! - [`to_item`] / [`from_item`] and [`to_attribute_value`] /
//!   [`from_attribute_value`]: serde conversion between plain Rust values and
//!   [`AttributeValue`](crate::types::AttributeValue) maps, following boto3's
//!   `TypeSerializer` / `TypeDeserializer`; [`Number`], [`Binary`] and the set
//!   newtypes [`StringSet`], [`NumberSet`], [`BinarySet`] name the DynamoDB
//!   types serde has no word for.
//! - [`BatchWriter`]: buffered `BatchWriteItem` for one table, like boto3's
//!   `Table.batch_writer()`.
//!
//! ```no_run
//! # async fn example() -> Result<(), Box<dyn std::error::Error>> {
//! #[derive(serde::Serialize, serde::Deserialize)]
//! struct Song { artist: String, title: String, year: u16 }
//!
//! let client = boto_dynamodb::Client::new(&boto_dynamodb::Session::new());
//! let song = Song { artist: "Nina".into(), title: "Sinnerman".into(), year: 1965 };
//! client.put_item().table_name("music").item(boto_dynamodb::to_item(&song)?).send().await?;
//!
//! let mut writer = boto_dynamodb::BatchWriter::new(&client, "music")
//!     .overwrite_by_pkeys(["artist", "title"]);
//! writer.put(&song).await?;
//! writer.close().await?;
//! # Ok(())
//! # }
//! ```

// The crate root allows every clippy lint for generated code; this code is
// written by hand and held to the usual lints.
#![warn(clippy::all)]

mod attribute_value;
mod batch_writer;
mod conditions;

pub use attribute_value::{
    from_attribute_value, from_item, to_attribute_value, to_item, Binary, BinarySet,
    ConversionError, ErrorKind, Number, NumberSet, StringSet,
};
pub use batch_writer::{BatchWriteError, BatchWriter};
pub use conditions::{Attr, Condition, Expression, Key};
