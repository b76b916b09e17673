//! The canned response bodies, shaped like AWS's for the same calls.

use std::fmt::Write;

/// IAM ListUsers with `n` users (query protocol).
pub fn iam_list_users(n: usize) -> String {
    let mut users = String::new();
    for i in 0..n {
        write!(
            users,
            "<member><Path>/division_abc/subdivision_xyz/</Path>\
             <UserName>user-{i:03}</UserName><UserId>AIDACKCEVSQ6C2EXAMPL{i:02}</UserId>\
             <Arn>arn:aws:iam::123456789012:user/division_abc/subdivision_xyz/user-{i:03}</Arn>\
             <CreateDate>2012-09-05T19:38:48Z</CreateDate>\
             <PasswordLastUsed>2014-09-08T21:47:36Z</PasswordLastUsed></member>"
        )
        .ok();
    }
    format!(
        "<ListUsersResponse xmlns=\"https://iam.amazonaws.com/doc/2010-05-08/\">\
         <ListUsersResult><Users>{users}</Users><IsTruncated>false</IsTruncated></ListUsersResult>\
         <ResponseMetadata><RequestId>7a62c49f-347e-4fc4-9331-6e8eEXAMPLE</RequestId></ResponseMetadata>\
         </ListUsersResponse>"
    )
}

/// DynamoDB GetItem returning an item of a dozen attributes (JSON 1.0).
pub fn ddb_get_item() -> String {
    serde_json::json!({
        "Item": {
            "id": {"S": "user#0001"},
            "sort": {"S": "profile"},
            "name": {"S": "Ada Lovelace"},
            "email": {"S": "ada@example.com"},
            "age": {"N": "36"},
            "score": {"N": "1234.5"},
            "active": {"BOOL": true},
            "tags": {"SS": ["math", "engines", "poetry"]},
            "visits": {"NS": ["1", "2", "3", "5", "8"]},
            "address": {"M": {
                "street": {"S": "12 St James's Square"},
                "city": {"S": "London"},
                "zip": {"S": "SW1Y 4JH"}
            }},
            "history": {"L": [{"S": "joined"}, {"S": "upgraded"}, {"N": "42"}]},
            "avatar": {"B": "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg=="},
            "nothing": {"NULL": true}
        }
    })
    .to_string()
}

/// S3 ListObjectsV2 with `n` keys (rest-xml).
pub fn s3_list_objects(n: usize) -> String {
    let mut contents = String::new();
    for i in 0..n {
        write!(
            contents,
            "<Contents><Key>photos/2024/07/{i:05}-IMG_{i:04}.jpg</Key>\
             <LastModified>2024-07-{:02}T12:{:02}:07.000Z</LastModified>\
             <ETag>&quot;9b2cf535f27731c974343645a3985328&quot;</ETag>\
             <ChecksumAlgorithm>CRC64NVME</ChecksumAlgorithm><ChecksumType>FULL_OBJECT</ChecksumType>\
             <Size>{}</Size><StorageClass>STANDARD</StorageClass></Contents>",
            i % 28 + 1,
            i % 60,
            100_000 + i * 37
        )
        .ok();
    }
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n\
         <ListBucketResult xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">\
         <Name>bench-bucket</Name><Prefix></Prefix><KeyCount>{n}</KeyCount><MaxKeys>1000</MaxKeys>\
         <IsTruncated>false</IsTruncated>{contents}</ListBucketResult>"
    )
}

