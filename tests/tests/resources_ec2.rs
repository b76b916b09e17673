//! boto3's EC2 resources against moto: instances through the service
//! resource, filtered collections, batch actions, resource waiters, tags,
//! references, and VPC, subnet and security group creation.

use std::time::Duration;

use boto_ec2::types::{Filter, InstanceType, Tag};
use boto_tests::moto::MotoServer;

/// The image id moto knows (as in the client test in services.rs).
const AMI: &str = "ami-12c6146b";
const SHORT: Duration = Duration::from_millis(100);

fn ec2() -> boto_ec2::Resource {
    boto_ec2::Resource::new(&MotoServer::shared().session())
}

fn filter(name: &str, values: &[&str]) -> Filter {
    Filter {
        name: Some(name.to_owned()),
        values: Some(values.iter().map(|v| (*v).to_owned()).collect()),
    }
}

fn state(i: &boto_ec2::resource::Instance) -> Option<&str> {
    i.state().and_then(|s| s.name.as_ref()).map(|n| n.as_str())
}

#[tokio::test]
async fn instances_filter_waiters_and_batch_terminate() {
    let ec2 = ec2();
    let created = ec2
        .create_instances()
        .image_id(AMI)
        .min_count(3)
        .max_count(3)
        .instance_type(InstanceType::from("t2.micro"))
        .send()
        .await
        .unwrap();
    assert_eq!(created.len(), 3);
    // Data carried from RunInstances' response.
    assert!(created.iter().all(|i| i.is_loaded()));
    assert_eq!(created[0].image_id(), Some(AMI));
    assert_eq!(created[0].instance_id(), Some(created[0].id()));
    let ids: Vec<&str> = created.iter().map(|i| i.id()).collect();

    // The resource waiter, then a fresh load.
    let mut first = ec2.instance(ids[0]);
    first.wait_until_running().delay(SHORT).await.unwrap();
    first.load().await.unwrap();
    assert_eq!(state(&first), Some("running"));
    assert_eq!(first, created[0]);

    // A filtered collection: these instances, running.
    let mine = ec2.instances().filter(|b| {
        b.filters(vec![
            filter("instance-id", &ids),
            filter("instance-state-name", &["running"]),
        ])
    });
    let mut listed = mine.collect().await.unwrap();
    listed.sort_by(|a, b| a.id().cmp(b.id()));
    let mut want = ids.clone();
    want.sort();
    assert_eq!(listed.iter().map(|i| i.id()).collect::<Vec<_>>(), want);
    assert!(listed.iter().all(|i| state(i) == Some("running")));
    assert_eq!(mine.limit(2).collect().await.unwrap().len(), 2);

    // Batch terminate two of them through a narrower filter.
    let two = ec2.instances().filter(|b| {
        b.filters(vec![
            filter("instance-id", &ids[..2]),
            filter("instance-state-name", &["running"]),
        ])
    });
    // The caller's parameters reach every request: a dry run terminates nothing.
    let dry = two.terminate_with(|b| b.dry_run(true)).await.unwrap_err();
    assert!(dry.to_string().contains("DryRunOperation"), "{dry}");
    assert_eq!(two.collect().await.unwrap().len(), 2);
    let outputs = two.terminate().await.unwrap();
    assert_eq!(outputs.len(), 1);
    let mut terminating: Vec<String> = outputs[0]
        .terminating_instances
        .iter()
        .flatten()
        .filter_map(|c| c.instance_id.clone())
        .collect();
    terminating.sort();
    let mut want_two: Vec<String> = ids[..2].iter().map(|s| (*s).to_owned()).collect();
    want_two.sort();
    assert_eq!(terminating, want_two);

    first.wait_until_terminated().delay(SHORT).await.unwrap();
    first.load().await.unwrap();
    assert_eq!(state(&first), Some("terminated"));
    // Only the third is still running.
    let running: Vec<String> = mine
        .collect()
        .await
        .unwrap()
        .into_iter()
        .map(|i| i.id().to_owned())
        .collect();
    assert_eq!(running, [ids[2]]);
    let terminated = ec2
        .instances()
        .filter(|b| {
            b.filters(vec![
                filter("instance-id", &ids),
                filter("instance-state-name", &["terminated"]),
            ])
        })
        .collect()
        .await
        .unwrap();
    assert_eq!(terminated.len(), 2);

    // A plain action on one instance.
    let mut last = ec2.instance(ids[2]);
    last.terminate().send().await.unwrap();
    last.wait_until_terminated().delay(SHORT).await.unwrap();
    assert!(mine.collect().await.unwrap().is_empty());
}

