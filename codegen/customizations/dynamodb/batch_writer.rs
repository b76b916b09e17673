//! Buffered `BatchWriteItem` for one table, like boto3's `batch_writer()`.

use std::collections::BTreeMap;
use std::time::Duration;

use serde::Serialize;

use super::attribute_value::{to_item, ConversionError};
use crate::error::BatchWriteItemError;
use crate::types::{AttributeValue, DeleteRequest, PutRequest, WriteRequest};
use crate::Client;

/// The most requests one `BatchWriteItem` call takes.
const MAX_BATCH: usize = 25;
/// Rounds in a row in which DynamoDB processed nothing before giving up.
const MAX_STALLED_ROUNDS: u32 = 10;

/// An item or key: attribute name to value.
pub type Item = BTreeMap<String, AttributeValue>;

/// Why a [`BatchWriter`] could not write.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum BatchWriteError {
    /// The `BatchWriteItem` request failed. Requests of that batch are back
    /// in the buffer (see [`BatchWriter::pending`]), to retry or inspect.
    #[error("BatchWriteItem on table {table} failed")]
    Request {
        table: String,
        #[source]
        source: Box<boto_runtime::error::Error<BatchWriteItemError>>,
    },
    /// A value given to [`BatchWriter::put`] or [`BatchWriter::delete`]
    /// could not be converted to an item.
    #[error("converting an item for table {table}")]
    Conversion {
        table: String,
        #[source]
        source: ConversionError,
    },
    /// `overwrite_by_pkeys` names a key the item does not have.
    #[error(
        "the item for table {table} has no `{key}` attribute, a key given to overwrite_by_pkeys"
    )]
    MissingKey { table: String, key: String },
    /// DynamoDB returned every item of a batch unprocessed, round after round.
    #[error(
        "DynamoDB left every item unprocessed {rounds} times in a row on table {table}; \
         {pending} requests are still buffered"
    )]
    Stalled {
        table: String,
        rounds: u32,
        pending: usize,
    },
}

/// Buffers puts and deletes for one table and writes them with
/// `BatchWriteItem`, 25 at a time, re-sending whatever DynamoDB returns as
/// `UnprocessedItems`.
///
/// A request is sent once 25 are buffered; [`flush`](Self::flush) sends the
/// rest, and [`close`](Self::close) flushes and ends the writer. With
/// [`overwrite_by_pkeys`](Self::overwrite_by_pkeys), a request replaces a
/// buffered one for the same key (the later request wins, as in boto3:
/// DynamoDB rejects a batch holding two requests for one item).
///
/// **Call `close().await` (or `flush().await`) before dropping the writer.**
/// Python's `with` block flushes on exit; Rust's `Drop` cannot run async
/// requests, so a writer dropped with buffered requests loses them. It logs a
/// `tracing` warning naming the table and the count when that happens.
#[must_use = "a BatchWriter loses buffered writes unless `close().await` is called"]
#[derive(Debug)]
pub struct BatchWriter {
    client: Client,
    table_name: String,
    pkeys: Vec<String>,
    buffer: Vec<WriteRequest>,
    max_stalled_rounds: u32,
}

impl BatchWriter {
    /// A writer for `table_name` (a name or ARN) through `client`.
    pub fn new(client: &Client, table_name: impl Into<String>) -> BatchWriter {
        BatchWriter {
            client: client.clone(),
            table_name: table_name.into(),
            pkeys: Vec::new(),
            buffer: Vec::new(),
            max_stalled_rounds: MAX_STALLED_ROUNDS,
        }
    }

