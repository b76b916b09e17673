//! boto3's `Table.batch_writer()` on the generated `Table` resource.

use super::BatchWriter;
use crate::resource::Table;

impl Table {
    /// A [`BatchWriter`] for this table, as boto3's `Table.batch_writer()`:
    /// buffers puts and deletes, sends them 25 at a time with
    /// `BatchWriteItem`, re-sends unprocessed items, and flushes on
    /// [`close`](BatchWriter::close).
    pub fn batch_writer(&self) -> BatchWriter {
        BatchWriter::new(&self.client(), self.name())
    }
}
