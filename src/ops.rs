//! Operations: the request id, request metrics (Prometheus text format), structured JSON logs
//! and the shutdown flag. No web types beyond what the middleware hands in; the handlers that
//! expose these are in `web::ops`.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{LazyLock, Mutex};
use std::time::Duration;

tokio::task_local! {
    /// The id of the request being handled (set by `web::middleware::request_layer` around
    /// the whole request, so error pages and log lines of the request can name it).
    static REQUEST_ID: String;
}

/// Runs `f` with `id` as the current request id.
pub async fn with_request_id<F: std::future::Future>(id: String, f: F) -> F::Output {
    REQUEST_ID.scope(id, f).await
}

/// The id of the request being handled, if any.
pub fn request_id() -> Option<String> {
    REQUEST_ID.try_with(|id| id.clone()).ok()
}

/// A request id sent by a proxy in front (`X-Request-Id`) is kept when it is short and plain;
/// otherwise a new one is made.
pub fn request_id_from(header: Option<&str>) -> String {
    match header {
        Some(h) if (8..=64).contains(&h.len()) && h.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-') => {
            h.to_string()
        }
        _ => crate::services::auth::random_token()[..20].to_string(),
    }
}

/// Set when the process has been told to stop: `/readyz` then answers 503 so that a load
/// balancer sends no new work while requests in flight finish.
static STOPPING: AtomicBool = AtomicBool::new(false);

pub fn set_stopping() {
    STOPPING.store(true, Ordering::SeqCst);
}

pub fn stopping() -> bool {
    STOPPING.load(Ordering::SeqCst)
}

/// Upper bounds of the latency histogram's buckets, in seconds.
const BUCKETS: [f64; 12] = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 10.0];

#[derive(Default)]
struct Histogram {
    buckets: [u64; BUCKETS.len()],
    count: u64,
    sum: f64,
}

#[derive(Default)]
struct Requests {
    /// (method, route, status) -> count
    counts: HashMap<(String, String, u16), u64>,
    /// (method, route) -> latencies
    latency: HashMap<(String, String), Histogram>,
}

static REQUESTS: LazyLock<Mutex<Requests>> = LazyLock::new(Mutex::default);
static MAIL_SENT: AtomicU64 = AtomicU64::new(0);
static MAIL_FAILED_ATTEMPTS: AtomicU64 = AtomicU64::new(0);

/// Records one request. `route` is the matched route's pattern (`/cases/{reference}`), never
/// the path itself, so the number of series stays bounded whatever addresses are asked for.
pub fn record_request(method: &str, route: &str, status: u16, elapsed: Duration) {
    let seconds = elapsed.as_secs_f64();
    let mut r = REQUESTS.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    *r.counts.entry((method.to_string(), route.to_string(), status)).or_default() += 1;
    let h = r.latency.entry((method.to_string(), route.to_string())).or_default();
    h.count += 1;
    h.sum += seconds;
    for (i, le) in BUCKETS.iter().enumerate() {
        if seconds <= *le {
            h.buckets[i] += 1;
        }
    }
}

/// The outbox worker's tally (this process).
pub fn record_mail(sent: usize, failed_attempts: usize) {
    MAIL_SENT.fetch_add(sent as u64, Ordering::Relaxed);
    MAIL_FAILED_ATTEMPTS.fetch_add(failed_attempts as u64, Ordering::Relaxed);
}

/// What `/metrics` adds from the database and the pool at the time of the scrape.
#[derive(Debug, Default, Clone)]
pub struct Gauges {
    pub outbox_queued: i64,
    pub outbox_sending: i64,
    pub outbox_failed: i64,
    pub pool_size: u32,
    pub pool_max: u32,
    pub pool_idle: u32,
}

fn label(value: &str) -> String {
    value.replace('\\', "\\\\").replace('"', "\\\"").replace('\n', "\\n")
}

