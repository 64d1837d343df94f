//! Outgoing mail through lettre: SMTP in production (`SMTP_URL`), files under `DATA_DIR/mail`
//! in development. Messages are queued in the `outbox` table by the change that causes them and
//! sent by a background worker (see `services::outbox`).

use crate::config::Config;
use lettre::message::{header::ContentType, Mailbox, MultiPart, SinglePart};
use lettre::{AsyncFileTransport, AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use std::path::PathBuf;

#[derive(Clone)]
pub enum Mailer {
    Smtp(AsyncSmtpTransport<Tokio1Executor>),
    /// Writes each message as an `.eml` file (development and demos).
    File(AsyncFileTransport<Tokio1Executor>, PathBuf),
}

#[derive(Debug, Clone)]
pub struct OutgoingEmail {
    pub to_address: String,
    pub to_name: Option<String>,
    pub subject: String,
    pub body_text: String,
    pub body_html: Option<String>,
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

    pub async fn send(&self, from: &str, email: &OutgoingEmail) -> Result<(), String> {
        let from: Mailbox = from.parse().map_err(|e| format!("MAIL_FROM: {e}"))?;
        let to = Mailbox::new(
            email.to_name.clone(),
            email.to_address.parse().map_err(|e| format!("recipient {}: {e}", email.to_address))?,
        );
        let builder = Message::builder().from(from).to(to).subject(email.subject.clone());
        let message = match &email.body_html {
            Some(html) => builder.multipart(
                MultiPart::alternative()
                    .singlepart(SinglePart::builder().header(ContentType::TEXT_PLAIN).body(email.body_text.clone()))
                    .singlepart(SinglePart::builder().header(ContentType::TEXT_HTML).body(html.clone())),
            ),
            None => builder.header(ContentType::TEXT_PLAIN).body(email.body_text.clone()),
        }
        .map_err(|e| format!("could not build the message: {e}"))?;
        match self {
            Mailer::Smtp(t) => t.send(message).await.map(|_| ()).map_err(|e| e.to_string()),
            Mailer::File(t, _) => t.send(message).await.map(|_| ()).map_err(|e| e.to_string()),
        }
    }
}
