//! The moto harness itself: it starts moto, talks HTTP to it, shares one server per test binary
//! and stops private servers on drop.

use std::net::{Ipv4Addr, SocketAddr, TcpStream};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use boto_tests::moto::MotoServer;

/// (endpoint, pid) seen by each test that uses the shared server.
static SEEN: Mutex<Vec<(String, u32)>> = Mutex::new(Vec::new());

fn use_shared_server() {
    let server = MotoServer::shared();
    let response = server
        .get("/moto-api/")
        .expect("GET /moto-api/ on the shared server");
    assert_eq!(
        response.status, 200,
        "moto dashboard answered: {}",
        response.head
    );
    let mut seen = SEEN.lock().unwrap();
    seen.push((server.endpoint(), server.pid()));
    // Whichever test runs second sees the first one's entry: both must be the same server.
    assert!(
        seen.iter().all(|s| *s == seen[0]),
        "tests got different moto servers: {seen:?}"
    );
}

#[test]
fn shared_server_answers_http() {
    use_shared_server();
    let server = MotoServer::shared();
    assert!(server.endpoint().starts_with("http://127.0.0.1:"));
    assert!(std::ptr::eq(server, MotoServer::shared()));
}

#[test]
fn second_test_gets_the_same_shared_server() {
    use_shared_server();
}

#[test]
fn moto_serves_an_aws_api_and_reset_clears_it() {
    // A private server, so resetting it cannot disturb the tests on the shared one.
    let server = MotoServer::start();
    let create = "Action=CreateQueue&QueueName=harness-queue&Version=2012-11-05";
    let r = server
        .request_with_headers("POST", "/", create.as_bytes(), QUERY_HEADERS)
        .expect("CreateQueue");
    assert_eq!(
        r.status,
        200,
        "{}\n{}",
        r.head,
        String::from_utf8_lossy(&r.body)
    );

    let list = "Action=ListQueues&Version=2012-11-05";
    let listed = |server: &MotoServer| {
        let r = server
            .request_with_headers("POST", "/", list.as_bytes(), QUERY_HEADERS)
            .expect("ListQueues");
        assert_eq!(r.status, 200, "{}", r.head);
        String::from_utf8_lossy(&r.body).contains("harness-queue")
    };
    assert!(listed(&server), "the queue is listed before reset");
    server.reset();
    assert!(!listed(&server), "reset forgets the queue");
}

const QUERY_HEADERS: &[(&str, &str)] = &[
    ("Content-Type", "application/x-www-form-urlencoded"),
    // moto picks the service from the credential scope of the signature.
    (
        "Authorization",
        "AWS4-HMAC-SHA256 Credential=testing/20240101/us-east-1/sqs/aws4_request, \
         SignedHeaders=host, Signature=0",
    ),
];

#[test]
fn private_server_stops_on_drop() {
    let server = MotoServer::start();
    let port = server.port();
    assert_ne!(port, MotoServer::shared().port());
    assert_eq!(server.get("/moto-api/").expect("GET").status, 200);
    drop(server);
    let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, port));
    let deadline = Instant::now() + Duration::from_secs(5);
    while TcpStream::connect_timeout(&addr, Duration::from_millis(200)).is_ok() {
        assert!(
            Instant::now() < deadline,
            "moto still listens on {port} after drop"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}