/// Every metric in Prometheus's text exposition format (version 0.0.4).
pub fn render(g: &Gauges) -> String {
    let mut out = String::new();
    let r = REQUESTS.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    out.push_str("# HELP sd_http_requests_total HTTP requests answered, by method, route and status.\n");
    out.push_str("# TYPE sd_http_requests_total counter\n");
    let mut counts: Vec<_> = r.counts.iter().collect();
    counts.sort();
    for ((method, route, status), n) in counts {
        let _ = writeln!(
            out,
            "sd_http_requests_total{{method=\"{}\",route=\"{}\",status=\"{status}\"}} {n}",
            label(method),
            label(route)
        );
    }
    out.push_str("# HELP sd_http_request_duration_seconds Time to answer a request, by method and route.\n");
    out.push_str("# TYPE sd_http_request_duration_seconds histogram\n");
    let mut latency: Vec<_> = r.latency.iter().collect();
    latency.sort_by(|a, b| a.0.cmp(b.0));
    for ((method, route), h) in latency {
        let (m, rt) = (label(method), label(route));
        for (i, le) in BUCKETS.iter().enumerate() {
            let _ = writeln!(
                out,
                "sd_http_request_duration_seconds_bucket{{method=\"{m}\",route=\"{rt}\",le=\"{le}\"}} {}",
                h.buckets[i]
            );
        }
        let _ = writeln!(
            out,
            "sd_http_request_duration_seconds_bucket{{method=\"{m}\",route=\"{rt}\",le=\"+Inf\"}} {}",
            h.count
        );
        let _ = writeln!(out, "sd_http_request_duration_seconds_sum{{method=\"{m}\",route=\"{rt}\"}} {}", h.sum);
        let _ = writeln!(out, "sd_http_request_duration_seconds_count{{method=\"{m}\",route=\"{rt}\"}} {}", h.count);
    }
    drop(r);
    let gauge = |out: &mut String, name: &str, help: &str, value: String| {
        let _ = write!(out, "# HELP {name} {help}\n# TYPE {name} gauge\n{name} {value}\n");
    };
    let counter = |out: &mut String, name: &str, help: &str, value: u64| {
        let _ = write!(out, "# HELP {name} {help}\n# TYPE {name} counter\n{name} {value}\n");
    };
    out.push_str("# HELP sd_outbox_messages Messages in the mail outbox (all instances), by status.\n");
    out.push_str("# TYPE sd_outbox_messages gauge\n");
    for (status, n) in [("queued", g.outbox_queued), ("sending", g.outbox_sending), ("failed", g.outbox_failed)] {
        let _ = writeln!(out, "sd_outbox_messages{{status=\"{status}\"}} {n}");
    }
    counter(&mut out, "sd_outbox_sent_total", "Messages this instance sent.", MAIL_SENT.load(Ordering::Relaxed));
    counter(
        &mut out,
        "sd_outbox_send_failures_total",
        "Send attempts of this instance that failed (retried or marked failed).",
        MAIL_FAILED_ATTEMPTS.load(Ordering::Relaxed),
    );
    gauge(&mut out, "sd_db_pool_connections", "Open database connections of this instance.", g.pool_size.to_string());
    gauge(
        &mut out,
        "sd_db_pool_idle_connections",
        "Idle database connections of this instance.",
        g.pool_idle.to_string(),
    );
    gauge(
        &mut out,
        "sd_db_pool_in_use_connections",
        "Database connections of this instance in use.",
        g.pool_size.saturating_sub(g.pool_idle).to_string(),
    );
    gauge(&mut out, "sd_db_pool_max_connections", "The pool's limit (DB_POOL_SIZE).", g.pool_max.to_string());
    out
}

