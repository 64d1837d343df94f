//! Outgoing mail through lettre: SMTP in production (`SMTP_URL`), files under `DATA_DIR/mail`
//! in development. Messages are queued in the `outbox` table by the change that causes them and
//! sent by a background worker (see `services::outbox`).
//!
//! Whatever is in an outbox row, sending it cannot take the worker down: header values are
//! cleaned to one line here (rows stored before names were checked at intake may hold line
//! breaks), the message is built under `catch_unwind`, and every failure comes back as a
//! [`SendError`] that says whether trying again could help.

use crate::config::Config;
use futures_util::FutureExt;
use lettre::message::{header::ContentType, Attachment, Mailbox, MultiPart, SinglePart};
use lettre::{AsyncFileTransport, AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use std::panic::AssertUnwindSafe;
use std::path::PathBuf;

#[derive(Clone)]
pub enum Mailer {
    Smtp(AsyncSmtpTransport<Tokio1Executor>),
    /// Writes each message as an `.eml` file (development and demos).
    File(AsyncFileTransport<Tokio1Executor>, PathBuf),
}

#[derive(Debug, Clone)]
pub struct OutgoingEmail {
    /// The outbox row's id: the Message-ID is made from it, so every attempt carries the same one.
    pub id: String,
    pub to_address: String,
    pub to_name: Option<String>,
    pub subject: String,
    pub body_text: String,
    pub body_html: Option<String>,
    /// Files sent with it (a decision notice's PDF): the message becomes `multipart/mixed`.
    pub attachments: Vec<MailAttachment>,
}

/// A file attached to a message.
#[derive(Debug, Clone)]
pub struct MailAttachment {
    pub filename: String,
    pub media_type: String,
    pub content: Vec<u8>,
}

/// Why a message was not sent, in words an administrator can act on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SendError {
    pub reason: String,
    /// Trying again cannot help (a bad address, a message that cannot be built, a recipient the
    /// server refuses for good): the message fails at once instead of being retried.
    pub permanent: bool,
}

impl SendError {
    fn permanent(reason: impl Into<String>) -> Self {
        Self { reason: reason.into(), permanent: true }
    }

    fn transient(reason: impl Into<String>) -> Self {
        Self { reason: reason.into(), permanent: false }
    }
}

impl std::fmt::Display for SendError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.reason)
    }
}