    /// De-duplicates buffered requests on these key attributes (partition
    /// key, and sort key if the table has one): a request for a key already
    /// in the buffer replaces that request.
    pub fn overwrite_by_pkeys<I, S>(mut self, keys: I) -> BatchWriter
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.pkeys = keys.into_iter().map(Into::into).collect();
        self
    }

    /// How many rounds in a row DynamoDB may process nothing of a batch
    /// (throttled) before [`flush`](Self::flush) gives up with
    /// [`BatchWriteError::Stalled`]; 10 unless set. Rounds back off from 50 ms
    /// doubling up to 5 s.
    pub fn max_stalled_rounds(mut self, rounds: u32) -> BatchWriter {
        self.max_stalled_rounds = rounds.max(1);
        self
    }

    /// The table written to.
    pub fn table_name(&self) -> &str {
        &self.table_name
    }

    /// Requests buffered and not yet accepted by DynamoDB.
    pub fn pending(&self) -> usize {
        self.buffer.len()
    }

    /// Buffers a put of `item`, sending a batch when 25 are buffered.
    pub async fn put_item(&mut self, item: Item) -> Result<(), BatchWriteError> {
        let request = WriteRequest {
            put_request: Some(PutRequest { item: Some(item) }),
            ..Default::default()
        };
        self.add(request).await
    }

    /// Buffers a delete of the item with `key`, sending a batch when 25 are
    /// buffered.
    pub async fn delete_item(&mut self, key: Item) -> Result<(), BatchWriteError> {
        let request = WriteRequest {
            delete_request: Some(DeleteRequest { key: Some(key) }),
            ..Default::default()
        };
        self.add(request).await
    }

    /// [`put_item`](Self::put_item) of a serde value (see [`to_item`]).
    pub async fn put<T: Serialize + ?Sized>(&mut self, item: &T) -> Result<(), BatchWriteError> {
        let item = to_item(item).map_err(|source| self.conversion(source))?;
        self.put_item(item).await
    }

    /// [`delete_item`](Self::delete_item) of a serde key (see [`to_item`]).
    pub async fn delete<T: Serialize + ?Sized>(&mut self, key: &T) -> Result<(), BatchWriteError> {
        let key = to_item(key).map_err(|source| self.conversion(source))?;
        self.delete_item(key).await
    }

    /// Sends every buffered request, re-sending unprocessed ones until
    /// DynamoDB has accepted all of them.
    pub async fn flush(&mut self) -> Result<(), BatchWriteError> {
        let mut stalled = 0;
        while !self.buffer.is_empty() {
            let sent = self.buffer.len().min(MAX_BATCH);
            let unprocessed = self.send_batch().await?;
            if unprocessed == 0 {
                stalled = 0;
                continue;
            }
            if unprocessed >= sent {
                stalled += 1;
                if stalled >= self.max_stalled_rounds {
                    return Err(BatchWriteError::Stalled {
                        table: self.table_name.clone(),
                        rounds: stalled,
                        pending: self.buffer.len(),
                    });
                }
            } else {
                stalled = 0;
            }
            tokio::time::sleep(backoff(stalled)).await;
        }
        Ok(())
    }

    /// Flushes and ends the writer.
    pub async fn close(mut self) -> Result<(), BatchWriteError> {
        self.flush().await
    }

    async fn add(&mut self, request: WriteRequest) -> Result<(), BatchWriteError> {
        if !self.pkeys.is_empty() {
            let key = self.key_of(&request)?;
            let mut i = 0;
            while i < self.buffer.len() {
                if self.key_of(&self.buffer[i])? == key {
                    self.buffer.remove(i);
                } else {
                    i += 1;
                }
            }
        }
        self.buffer.push(request);
        if self.buffer.len() >= MAX_BATCH {
            // One batch, as boto3 does; anything unprocessed stays buffered
            // and goes out with the next one.
            self.send_batch().await?;
        }
        Ok(())
    }

    /// The `overwrite_by_pkeys` values of a request.
    fn key_of<'r>(
        &self,
        request: &'r WriteRequest,
    ) -> Result<Vec<&'r AttributeValue>, BatchWriteError> {
        let attrs = match (&request.put_request, &request.delete_request) {
            (Some(put), _) => put.item.as_ref(),
            (None, Some(delete)) => delete.key.as_ref(),
            (None, None) => None,
        };
        self.pkeys
            .iter()
            .map(|k| {
                attrs
                    .and_then(|a| a.get(k))
                    .ok_or_else(|| BatchWriteError::MissingKey {
                        table: self.table_name.clone(),
                        key: k.clone(),
                    })
            })
            .collect()
    }

    /// Sends the first (up to) 25 buffered requests; puts what DynamoDB did
    /// not process back at the end of the buffer and returns its count.
    async fn send_batch(&mut self) -> Result<usize, BatchWriteError> {
        let n = self.buffer.len().min(MAX_BATCH);
        let batch: Vec<WriteRequest> = self.buffer.drain(..n).collect();
        let request = BTreeMap::from([(self.table_name.clone(), batch)]);
        let result = self
            .client
            .batch_write_item()
            .request_items(request.clone())
            .send()
            .await;
        let output = match result {
            Ok(output) => output,
            Err(source) => {
                // Keep the batch: nothing of it is known to be written.
                let batch = request.into_values().flatten();
                self.buffer.splice(0..0, batch);
                return Err(BatchWriteError::Request {
                    table: self.table_name.clone(),
                    source: Box::new(source),
                });
            }
        };
        let unprocessed: Vec<WriteRequest> = output
            .unprocessed_items
            .unwrap_or_default()
            .into_values()
            .flatten()
            .collect();
        let count = unprocessed.len();
        self.buffer.extend(unprocessed);
        Ok(count)
    }

    fn conversion(&self, source: ConversionError) -> BatchWriteError {
        BatchWriteError::Conversion {
            table: self.table_name.clone(),
            source,
        }
    }
}

