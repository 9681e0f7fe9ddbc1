//! The captured Loki/Tempo answers in `tests/fixtures/`, and checks of what the client sent.

use std::path::PathBuf;

use super::{Reply, Seen, TestServer, serve};

pub struct Fixture {
    pub name: String,
    pub method: String,
    pub path: String,
    pub params: Vec<(String, String)>,
    pub headers: Vec<(String, String)>,
    pub status: u16,
    pub content_type: Option<String>,
    pub body: Vec<u8>,
}

fn dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

/// Loads `tests/fixtures/<kind>/<name>.*`.
pub fn load(kind: &str, name: &str) -> Fixture {
    let base = dir().join(kind);
    let read = |ext: &str| std::fs::read(base.join(format!("{name}.{ext}")));
    let request = String::from_utf8(read("request.txt").expect("request file")).unwrap();
    let status = String::from_utf8(read("status").expect("status file")).unwrap();
    let body = read("response.json")
        .or_else(|_| read("response.txt"))
        .expect("response file");
    let mut f = Fixture {
        name: name.to_string(),
        method: String::new(),
        path: String::new(),
        params: vec![],
        headers: vec![],
        status: 0,
        content_type: None,
        body,
    };
    for line in request.lines().take_while(|l| *l != "BODY") {
        if let Some(m) = line.strip_prefix("METHOD ") {
            f.method = m.to_string();
        } else if let Some(p) = line.strip_prefix("PATH ") {
            f.path = p.to_string();
        } else if let Some((k, v)) = line
            .strip_prefix("PARAM ")
            .or_else(|| line.strip_prefix("FORM "))
            .and_then(|p| p.split_once('='))
        {
            f.params.push((k.to_string(), v.to_string()));
        } else if let Some((k, v)) = line
            .strip_prefix("HEADER ")
            .and_then(|h| h.split_once(": "))
        {
            f.headers.push((k.to_ascii_lowercase(), v.to_string()));
        }
    }
    let mut lines = status.lines();
    f.status = lines.next().unwrap().trim().parse().unwrap();
    let ct = lines
        .next()
        .and_then(|l| l.strip_prefix("Content-Type:"))
        .map(str::trim);
    f.content_type = ct.filter(|c| !c.is_empty()).map(str::to_string);
    f
}

impl Fixture {
    pub fn reply(&self) -> Reply {
        Reply::Full {
            status: self.status,
            content_type: self.content_type.clone(),
            headers: vec![],
            body: self.body.clone(),
        }
    }

    /// Checks that `seen` is the recorded request: same method and path, every recorded
    /// parameter with the same value (order aside), every recorded header. The client may add
    /// parameters only from `extra_ok`.
    pub fn assert_sent(&self, seen: &Seen, extra_ok: &[&str]) {
        assert_eq!(seen.method, self.method, "{}: method", self.name);
        assert_eq!(seen.path, self.path, "{}: path", self.name);
        let recorded = |k: &str| self.params.iter().any(|(p, _)| p == k);
        let mut want = self.params.clone();
        let mut got: Vec<_> = seen.params.clone();
        got.retain(|(k, _)| recorded(k) || !extra_ok.contains(&k.as_str()));
        want.sort();
        got.sort();
        assert_eq!(got, want, "{}: query parameters", self.name);
        for (name, value) in &self.headers {
            assert_eq!(
                seen.header(name),
                Some(value.as_str()),
                "{}: header {name}",
                self.name
            );
        }
    }
}

/// Serves fixtures by request path; anything else gets an empty 404 like Tempo's v1 not-found.
pub async fn serve_all(fixtures: Vec<Fixture>) -> TestServer {
    serve(move |_, seen| {
        fixtures
            .iter()
            .find(|f| f.path == seen.path)
            .map(Fixture::reply)
            .unwrap_or(Reply::Full {
                status: 404,
                content_type: None,
                headers: vec![],
                body: vec![],
            })
    })
    .await
}