#[tokio::test]
async fn vpc_subnet_security_group_tags_and_references() {
    let ec2 = ec2();
    let mut vpc = ec2
        .create_vpc()
        .cidr_block("10.77.0.0/16")
        .send()
        .await
        .unwrap();
    assert!(vpc.id().starts_with("vpc-"));
    assert_eq!(vpc.cidr_block(), Some("10.77.0.0/16"));
    vpc.wait_until_available().delay(SHORT).await.unwrap();

    // A subnet through the service resource, another through the VPC.
    let mut subnet = ec2
        .create_subnet()
        .vpc_id(vpc.id())
        .cidr_block("10.77.1.0/24")
        .send()
        .await
        .unwrap();
    assert!(subnet.id().starts_with("subnet-"));
    assert_eq!(subnet.vpc_id(), Some(vpc.id()));
    let subnet2 = vpc
        .create_subnet()
        .cidr_block("10.77.2.0/24")
        .send()
        .await
        .unwrap();
    assert_eq!(subnet2.vpc_id(), Some(vpc.id()));
    let mut in_vpc: Vec<String> = vpc
        .subnets()
        .collect()
        .await
        .unwrap()
        .into_iter()
        .map(|s| s.id().to_owned())
        .collect();
    in_vpc.sort();
    let mut want = vec![subnet.id().to_owned(), subnet2.id().to_owned()];
    want.sort();
    assert_eq!(in_vpc, want);

    // A security group through the service resource and one through the VPC.
    let mut sg = ec2
        .create_security_group()
        .group_name("res-ec2-web")
        .description("web")
        .vpc_id(vpc.id())
        .send()
        .await
        .unwrap();
    assert!(sg.id().starts_with("sg-"));
    sg.load().await.unwrap();
    assert_eq!(sg.group_name(), Some("res-ec2-web"));
    assert_eq!(sg.vpc_id(), Some(vpc.id()));
    let sg2 = vpc
        .create_security_group()
        .group_name("res-ec2-db")
        .description("db")
        .send()
        .await
        .unwrap();
    let groups: Vec<String> = vpc
        .security_groups()
        .filter(|b| b.filters(vec![filter("group-name", &["res-ec2-web", "res-ec2-db"])]))
        .collect()
        .await
        .unwrap()
        .into_iter()
        .map(|g| g.id().to_owned())
        .collect();
    assert_eq!(groups.len(), 2, "{groups:?}");
    assert!(groups.contains(&sg2.id().to_owned()));

    // An instance in the subnet; its references after load.
    let mut instances = subnet
        .create_instances()
        .image_id(AMI)
        .min_count(1)
        .max_count(1)
        .security_group_ids(vec![sg.id().to_owned()])
        .send()
        .await
        .unwrap();
    assert_eq!(instances.len(), 1);
    let mut instance = instances.remove(0);
    let bare = ec2.instance(instance.id());
    // A reference needs data.
    assert!(bare.vpc().is_err());
    instance.load().await.unwrap();
    assert_eq!(instance.subnet().unwrap(), Some(subnet.clone()));
    assert_eq!(instance.vpc().unwrap(), Some(ec2.vpc(vpc.id())));
    let image = instance.image().unwrap().unwrap();
    assert_eq!(image.id(), AMI);

    // Tags: the action returns a Tag resource per tag.
    let tags = instance
        .create_tags()
        .tags(vec![
            Tag {
                key: Some("Name".into()),
                value: Some("res-ec2-box".into()),
            },
            Tag {
                key: Some("env".into()),
                value: Some("test".into()),
            },
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(tags.len(), 2);
    assert_eq!(tags[0].resource_id(), instance.id());
    assert_eq!((tags[0].key(), tags[0].value()), ("Name", "res-ec2-box"));
    assert_eq!((tags[1].key(), tags[1].value()), ("env", "test"));
    // A non-load action cleared the instance's data.
    assert!(!instance.is_loaded());
    instance.load().await.unwrap();
    let mut got: Vec<(String, String)> = instance
        .tags()
        .unwrap()
        .iter()
        .map(|t| (t.key.clone().unwrap(), t.value.clone().unwrap()))
        .collect();
    got.sort();
    assert_eq!(
        got,
        [
            ("Name".to_owned(), "res-ec2-box".to_owned()),
            ("env".to_owned(), "test".to_owned())
        ]
    );
    // The instance is in the VPC's instances collection, found by tag.
    let by_tag = vpc
        .instances()
        .filter(|b| b.filters(vec![filter("tag:Name", &["res-ec2-box"])]))
        .collect()
        .await
        .unwrap();
    assert_eq!(by_tag, [ec2.instance(instance.id())]);

    // Tag resource delete.
    let mut env = tags[1].clone();
    env.delete().send().await.unwrap();
    instance.load().await.unwrap();
    assert_eq!(instance.tags().map(Vec::len), Some(1));

    instance.terminate().send().await.unwrap();
    instance.wait_until_terminated().delay(SHORT).await.unwrap();
}
