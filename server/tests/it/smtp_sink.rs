//! A real SMTP server on loopback that keeps what it receives: enough of RFC 5321 for
//! lettre (EHLO, MAIL, RCPT, DATA, RSET, NOOP, QUIT), no relaying.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;

/// One received message: its envelope recipients and its data (headers and body).
#[derive(Clone, Debug)]
pub struct Received {
    pub to: Vec<String>,
    pub data: String,
}

#[derive(Clone)]
pub struct SmtpSink {
    pub url: String,
    messages: Arc<Mutex<Vec<Received>>>,
}

impl SmtpSink {
    pub async fn start() -> SmtpSink {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("smtp://{}", listener.local_addr().unwrap());
        let messages = Arc::new(Mutex::new(Vec::new()));
        let store = messages.clone();
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let store = store.clone();
                tokio::spawn(async move {
                    let (read, mut write) = stream.into_split();
                    let mut lines = BufReader::new(read).lines();
                    let _ = write.write_all(b"220 sink ESMTP\r\n").await;
                    let mut to = Vec::new();
                    while let Ok(Some(line)) = lines.next_line().await {
                        let verb = line.get(..4).unwrap_or_default().to_ascii_uppercase();
                        let reply: &[u8] = match verb.as_str() {
                            "EHLO" | "HELO" => b"250 sink\r\n",
                            "MAIL" | "NOOP" => b"250 OK\r\n",
                            "RSET" => {
                                to.clear();
                                b"250 OK\r\n"
                            }
                            "RCPT" => {
                                to.push(line[8..].trim_matches(|c| c == '<' || c == '>' || c == ' ').to_string());
                                b"250 OK\r\n"
                            }
                            "DATA" => {
                                let _ = write.write_all(b"354 go on\r\n").await;
                                let mut data = String::new();
                                while let Ok(Some(l)) = lines.next_line().await {
                                    if l == "." {
                                        break;
                                    }
                                    data.push_str(l.strip_prefix('.').unwrap_or(&l));
                                    data.push('\n');
                                }
                                store.lock().unwrap().push(Received { to: std::mem::take(&mut to), data });
                                b"250 queued\r\n"
                            }
                            "QUIT" => {
                                let _ = write.write_all(b"221 bye\r\n").await;
                                break;
                            }
                            _ => b"502 not here\r\n",
                        };
                        if write.write_all(reply).await.is_err() {
                            break;
                        }
                    }
                });
            }
        });
        SmtpSink { url, messages }
    }

    /// Waits (up to 15 s) for a message to `to` whose data contains `needle`.
    pub async fn wait_for(&self, to: &str, needle: &str) -> Received {
        for _ in 0..150 {
            if let Some(found) = self
                .messages
                .lock()
                .unwrap()
                .iter()
                .find(|m| m.to.iter().any(|t| t.eq_ignore_ascii_case(to)) && m.data.contains(needle))
            {
                return found.clone();
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("no email to {to} containing {needle:?}; got {:?}", self.messages.lock().unwrap());
    }

    pub fn all(&self) -> Vec<Received> {
        self.messages.lock().unwrap().clone()
    }

    pub fn count(&self) -> usize {
        self.messages.lock().unwrap().len()
    }
}

/// The token of the first link to `page` in an email.
pub fn link_token(data: &str, page: &str) -> String {
    let marker = format!("/{page}#token=");
    let start = data.find(&marker).unwrap_or_else(|| panic!("no {page} link in {data}")) + marker.len();
    data[start..].chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_').collect()
}