/// EC2 DescribeInstances: 10 reservations of 5 instances (ec2 protocol).
pub fn ec2_describe_instances(reservations: usize, per: usize) -> String {
    let mut out = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n\
         <DescribeInstancesResponse xmlns=\"http://ec2.amazonaws.com/doc/2016-11-15/\">\
         <requestId>8f7724cf-496f-496e-8fe3-example</requestId><reservationSet>",
    );
    for r in 0..reservations {
        write!(
            out,
            "<item><reservationId>r-{r:017x}</reservationId><ownerId>123456789012</ownerId>\
             <groupSet/><instancesSet>"
        )
        .ok();
        for i in 0..per {
            let n = r * per + i;
            write!(
                out,
                "<item><instanceId>i-{n:017x}</instanceId><imageId>ami-0abcdef1234567890</imageId>\
                 <instanceState><code>16</code><name>running</name></instanceState>\
                 <privateDnsName>ip-10-0-{r}-{i}.ec2.internal</privateDnsName><dnsName/>\
                 <reason/><keyName>my-key-pair</keyName><amiLaunchIndex>{i}</amiLaunchIndex>\
                 <productCodes/><instanceType>m5.large</instanceType>\
                 <launchTime>2024-05-01T10:{:02}:00.000Z</launchTime>\
                 <placement><availabilityZone>us-east-1a</availabilityZone><groupName/>\
                 <tenancy>default</tenancy></placement>\
                 <monitoring><state>disabled</state></monitoring>\
                 <subnetId>subnet-0123456789abcdef0</subnetId><vpcId>vpc-0123456789abcdef0</vpcId>\
                 <privateIpAddress>10.0.{r}.{i}</privateIpAddress>\
                 <sourceDestCheck>true</sourceDestCheck>\
                 <groupSet><item><groupId>sg-0123456789abcdef0</groupId><groupName>default</groupName></item></groupSet>\
                 <architecture>x86_64</architecture><rootDeviceType>ebs</rootDeviceType>\
                 <rootDeviceName>/dev/xvda</rootDeviceName>\
                 <blockDeviceMapping><item><deviceName>/dev/xvda</deviceName><ebs>\
                 <volumeId>vol-{n:017x}</volumeId><status>attached</status>\
                 <attachTime>2024-05-01T10:00:01.000Z</attachTime>\
                 <deleteOnTermination>true</deleteOnTermination></ebs></item></blockDeviceMapping>\
                 <virtualizationType>hvm</virtualizationType><clientToken/>\
                 <tagSet><item><key>Name</key><value>web-{n}</value></item>\
                 <item><key>team</key><value>platform</value></item>\
                 <item><key>env</key><value>prod</value></item></tagSet>\
                 <hypervisor>xen</hypervisor>\
                 <networkInterfaceSet><item><networkInterfaceId>eni-{n:017x}</networkInterfaceId>\
                 <subnetId>subnet-0123456789abcdef0</subnetId><vpcId>vpc-0123456789abcdef0</vpcId>\
                 <description/><ownerId>123456789012</ownerId><status>in-use</status>\
                 <macAddress>02:4e:1f:aa:{:02x}:{:02x}</macAddress>\
                 <privateIpAddress>10.0.{r}.{i}</privateIpAddress><sourceDestCheck>true</sourceDestCheck>\
                 <groupSet><item><groupId>sg-0123456789abcdef0</groupId><groupName>default</groupName></item></groupSet>\
                 <attachment><attachmentId>eni-attach-{n:017x}</attachmentId><deviceIndex>0</deviceIndex>\
                 <status>attached</status><attachTime>2024-05-01T10:00:00.000Z</attachTime>\
                 <deleteOnTermination>true</deleteOnTermination></attachment>\
                 <privateIpAddressesSet><item><privateIpAddress>10.0.{r}.{i}</privateIpAddress>\
                 <primary>true</primary></item></privateIpAddressesSet>\
                 <interfaceType>interface</interfaceType></item></networkInterfaceSet>\
                 <ebsOptimized>false</ebsOptimized><enaSupport>true</enaSupport>\
                 <cpuOptions><coreCount>1</coreCount><threadsPerCore>2</threadsPerCore></cpuOptions>\
                 <capacityReservationSpecification><capacityReservationPreference>open</capacityReservationPreference></capacityReservationSpecification>\
                 <hibernationOptions><configured>false</configured></hibernationOptions>\
                 <metadataOptions><state>applied</state><httpTokens>required</httpTokens>\
                 <httpPutResponseHopLimit>2</httpPutResponseHopLimit><httpEndpoint>enabled</httpEndpoint></metadataOptions>\
                 <enclaveOptions><enabled>false</enabled></enclaveOptions>\
                 <platformDetails>Linux/UNIX</platformDetails><usageOperation>RunInstances</usageOperation>\
                 <privateDnsNameOptions><hostnameType>ip-name</hostnameType></privateDnsNameOptions>\
                 <maintenanceOptions><autoRecovery>default</autoRecovery></maintenanceOptions>\
                 <currentInstanceBootMode>legacy-bios</currentInstanceBootMode></item>",
                n % 60,
                n / 256,
                n % 256
            )
            .ok();
        }
        out.push_str("</instancesSet></item>");
    }
    out.push_str("</reservationSet></DescribeInstancesResponse>");
    out
}