fn backoff(stalled: u32) -> Duration {
    Duration::from_millis(50u64.saturating_mul(1 << stalled.min(7))).min(Duration::from_secs(5))
}

impl Drop for BatchWriter {
    fn drop(&mut self) {
        if !self.buffer.is_empty() {
            tracing::warn!(
                table = %self.table_name,
                pending = self.buffer.len(),
                "BatchWriter dropped with unsent requests: call `close().await` to write them"
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(v: &str) -> AttributeValue {
        AttributeValue {
            s: Some(v.into()),
            ..Default::default()
        }
    }

    fn writer() -> BatchWriter {
        let session = boto_runtime::Session::builder()
            .region("us-east-1")
            .credentials(boto_runtime::Credentials::new("AKID", "SECRET", None))
            .build()
            .expect("a session");
        BatchWriter::new(&Client::new(&session), "t").overwrite_by_pkeys(["pk", "sk"])
    }

    fn put(pk: &str, sk: &str, v: &str) -> WriteRequest {
        let item = Item::from([
            ("pk".into(), s(pk)),
            ("sk".into(), s(sk)),
            ("v".into(), s(v)),
        ]);
        WriteRequest {
            put_request: Some(PutRequest { item: Some(item) }),
            ..Default::default()
        }
    }

    #[test]
    fn keys_come_from_puts_and_deletes() {
        let w = writer();
        let p = put("a", "1", "x");
        assert_eq!(w.key_of(&p).unwrap(), vec![&s("a"), &s("1")]);
        let d = WriteRequest {
            delete_request: Some(DeleteRequest {
                key: Some(Item::from([("pk".into(), s("a")), ("sk".into(), s("1"))])),
            }),
            ..Default::default()
        };
        assert_eq!(w.key_of(&d).unwrap(), w.key_of(&p).unwrap());
        let missing = WriteRequest {
            delete_request: Some(DeleteRequest {
                key: Some(Item::from([("pk".into(), s("a"))])),
            }),
            ..Default::default()
        };
        let err = w.key_of(&missing).unwrap_err();
        assert!(matches!(&err, BatchWriteError::MissingKey { key, .. } if key == "sk"));
    }

    /// Polls a future that must finish without waiting (no request sent).
    fn now<F: std::future::Future>(f: F) -> F::Output {
        let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
        match std::pin::pin!(f).poll(&mut cx) {
            std::task::Poll::Ready(out) => out,
            std::task::Poll::Pending => panic!("the future sent a request"),
        }
    }

    #[test]
    fn later_requests_for_a_key_replace_buffered_ones() {
        let mut w = writer();
        now(w.put_item(put("a", "1", "first").put_request.unwrap().item.unwrap())).unwrap();
        now(w.put_item(put("a", "2", "other").put_request.unwrap().item.unwrap())).unwrap();
        now(w.put_item(put("a", "1", "second").put_request.unwrap().item.unwrap())).unwrap();
        assert_eq!(w.pending(), 2);
        assert_eq!(w.buffer[1], put("a", "1", "second"));
        let key = Item::from([("pk".into(), s("a")), ("sk".into(), s("2"))]);
        now(w.delete_item(key)).unwrap();
        assert_eq!(w.pending(), 2);
        assert!(w.buffer[1].delete_request.is_some());
        let err = now(w.put_item(Item::from([("pk".into(), s("a"))]))).unwrap_err();
        assert!(matches!(err, BatchWriteError::MissingKey { .. }));
        assert_eq!(w.pending(), 2);
        w.buffer.clear();
    }

    #[test]
    fn backoff_doubles_and_is_capped() {
        assert_eq!(backoff(0), Duration::from_millis(50));
        assert_eq!(backoff(1), Duration::from_millis(100));
        assert_eq!(backoff(30), Duration::from_secs(5));
    }
}
