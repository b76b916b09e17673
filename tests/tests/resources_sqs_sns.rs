//! boto3's SQS and SNS resources against moto: queues and messages, topics
//! and subscriptions, through actions, loads and collections.

use boto_tests::moto::MotoServer;

fn sqs() -> boto_sqs::Resource {
    boto_sqs::Resource::new(&MotoServer::shared().session())
}

fn sns() -> boto_sns::Resource {
    boto_sns::Resource::new(&MotoServer::shared().session())
}

#[tokio::test]
async fn sqs_queue_messages() {
    let sqs = sqs();
    let mut queue = sqs
        .create_queue()
        .queue_name("res-sqs-work")
        .attributes([("VisibilityTimeout".to_owned(), "45".to_owned())])
        .send()
        .await
        .unwrap();
    assert!(queue.url().ends_with("/res-sqs-work"), "{}", queue.url());
    // CreateQueue's response gives only the URL: no data until loaded.
    assert!(!queue.is_loaded());
    queue.load().await.unwrap();
    let attrs = queue.attributes().unwrap();
    assert_eq!(
        attrs.get("VisibilityTimeout").map(String::as_str),
        Some("45")
    );
    assert!(attrs["QueueArn"].ends_with(":res-sqs-work"));

    // The same queue by name.
    let by_name = sqs
        .get_queue_by_name()
        .queue_name("res-sqs-work")
        .send()
        .await
        .unwrap();
    assert_eq!(by_name, queue);

    for body in ["one", "two", "three"] {
        let sent = queue
            .send_message()
            .message_body(body)
            .send()
            .await
            .unwrap();
        assert!(sent.message_id.is_some());
    }
    // A non-load action clears the data.
    assert!(!queue.is_loaded());

    let mut bodies = Vec::new();
    for _ in 0..10 {
        let messages = queue
            .receive_messages()
            .max_number_of_messages(10)
            .send()
            .await
            .unwrap();
        for m in messages {
            // Identifiers: the queue's URL and the receipt handle; data from the response.
            assert_eq!(m.queue_url(), queue.url());
            assert!(!m.receipt_handle().is_empty());
            assert!(m.is_loaded());
            assert!(m.message_id().is_some());
            assert!(m.md5_of_body().is_some());
            assert_eq!(m.queue(), queue);
            bodies.push(m.body().unwrap().to_owned());
            m.delete().send().await.unwrap();
        }
        if bodies.len() == 3 {
            break;
        }
    }
    bodies.sort();
    assert_eq!(bodies, ["one", "three", "two"]);

    // Everything was deleted: nothing comes back even past the visibility timeout.
    let again = queue
        .receive_messages()
        .visibility_timeout(0)
        .send()
        .await
        .unwrap();
    assert!(again.is_empty());
    queue.load().await.unwrap();
    assert_eq!(
        queue
            .attributes()
            .and_then(|a| a.get("ApproximateNumberOfMessages"))
            .map(String::as_str),
        Some("0")
    );

    // A message resource built from identifiers has no data; Message has no load.
    let mut bare = queue.message("no-such-handle");
    assert!(!bare.is_loaded());
    let err = bare.load().await.unwrap_err();
    assert!(err.to_string().contains("has no load"), "{err}");

    queue.delete().send().await.unwrap();
}

#[tokio::test]
async fn sqs_queues_collection() {
    let sqs = sqs();
    let mut urls = Vec::new();
    for i in 0..3 {
        let q = sqs
            .create_queue()
            .queue_name(format!("res-sqs-coll-{i}"))
            .send()
            .await
            .unwrap();
        urls.push(q.url().to_owned());
    }
    let coll = sqs
        .queues()
        .filter(|b| b.queue_name_prefix("res-sqs-coll-"));
    let mut listed: Vec<String> = coll
        .collect()
        .await
        .unwrap()
        .into_iter()
        .map(|q| q.url().to_owned())
        .collect();
    listed.sort();
    assert_eq!(listed, urls);
    assert_eq!(coll.limit(2).collect().await.unwrap().len(), 2);
    // All queues include ours.
    let all = sqs.queues().collect().await.unwrap();
    assert!(urls.iter().all(|u| all.iter().any(|q| q.url() == u)));

    for mut q in coll.collect().await.unwrap() {
        q.delete().send().await.unwrap();
    }
    assert!(coll.collect().await.unwrap().is_empty());
}

#[tokio::test]
async fn sns_topics_subscriptions_publish() {
    let sns = sns();
    let sqs = sqs();
    let mut topic = sns
        .create_topic()
        .name("res-sns-news")
        .send()
        .await
        .unwrap();
    assert!(topic.arn().ends_with(":res-sns-news"), "{}", topic.arn());
    assert_eq!(topic, sns.topic(topic.arn()));
    topic.load().await.unwrap();
    assert_eq!(
        topic.attributes().and_then(|a| a.get("TopicArn")),
        Some(&topic.arn().to_owned())
    );

    // A queue to deliver to.
    let mut queue = sqs
        .create_queue()
        .queue_name("res-sns-inbox")
        .send()
        .await
        .unwrap();
    queue.load().await.unwrap();
    let queue_arn = queue.attributes().unwrap()["QueueArn"].clone();

    let mut sub = topic
        .subscribe()
        .protocol("sqs")
        .endpoint(&queue_arn)
        .attributes([("RawMessageDelivery".to_owned(), "true".to_owned())])
        .send()
        .await
        .unwrap();
    assert!(sub.arn().starts_with(topic.arn()), "{}", sub.arn());
    sub.load().await.unwrap();
    let sub_attrs = sub.attributes().unwrap();
    assert_eq!(sub_attrs.get("Endpoint"), Some(&queue_arn));
    assert_eq!(sub_attrs.get("Protocol").map(String::as_str), Some("sqs"));
    assert_eq!(
        sub_attrs.get("TopicArn").map(String::as_str),
        Some(topic.arn())
    );

    let subs = topic.subscriptions().collect().await.unwrap();
    assert_eq!(subs, [sub.clone()]);
    // The service-wide collection has it too.
    let all_subs = sns.subscriptions().collect().await.unwrap();
    assert!(all_subs.contains(&sub));

    let published = topic
        .publish()
        .message("hello subscribers")
        .subject("news")
        .send()
        .await
        .unwrap();
    assert!(published.message_id.is_some());
    // moto delivers to the SQS subscriber (raw delivery: the message as is).
    let received = queue
        .receive_messages()
        .max_number_of_messages(10)
        .send()
        .await
        .unwrap();
    let bodies: Vec<&str> = received.iter().filter_map(|m| m.body()).collect();
    assert_eq!(bodies, ["hello subscribers"]);

    // sns.topics() lists the topic.
    let topics = sns.topics().collect().await.unwrap();
    assert!(topics.contains(&topic));

    sub.delete().send().await.unwrap();
    assert!(topic.subscriptions().collect().await.unwrap().is_empty());
    topic.delete().send().await.unwrap();
    let topics = sns.topics().collect().await.unwrap();
    assert!(!topics.iter().any(|t| t.arn() == topic.arn()));
    queue.delete().send().await.unwrap();
}