/// SQS ReceiveMessage with `n` messages (JSON 1.0).
pub fn sqs_receive_message(n: usize) -> String {
    let messages: Vec<_> = (0..n)
        .map(|i| {
            serde_json::json!({
                "MessageId": format!("5fea7756-0ea4-451a-a703-a558b933e2{i:02}"),
                "ReceiptHandle": format!("MbZj6wDWli+JvwwJaBV+3dcjk2YW2vA3+STFFljTM8tJJg6HRG6PYSasuWXPJB+CwLj1FjgXUv1uSj1gUPAWV66FU/WeR4mq2OKpEGYWbnLmpRCJVAyeMjeU5ZBdtcQ+QEauMZc8ZRv37sIW2iJKq3M9MFx1YvV11A2x/KSbkJ0={i}"),
                "MD5OfBody": "fafb00f5732ab283681e124bf8747ed1",
                "Body": format!("{{\"order\":{i},\"sku\":\"ABC-123\",\"qty\":2,\"note\":\"ship with care\"}}"),
                "Attributes": {
                    "SenderId": "195004372649",
                    "ApproximateFirstReceiveTimestamp": "1250700979248",
                    "ApproximateReceiveCount": "1",
                    "SentTimestamp": "1250700979248"
                }
            })
        })
        .collect();
    serde_json::json!({ "Messages": messages }).to_string()
}

/// The GetMetricData answer: `results` series of `points` points, as
/// (id, label, epoch seconds, values).
fn metric_series(results: usize, points: usize) -> Vec<(String, String, Vec<f64>, Vec<f64>)> {
    (0..results)
        .map(|r| {
            let ts = (0..points)
                .map(|p| 1_700_000_000.0 + 60.0 * p as f64)
                .collect();
            let vs = (0..points).map(|p| (r * 7 + p) as f64 * 0.37).collect();
            (format!("m{r}"), format!("CPUUtilization {r}"), ts, vs)
        })
        .collect()
}

/// CloudWatch GetMetricData in CBOR (smithy-rpc-v2-cbor): 5 series of 60
/// points, timestamps as tag 1 epoch seconds.
pub fn cw_get_metric_data_cbor() -> Vec<u8> {
    use ciborium::Value;
    let results = metric_series(5, 60)
        .into_iter()
        .map(|(id, label, ts, vs)| {
            Value::Map(vec![
                (Value::Text("Id".into()), Value::Text(id)),
                (Value::Text("Label".into()), Value::Text(label)),
                (
                    Value::Text("Timestamps".into()),
                    Value::Array(
                        ts.into_iter()
                            .map(|t| Value::Tag(1, Box::new(Value::Float(t))))
                            .collect(),
                    ),
                ),
                (
                    Value::Text("Values".into()),
                    Value::Array(vs.into_iter().map(Value::Float).collect()),
                ),
                (
                    Value::Text("StatusCode".into()),
                    Value::Text("Complete".into()),
                ),
            ])
        })
        .collect();
    let doc = Value::Map(vec![(
        Value::Text("MetricDataResults".into()),
        Value::Array(results),
    )]);
    let mut out = Vec::new();
    ciborium::into_writer(&doc, &mut out).expect("writing CBOR to a Vec");
    out
}

/// The same answer in JSON 1.0 (what boto3 speaks to CloudWatch).
pub fn cw_get_metric_data_json() -> String {
    let results: Vec<_> = metric_series(5, 60)
        .into_iter()
        .map(|(id, label, ts, vs)| {
            serde_json::json!({"Id": id, "Label": label, "Timestamps": ts, "Values": vs, "StatusCode": "Complete"})
        })
        .collect();
    serde_json::json!({ "MetricDataResults": results }).to_string()
}