/// Compares a presented token with the configured one in time that does not depend on where
/// they differ.
pub fn token_matches(expected: &str, presented: &str) -> bool {
    use sha2::{Digest, Sha256};
    let (a, b) = (Sha256::digest(expected.as_bytes()), Sha256::digest(presented.as_bytes()));
    a.iter().zip(b.iter()).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// `LOG_FORMAT=json`: one JSON object a line (time, level, target, message, the event's
/// fields, and the request id when the line was written while handling a request).
pub struct JsonFormat;

struct JsonVisitor<'a>(&'a mut serde_json::Map<String, serde_json::Value>);

impl tracing::field::Visit for JsonVisitor<'_> {
    fn record_debug(&mut self, field: &tracing::field::Field, value: &dyn std::fmt::Debug) {
        self.0.insert(field.name().to_string(), serde_json::Value::String(format!("{value:?}")));
    }
    fn record_str(&mut self, field: &tracing::field::Field, value: &str) {
        self.0.insert(field.name().to_string(), serde_json::Value::String(value.to_string()));
    }
    fn record_i64(&mut self, field: &tracing::field::Field, value: i64) {
        self.0.insert(field.name().to_string(), value.into());
    }
    fn record_u64(&mut self, field: &tracing::field::Field, value: u64) {
        self.0.insert(field.name().to_string(), value.into());
    }
    fn record_bool(&mut self, field: &tracing::field::Field, value: bool) {
        self.0.insert(field.name().to_string(), value.into());
    }
    fn record_f64(&mut self, field: &tracing::field::Field, value: f64) {
        self.0.insert(field.name().to_string(), value.into());
    }
}

impl<S, N> tracing_subscriber::fmt::FormatEvent<S, N> for JsonFormat
where
    S: tracing::Subscriber + for<'a> tracing_subscriber::registry::LookupSpan<'a>,
    N: for<'a> tracing_subscriber::fmt::FormatFields<'a> + 'static,
{
    fn format_event(
        &self,
        _ctx: &tracing_subscriber::fmt::FmtContext<'_, S, N>,
        mut writer: tracing_subscriber::fmt::format::Writer<'_>,
        event: &tracing::Event<'_>,
    ) -> std::fmt::Result {
        let mut fields = serde_json::Map::new();
        event.record(&mut JsonVisitor(&mut fields));
        let mut line = serde_json::Map::new();
        line.insert("time".into(), chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true).into());
        line.insert("level".into(), event.metadata().level().as_str().into());
        line.insert("target".into(), event.metadata().target().into());
        if let Some(message) = fields.remove("message") {
            line.insert("message".into(), message);
        }
        if let Some(id) = request_id() {
            line.insert("request_id".into(), id.into());
        }
        for (k, v) in fields {
            line.entry(k).or_insert(v);
        }
        let text = serde_json::to_string(&serde_json::Value::Object(line)).map_err(|_| std::fmt::Error)?;
        writeln!(writer, "{text}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_ids_from_outside_are_kept_only_when_plain() {
        assert_eq!(request_id_from(Some("abc-123-def-456")), "abc-123-def-456");
        assert_eq!(request_id_from(None).len(), 20);
        assert_ne!(request_id_from(Some("bad\"id\nwith stuff")), "bad\"id\nwith stuff");
        assert_eq!(request_id_from(Some(&"a".repeat(65))).len(), 20);
    }

    #[test]
    fn metrics_render_in_the_text_format() {
        record_request("GET", "/cases/{reference}", 200, Duration::from_millis(3));
        let text = render(&Gauges { outbox_queued: 2, pool_max: 8, ..Default::default() });
        assert!(text.contains("sd_http_requests_total{method=\"GET\",route=\"/cases/{reference}\",status=\"200\"}"));
        assert!(text.contains(
            "sd_http_request_duration_seconds_bucket{method=\"GET\",route=\"/cases/{reference}\",le=\"0.005\"}"
        ));
        assert!(text.contains("sd_outbox_messages{status=\"queued\"} 2"));
        assert!(text.contains("sd_db_pool_max_connections 8"));
        assert!(token_matches("secret-token", "secret-token"));
        assert!(!token_matches("secret-token", "secret-tokem"));
    }
}
