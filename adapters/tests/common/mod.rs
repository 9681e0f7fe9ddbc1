//! A real HTTP server on 127.0.0.1:0, written over raw TCP so tests can serve captured answers
//! byte for byte or misbehave on purpose, and a reader of the captured fixtures.
#![allow(dead_code)]

pub mod fixture;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// A request as the server saw it: decoded query parameters, lowercase header names.
#[derive(Debug, Clone)]
pub struct Seen {
    pub method: String,
    pub path: String,
    pub params: Vec<(String, String)>,
    pub headers: Vec<(String, String)>,
}

impl Seen {
    pub fn header(&self, name: &str) -> Option<&str> {
        let name = name.to_ascii_lowercase();
        self.headers
            .iter()
            .find(|(k, _)| *k == name)
            .map(|(_, v)| v.as_str())
    }
}

/// What the server does with one request.
pub enum Reply {
    /// Status, Content-Type (none when `None`), extra headers, body.
    Full {
        status: u16,
        content_type: Option<String>,
        headers: Vec<(String, String)>,
        body: Vec<u8>,
    },
    /// Accept the request, then say nothing for this long.
    Stall(Duration),
    /// Announce `announced` bytes, send `body`, then close.
    Truncated { announced: usize, body: Vec<u8> },
    /// A chunked 200 JSON body of `total` bytes produced on the fly, never held in memory.
    Huge { total: usize },
}

impl Reply {
    pub fn json(status: u16, body: &str) -> Self {
        Self::Full {
            status,
            content_type: Some("application/json".into()),
            headers: vec![],
            body: body.as_bytes().to_vec(),
        }
    }

    pub fn text(status: u16, body: &str) -> Self {
        Self::Full {
            status,
            content_type: Some("text/plain; charset=utf-8".into()),
            headers: vec![],
            body: body.as_bytes().to_vec(),
        }
    }

    pub fn with_header(mut self, name: &str, value: &str) -> Self {
        if let Self::Full { headers, .. } = &mut self {
            headers.push((name.into(), value.into()));
        }
        self
    }
}

type Handler = dyn Fn(usize, &Seen) -> Reply + Send + Sync;

pub struct TestServer {
    pub url: String,
    seen: Arc<Mutex<Vec<Seen>>>,
}

impl TestServer {
    pub fn requests(&self) -> Vec<Seen> {
        self.seen.lock().unwrap().clone()
    }
}

/// Starts a server that answers request number `n` (from 0) with `handler(n, &request)`.
pub async fn serve(handler: impl Fn(usize, &Seen) -> Reply + Send + Sync + 'static) -> TestServer {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let seen = Arc::new(Mutex::new(Vec::new()));
    let handler: Arc<Handler> = Arc::new(handler);
    let log = Arc::clone(&seen);
    tokio::spawn(async move {
        loop {
            let Ok((socket, _)) = listener.accept().await else {
                return;
            };
            let (log, handler) = (Arc::clone(&log), Arc::clone(&handler));
            tokio::spawn(async move { connection(socket, log, handler).await });
        }
    });
    TestServer { url, seen }
}

/// A URL where nothing listens: bind a port, then free it.
pub async fn refused_url() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    drop(listener);
    format!("http://{addr}")
}

async fn connection(mut socket: TcpStream, log: Arc<Mutex<Vec<Seen>>>, handler: Arc<Handler>) {
    let Some(seen) = read_request(&mut socket).await else {
        return;
    };
    let n = {
        let mut log = log.lock().unwrap();
        log.push(seen.clone());
        log.len() - 1
    };
    let reply = handler(n, &seen);
    let _ = write_reply(&mut socket, reply).await;
}

async fn read_request(socket: &mut TcpStream) -> Option<Seen> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    let head_end = loop {
        let n = socket.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        buf.extend_from_slice(&chunk[..n]);
        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break i;
        }
    };
    let head = String::from_utf8_lossy(&buf[..head_end]).into_owned();
    let mut body = buf[head_end + 4..].to_vec();
    let mut lines = head.split("\r\n");
    let mut first = lines.next()?.split(' ');
    let method = first.next()?.to_string();
    let target = first.next()?.to_string();
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_string()))
        .collect();
    let headers: Vec<(String, String)> = headers;
    let length: usize = headers
        .iter()
        .find(|(k, _)| k == "content-length")
        .and_then(|(_, v)| v.parse().ok())
        .unwrap_or(0);
    while body.len() < length {
        let n = socket.read(&mut chunk).await.ok()?;
        if n == 0 {
            break;
        }
        body.extend_from_slice(&chunk[..n]);
    }
    let url = reqwest::Url::parse(&format!("http://x{target}")).ok()?;
    let mut params: Vec<_> = url
        .query_pairs()
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    // Form bodies count as parameters too, as Loki reads them.
    let form = reqwest::Url::parse(&format!("form:?{}", String::from_utf8_lossy(&body))).ok()?;
    params.extend(
        form.query_pairs()
            .map(|(k, v)| (k.into_owned(), v.into_owned())),
    );
    Some(Seen {
        method,
        path: url.path().to_string(),
        params,
        headers,
    })
}

async fn write_reply(socket: &mut TcpStream, reply: Reply) -> std::io::Result<()> {
    match reply {
        Reply::Full {
            status,
            content_type,
            headers,
            body,
        } => {
            let mut head = format!("HTTP/1.1 {status} X\r\nContent-Length: {}\r\n", body.len());
            if let Some(ct) = content_type {
                head.push_str(&format!("Content-Type: {ct}\r\n"));
            }
            for (k, v) in headers {
                head.push_str(&format!("{k}: {v}\r\n"));
            }
            head.push_str("Connection: close\r\n\r\n");
            socket.write_all(head.as_bytes()).await?;
            socket.write_all(&body).await?;
        }
        Reply::Stall(d) => tokio::time::sleep(d).await,
        Reply::Truncated { announced, body } => {
            let head = format!(
                "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {announced}\r\nConnection: close\r\n\r\n"
            );
            socket.write_all(head.as_bytes()).await?;
            socket.write_all(&body).await?;
        }
        Reply::Huge { total } => huge(socket, total).await?,
    }
    socket.shutdown().await
}

/// `{"status":"success","data":{"resultType":"streams","result":[{"stream":{},"values":[[…],…`
/// streamed in chunks until `total` bytes, without ever closing the JSON.
async fn huge(socket: &mut TcpStream, total: usize) -> std::io::Result<()> {
    let head = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n";
    socket.write_all(head.as_bytes()).await?;
    let prefix = br#"{"status":"success","data":{"resultType":"streams","result":[{"stream":{"a":"b"},"values":["#;
    let entry =
        br#"["1795315307201044124","a line of text that repeats to fill two hundred megabytes"],"#;
    let mut block = prefix.to_vec();
    let mut sent = 0;
    while sent < total {
        while block.len() < 64 * 1024 {
            block.extend_from_slice(entry);
        }
        socket
            .write_all(format!("{:x}\r\n", block.len()).as_bytes())
            .await?;
        socket.write_all(&block).await?;
        socket.write_all(b"\r\n").await?;
        sent += block.len();
        block.clear();
    }
    socket.write_all(b"0\r\n\r\n").await
}

/// Peak resident memory of this test process in KiB (nextest runs each test in its own process).
pub fn peak_rss_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}
