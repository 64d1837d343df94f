//! A small real SMTP server on loopback, for tests that send mail through lettre's SMTP transport.

use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::sync::{Arc, Mutex};

#[derive(Debug, Clone)]
pub struct Delivered {
    pub from: String,
    pub to: Vec<String>,
    pub data: String,
}

pub struct SmtpServer {
    pub port: u16,
    pub messages: Arc<Mutex<Vec<Delivered>>>,
}

impl SmtpServer {
    /// Starts a server that accepts every message (it runs until the test process ends).
    pub fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind loopback");
        let port = listener.local_addr().unwrap().port();
        let messages = Arc::new(Mutex::new(Vec::new()));
        let store = messages.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(stream) = stream else { continue };
                let store = store.clone();
                std::thread::spawn(move || {
                    let mut writer = stream.try_clone().expect("clone stream");
                    let mut reader = BufReader::new(stream);
                    let _ = writer.write_all(b"220 test.local ESMTP ready\r\n");
                    let (mut from, mut to) = (String::new(), Vec::new());
                    let mut line = String::new();
                    loop {
                        line.clear();
                        if reader.read_line(&mut line).unwrap_or(0) == 0 {
                            return;
                        }
                        let cmd = line.trim_end().to_string();
                        let upper = cmd.to_ascii_uppercase();
                        let reply: &[u8] = if upper.starts_with("EHLO") || upper.starts_with("HELO") {
                            b"250-test.local\r\n250 8BITMIME\r\n"
                        } else if upper.starts_with("MAIL FROM:") {
                            from = cmd[10..].trim().trim_matches(['<', '>']).to_string();
                            to.clear();
                            b"250 OK\r\n"
                        } else if upper.starts_with("RCPT TO:") {
                            to.push(cmd[8..].trim().trim_matches(['<', '>']).to_string());
                            b"250 OK\r\n"
                        } else if upper == "DATA" {
                            let _ = writer.write_all(b"354 End data with <CR><LF>.<CR><LF>\r\n");
                            let mut data = String::new();
                            loop {
                                line.clear();
                                if reader.read_line(&mut line).unwrap_or(0) == 0 {
                                    return;
                                }
                                if line == ".\r\n" || line == ".\n" {
                                    break;
                                }
                                data.push_str(
                                    line.strip_prefix('.').filter(|_| line.starts_with("..")).unwrap_or(&line),
                                );
                            }
                            store.lock().unwrap().push(Delivered { from: from.clone(), to: to.clone(), data });
                            b"250 OK queued\r\n"
                        } else if upper == "QUIT" {
                            let _ = writer.write_all(b"221 Bye\r\n");
                            return;
                        } else {
                            b"250 OK\r\n"
                        };
                        if writer.write_all(reply).is_err() {
                            return;
                        }
                    }
                });
            }
        });
        SmtpServer { port, messages }
    }

    pub fn url(&self) -> String {
        format!("smtp://127.0.0.1:{}", self.port)
    }

    pub fn delivered(&self) -> Vec<Delivered> {
        self.messages.lock().unwrap().clone()
    }
}
