//! boto3's DynamoDB resource against moto: a table created through the
//! service resource, its waiter, `load`, item actions on the `Table`
//! resource (raw `AttributeValue` maps), and the `tables()` collection.

use std::collections::BTreeMap;
use std::time::Duration;

use boto_dynamodb::types::{
    AttributeDefinition, AttributeValue, BillingMode, KeySchemaElement, KeyType,
    ScalarAttributeType, TableStatus,
};
use boto_tests::moto::MotoServer;
use futures_util::StreamExt;

fn ddb() -> boto_dynamodb::Resource {
    boto_dynamodb::Resource::new(&MotoServer::shared().session())
}

fn s(v: impl Into<String>) -> AttributeValue {
    AttributeValue {
        s: Some(v.into()),
        ..Default::default()
    }
}

fn n(v: impl ToString) -> AttributeValue {
    AttributeValue {
        n: Some(v.to_string()),
        ..Default::default()
    }
}

async fn create_table(ddb: &boto_dynamodb::Resource, name: &str) -> boto_dynamodb::resource::Table {
    ddb.create_table()
        .table_name(name)
        .attribute_definitions(vec![
            AttributeDefinition {
                attribute_name: Some("pk".into()),
                attribute_type: Some(ScalarAttributeType::from("S")),
            },
            AttributeDefinition {
                attribute_name: Some("sk".into()),
                attribute_type: Some(ScalarAttributeType::from("N")),
            },
        ])
        .key_schema(vec![
            KeySchemaElement {
                attribute_name: Some("pk".into()),
                key_type: Some(KeyType::from("HASH")),
            },
            KeySchemaElement {
                attribute_name: Some("sk".into()),
                key_type: Some(KeyType::from("RANGE")),
            },
        ])
        .billing_mode(BillingMode::from("PAY_PER_REQUEST"))
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn table_create_wait_load_items() {
    let ddb = ddb();
    let mut table = create_table(&ddb, "res-ddb-items").await;
    assert_eq!(table.name(), "res-ddb-items");
    // CreateTable's resource carries `TableDescription` as its data.
    assert!(table.is_loaded());
    assert_eq!(table.table_name(), Some("res-ddb-items"));
    assert!(table.table_arn().unwrap().ends_with(":table/res-ddb-items"));
    assert_eq!(table.meta().resource_model(), "Table");
    assert_eq!(table.meta().service_name(), "dynamodb");

    table
        .wait_until_exists()
        .delay(Duration::from_millis(50))
        .await
        .unwrap();

    // A sub-resource starts empty and equals the created one.
    let mut same = ddb.table("res-ddb-items");
    assert_eq!(same, table);
    assert!(!same.is_loaded());
    assert_eq!(same.item_count(), None);
    same.load().await.unwrap();
    assert_eq!(same.table_status(), Some(&TableStatus::Active));
    assert_eq!(same.item_count(), Some(0));
    let keys: Vec<(&str, &str)> = same
        .key_schema()
        .unwrap()
        .iter()
        .map(|k| {
            (
                k.attribute_name.as_deref().unwrap(),
                k.key_type.as_ref().unwrap().as_str(),
            )
        })
        .collect();
    assert_eq!(keys, [("pk", "HASH"), ("sk", "RANGE")]);

    // Item actions: the table's name comes from the resource.
    for i in 0..6 {
        let pk = if i < 4 { "user#1" } else { "user#2" };
        table
            .put_item()
            .item(BTreeMap::from([
                ("pk".to_owned(), s(pk)),
                ("sk".to_owned(), n(i)),
                ("label".to_owned(), s(format!("item-{i}"))),
            ]))
            .send()
            .await
            .unwrap();
    }
    // A non-load action clears the data, as in boto3.
    assert!(!table.is_loaded());

    let got = table
        .get_item()
        .key(BTreeMap::from([
            ("pk".to_owned(), s("user#1")),
            ("sk".to_owned(), n(2)),
        ]))
        .send()
        .await
        .unwrap();
    let item = got.item.expect("item 2");
    assert_eq!(item["label"], s("item-2"));

    let missing = table
        .get_item()
        .key(BTreeMap::from([
            ("pk".to_owned(), s("user#9")),
            ("sk".to_owned(), n(0)),
        ]))
        .send()
        .await
        .unwrap();
    assert!(missing.item.is_none());

    let queried = table
        .query()
        .key_condition_expression("pk = :pk AND sk >= :lo")
        .expression_attribute_values(BTreeMap::from([
            (":pk".to_owned(), s("user#1")),
            (":lo".to_owned(), n(1)),
        ]))
        .send()
        .await
        .unwrap();
    assert_eq!(queried.count, Some(3));
    let sks: Vec<&str> = queried
        .items
        .as_ref()
        .unwrap()
        .iter()
        .map(|i| i["sk"].n.as_deref().unwrap())
        .collect();
    assert_eq!(sks, ["1", "2", "3"]);

    let scanned = table.scan().send().await.unwrap();
    assert_eq!(scanned.count, Some(6));
    assert_eq!(scanned.items.unwrap().len(), 6);

    // A caller's member wins over the model's (boto3's `params.update`):
    // here the same table name, so the scan still works.
    let filtered = table
        .scan()
        .filter_expression("pk = :pk")
        .expression_attribute_values(BTreeMap::from([(":pk".to_owned(), s("user#2"))]))
        .send()
        .await
        .unwrap();
    assert_eq!(filtered.count, Some(2));

    table
        .delete_item()
        .key(BTreeMap::from([
            ("pk".to_owned(), s("user#2")),
            ("sk".to_owned(), n(5)),
        ]))
        .send()
        .await
        .unwrap();
    table.load().await.unwrap();
    assert_eq!(table.item_count(), Some(5));

    table.delete().send().await.unwrap();
    table
        .wait_until_not_exists()
        .delay(Duration::from_millis(50))
        .await
        .unwrap();
    let err = same.load().await.unwrap_err();
    assert!(err.to_string().contains("res-ddb-items"), "{err}");
}

#[tokio::test]
async fn tables_collection() {
    let ddb = ddb();
    let names: Vec<String> = (0..5).map(|i| format!("res-ddb-coll-{i}")).collect();
    for name in &names {
        create_table(&ddb, name).await;
    }
    let listed: Vec<String> = ddb
        .tables()
        .stream()
        .map(|t| t.unwrap().name().to_owned())
        .collect()
        .await;
    for name in &names {
        assert!(listed.contains(name), "{name} not in {listed:?}");
    }
    // ListTables pages with `Limit`; items are identifiers only (no data).
    let pages: Vec<Vec<boto_dynamodb::resource::Table>> = ddb
        .tables()
        .page_size(2)
        .pages()
        .map(|p| p.unwrap())
        .collect()
        .await;
    assert!(pages.len() >= 3, "{pages:?}");
    assert!(pages.iter().all(|p| p.len() <= 2));
    // (The other test creates and deletes a table meanwhile: count ours.)
    let ours = pages
        .iter()
        .flatten()
        .filter(|t| t.name().starts_with("res-ddb-coll-"))
        .count();
    assert_eq!(ours, names.len());
    let first = &pages[0][0];
    assert!(!first.is_loaded());

    let limited = ddb.tables().page_size(2).limit(3).collect().await.unwrap();
    assert_eq!(limited.len(), 3);

    // A collection's items are full resources: load and act on them.
    let mut t = ddb
        .tables()
        .collect()
        .await
        .unwrap()
        .into_iter()
        .find(|t| t.name() == "res-ddb-coll-3")
        .unwrap();
    t.load().await.unwrap();
    assert_eq!(t.table_name(), Some("res-ddb-coll-3"));
    for name in &names {
        ddb.table(name).delete().send().await.unwrap();
    }
    let after: Vec<String> = ddb
        .tables()
        .collect()
        .await
        .unwrap()
        .iter()
        .map(|t| t.name().to_owned())
        .collect();
    assert!(names.iter().all(|n| !after.contains(n)), "{after:?}");
}

#[derive(serde::Serialize, serde::Deserialize, Debug, PartialEq)]
struct Row {
    pk: String,
    sk: u32,
    note: String,
}

#[tokio::test]
async fn table_batch_writer_over_100_items() {
    let ddb = ddb();
    let mut table = create_table(&ddb, "res-batch-writer").await;
    let mut writer = table.batch_writer().overwrite_by_pkeys(["pk", "sk"]);
    for i in 0..100 {
        let row = Row {
            pk: "p".into(),
            sk: i,
            note: format!("row {i}"),
        };
        writer.put(&row).await.unwrap();
    }
    // A second put of a buffered key replaces it.
    writer
        .put(&Row {
            pk: "p".into(),
            sk: 99,
            note: "last".into(),
        })
        .await
        .unwrap();
    writer.close().await.unwrap();

    table.load().await.unwrap();
    assert_eq!(table.item_count(), Some(100));
    let got = table
        .get_item()
        .key(boto_dynamodb::to_item(&serde_json::json!({"pk": "p", "sk": 99})).unwrap())
        .send()
        .await
        .unwrap();
    let row: Row = boto_dynamodb::from_item(&got.item.unwrap()).unwrap();
    assert_eq!(row.note, "last");
    let queried = table
        .query()
        .key_condition_expression("pk = :p AND sk < :n")
        .expression_attribute_values(BTreeMap::from([
            (":p".to_owned(), s("p")),
            (":n".to_owned(), n(10)),
        ]))
        .send()
        .await
        .unwrap();
    assert_eq!(queried.count, Some(10));
    table.delete().send().await.unwrap();
}

#[tokio::test]
async fn conditions_from_key_and_attr() {
    use boto_dynamodb::{Attr, Key};
    let ddb = ddb();
    let mut table = create_table(&ddb, "res-conditions").await;
    let mut writer = table.batch_writer();
    for i in 0..20u32 {
        let row = Row {
            pk: if i < 10 { "a".into() } else { "b".into() },
            sk: i,
            note: format!("n{}", i % 3),
        };
        writer.put(&row).await.unwrap();
    }
    writer.close().await.unwrap();

    let out = table
        .query()
        .key_condition(Key::new("pk").eq("a") & Key::new("sk").between(&2, &7))
        .unwrap()
        .filter(Attr::new("note").eq("n0") | Attr::new("note").begins_with("n1"))
        .unwrap()
        .send()
        .await
        .unwrap();
    let rows: Vec<Row> = out
        .items
        .unwrap_or_default()
        .iter()
        .map(|i| boto_dynamodb::from_item(i).unwrap())
        .collect();
    let sks: Vec<u32> = rows.iter().map(|r| r.sk).collect();
    assert_eq!(sks, vec![3, 4, 6, 7]);

    let scanned = table
        .scan()
        .filter(Attr::new("sk").is_in([1u32, 11, 19]) & !Attr::new("note").eq("n2"))
        .unwrap()
        .send()
        .await
        .unwrap();
    assert_eq!(scanned.count, Some(2));

    // A condition on a put: the second put of the same key fails.
    let item = boto_dynamodb::to_item(&Row {
        pk: "c".into(),
        sk: 1,
        note: "x".into(),
    })
    .unwrap();
    let only_new = || Attr::new("pk").not_exists();
    table
        .put_item()
        .item(item.clone())
        .condition(only_new())
        .unwrap()
        .send()
        .await
        .unwrap();
    let err = table
        .put_item()
        .item(item)
        .condition(only_new())
        .unwrap()
        .send()
        .await
        .unwrap_err();
    assert!(err.to_string().contains("ConditionalCheckFailed"), "{err}");
    table.delete().send().await.unwrap();
}