/// A header value on one line: control characters (CR, LF, tab, NUL...) and Unicode line and
/// paragraph separators become spaces, runs of spaces one, ends trimmed.
pub fn one_line(s: &str) -> String {
    s.split(|c: char| c.is_control() || c == '\u{2028}' || c == '\u{2029}' || c.is_whitespace())
        .filter(|w| !w.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

/// The Message-ID of an outbox row: `<{id}@{domain of the sender}>`, the same on every attempt,
/// so that a message sent again after a crash is recognisably the same message.
pub fn message_id(outbox_id: &str, from: &Mailbox) -> String {
    format!("<{}@{}>", one_line(outbox_id).replace(['<', '>', '@', ' '], ""), from.email.domain())
}

/// Builds the message. Never panics: a panic inside lettre is caught and reported as a permanent
/// error for this message.
pub fn build(from: &str, email: &OutgoingEmail) -> Result<Message, SendError> {
    caught(|| build_inner(from, email))
}

/// Runs `f`, turning a panic into a permanent [`SendError`] that names it.
fn caught<T>(f: impl FnOnce() -> Result<T, SendError>) -> Result<T, SendError> {
    std::panic::catch_unwind(AssertUnwindSafe(f)).unwrap_or_else(|panic| {
        Err(SendError::permanent(format!("The message could not be built ({})", panic_text(&*panic))))
    })
}

fn panic_text(panic: &(dyn std::any::Any + Send)) -> String {
    let text = panic.downcast_ref::<&str>().map(|s| s.to_string()).or_else(|| panic.downcast_ref::<String>().cloned());
    one_line(&text.unwrap_or_else(|| "an internal fault".into()))
}

/// Awaits `attempt`, turning a panic into a permanent [`SendError`].
async fn caught_async(attempt: impl std::future::Future<Output = Result<(), SendError>>) -> Result<(), SendError> {
    AssertUnwindSafe(attempt).catch_unwind().await.unwrap_or_else(|panic| {
        Err(SendError::permanent(format!("Sending the message failed unexpectedly ({})", panic_text(&*panic))))
    })
}

fn build_inner(from: &str, email: &OutgoingEmail) -> Result<Message, SendError> {
    // A sender that does not parse is a configuration fault: it may be fixed, so retry.
    let from: Mailbox =
        from.parse().map_err(|e| SendError::transient(format!("The sender address (MAIL_FROM) is not valid: {e}")))?;
    let address = email.to_address.trim().parse().map_err(|e| {
        SendError::permanent(format!("The email address {:?} is not valid: {e}", one_line(&email.to_address)))
    })?;
    let name = email.to_name.as_deref().map(one_line).filter(|n| !n.is_empty());
    let to = Mailbox::new(name, address);
    let builder = Message::builder()
        .message_id(Some(message_id(&email.id, &from)))
        .from(from)
        .to(to)
        .subject(one_line(&email.subject));
    let body = email.body_html.as_ref().map(|html| {
        MultiPart::alternative()
            .singlepart(SinglePart::builder().header(ContentType::TEXT_PLAIN).body(email.body_text.clone()))
            .singlepart(SinglePart::builder().header(ContentType::TEXT_HTML).body(html.clone()))
    });
    let built = if email.attachments.is_empty() {
        match body {
            Some(alternative) => builder.multipart(alternative),
            None => builder.header(ContentType::TEXT_PLAIN).body(email.body_text.clone()),
        }
    } else {
        let mut mixed = match body {
            Some(alternative) => MultiPart::mixed().multipart(alternative),
            None => MultiPart::mixed()
                .singlepart(SinglePart::builder().header(ContentType::TEXT_PLAIN).body(email.body_text.clone())),
        };
        for a in &email.attachments {
            let media_type = ContentType::parse(&a.media_type)
                .map_err(|e| SendError::permanent(format!("The attachment's type is not valid: {e}")))?;
            mixed = mixed.singlepart(Attachment::new(one_line(&a.filename)).body(a.content.clone(), media_type));
        }
        builder.multipart(mixed)
    };
    built.map_err(|e| SendError::permanent(format!("The message could not be built: {e}")))
}

/// SMTP replies that mean the server will never take this message: 5xx, except those about
/// signing in or TLS (530, 534, 535, 538), which are the configuration's fault and worth retrying
/// once it is fixed.
fn smtp_error(e: lettre::transport::smtp::Error) -> SendError {
    let code = e.status().map(|c| c.to_string());
    let auth = matches!(code.as_deref(), Some("530" | "534" | "535" | "538"));
    if e.is_permanent() && !auth {
        SendError::permanent(format!("The mail server refused the message: {e}"))
    } else if e.is_permanent() || e.is_transient() {
        SendError::transient(format!("The mail server did not accept the message yet: {e}"))
    } else {
        SendError::transient(format!("The mail server could not be reached: {e}"))
    }
}

impl Mailer {
    pub fn from_config(config: &Config) -> Result<Self, String> {
        match &config.smtp_url {
            Some(url) => AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
                .map(|b| Mailer::Smtp(b.build()))
                .map_err(|e| format!("SMTP_URL could not be used: {e}")),
            None => {
                let dir = config.data_dir.join("mail");
                std::fs::create_dir_all(&dir).map_err(|e| format!("could not create {}: {e}", dir.display()))?;
                Ok(Mailer::File(AsyncFileTransport::new(&dir), dir))
            }
        }
    }

    pub fn describe(&self) -> String {
        match self {
            Mailer::Smtp(_) => "SMTP".into(),
            Mailer::File(_, dir) => format!("files in {}", dir.display()),
        }
    }

    /// Builds and sends one message. A panic anywhere in building or sending is caught and
    /// reported as a permanent error for this message, so the caller goes on with the next.
    pub async fn send(&self, from: &str, email: &OutgoingEmail) -> Result<(), SendError> {
        let attempt = async {
            let message = build(from, email)?;
            match self {
                Mailer::Smtp(t) => t.send(message).await.map(|_| ()).map_err(smtp_error),
                Mailer::File(t, _) => t
                    .send(message)
                    .await
                    .map(|_| ())
                    .map_err(|e| SendError::transient(format!("The mail file could not be written: {e}"))),
            }
        };
        caught_async(attempt).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn email(name: &str, subject: &str) -> OutgoingEmail {
        OutgoingEmail {
            id: "0b9f6c1e-1111-4222-8333-444455556666".into(),
            to_address: "jo@example.com".into(),
            to_name: Some(name.into()),
            subject: subject.into(),
            body_text: "Line one\r\nLine two\n".into(),
            body_html: None,
            attachments: Vec::new(),
        }
    }

    #[test]
    fn one_line_replaces_control_characters_and_line_separators() {
        assert_eq!(one_line(" Jo\r\nBcc: x@evil.example\t\u{0}Public\u{2028}! "), "Jo Bcc: x@evil.example Public !");
        assert_eq!(one_line("Plain name"), "Plain name");
    }

    #[test]
    fn names_and_subjects_with_line_breaks_build_a_message_with_single_line_headers() {
        let m = build("Standards <standards@council.example>", &email("Jo\r\nBcc: x@evil.example", "Hi\r\nthere"))
            .expect("builds");
        let text = String::from_utf8(m.formatted()).unwrap();
        let headers = text.split("\r\n\r\n").next().unwrap();
        assert!(!headers.lines().any(|l| l.starts_with("Bcc:")), "{headers}");
        assert!(headers.contains("Subject: Hi there"), "{headers}");
        assert!(headers.contains("Message-ID: <0b9f6c1e-1111-4222-8333-444455556666@council.example>"), "{headers}");
        assert!(text.contains("Line one\r\nLine two"), "the body keeps its line breaks: {text}");
    }

    #[test]
    fn a_panic_while_building_or_sending_becomes_a_permanent_error_for_that_message() {
        let built: Result<(), SendError> = caught(|| panic!("header value had a line break"));
        let e = built.unwrap_err();
        assert!(e.permanent);
        assert_eq!(e.reason, "The message could not be built (header value had a line break)");
        let sent = futures_util::FutureExt::now_or_never(caught_async(async { panic!("transport {}", 42) }));
        let e = sent.expect("ready").unwrap_err();
        assert!(e.permanent && e.reason.contains("transport 42"), "{e:?}");
    }

    #[test]
    fn a_message_with_html_goes_as_plain_text_and_html_alternatives() {
        let mut e = email("Jo", "Hi");
        e.body_html = Some("<p>Line one</p>".into());
        let text = String::from_utf8(build("standards@council.example", &e).expect("builds").formatted()).unwrap();
        assert!(text.contains("Content-Type: multipart/alternative"), "{text}");
        let plain = text.find("Content-Type: text/plain").expect("plain part");
        let html = text.find("Content-Type: text/html").expect("html part");
        assert!(plain < html, "the plain text comes first, the richer part last: {text}");
        assert!(text.contains("<p>Line one</p>"), "{text}");
    }

    #[test]
    fn a_bad_address_is_a_permanent_error_and_a_bad_sender_is_not() {
        let mut e = email("Jo", "Hi");
        e.to_address = "jo@\r\nexample.com".into();
        assert!(build("standards@council.example", &e).unwrap_err().permanent);
        assert!(!build("not an address", &email("Jo", "Hi")).unwrap_err().permanent);
    }
}
