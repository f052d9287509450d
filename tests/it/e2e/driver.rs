//! A small blocking WebDriver client and the `tauri-driver` process it talks to.
//!
//! Only the W3C commands these tests use (new session, find, click, keys, attribute, execute,
//! screenshot, windows). WebDriver is plain HTTP on loopback, so `reqwest::blocking` suffices
//! and nothing links OpenSSL.

use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use base64::Engine;
use serde_json::{json, Value};

/// The W3C key under which an element reference travels.
const ELEMENT_KEY: &str = "element-6066-11e4-a52e-4f735466cecf";

/// A running `tauri-driver`; dropping it ends it (and the WebKitWebDriver it started).
pub struct TauriDriver {
    child: Child,
    port: u16,
    log: PathBuf,
}

impl TauriDriver {
    /// Starts `tauri-driver` on free loopback ports with `env` set for the app it will launch.
    pub fn start(env: &[(&str, String)], log: &Path) -> TauriDriver {
        let (port, native) = (free_port(), free_port());
        let log_path = log.to_owned();
        let log = std::fs::File::create(log).expect("driver log file");
        let mut command = Command::new(tauri_driver_path());
        command
            .args(["--port", &port.to_string(), "--native-port", &native.to_string()])
            .stdin(Stdio::null())
            .stdout(log.try_clone().expect("log handle"))
            .stderr(log);
        // The app must run on the embedded sandbox: no key may leak in from the outside.
        for name in [
            "RECUR_SECRET_KEY",
            "RECUR_WEBHOOK_SECRET",
            "RECUR_API_BASE",
            "RECUR_POS_SUCCESS_URL",
            "RECUR_POS_CANCEL_URL",
        ] {
            command.env_remove(name);
        }
        command.envs(env.iter().map(|(k, v)| (*k, v.as_str())));
        let child = command
            .spawn()
            .expect("tauri-driver starts (run scripts/setup.sh and put its tools/bin on PATH)");
        let driver = TauriDriver {
            child,
            port,
            log: log_path,
        };
        let deadline = Instant::now() + Duration::from_secs(20);
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                Instant::now() < deadline,
                "tauri-driver did not listen on {port} within 20 s"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        driver
    }

    /// A session on a new instance of the app at `application`.
    pub fn session(&self, application: &str) -> Session {
        let http = reqwest::blocking::Client::builder()
            .timeout(Duration::from_secs(60))
            .build()
            .expect("http client");
        let base = format!("http://127.0.0.1:{}", self.port);
        let capabilities = json!({"capabilities": {"alwaysMatch": {
            "browserName": "wry",
            "tauri:options": {"application": application}
        }}});
        // On a loaded machine WebKitWebDriver now and then drops the very first request while
        // the app is still starting; a new session is safe to ask for again.
        let mut failures = Vec::new();
        let id = loop {
            let answer = http
                .post(format!("{base}/session"))
                .json(&capabilities)
                .send()
                .and_then(|r| r.json::<Value>());
            match answer {
                Ok(answer) if answer["value"]["sessionId"].is_string() => {
                    break answer["value"]["sessionId"].as_str().unwrap_or_default().to_owned();
                }
                Ok(answer) => failures.push(format!("no session id in {answer}")),
                Err(e) => failures.push(format!("{e:?}")),
            }
            if failures.len() >= 3 {
                let log = std::fs::read_to_string(&self.log).unwrap_or_default();
                panic!("new WebDriver session failed 3 times: {failures:#?}\ntauri-driver log:\n{log}");
            }
            std::thread::sleep(Duration::from_secs(1));
        };
        Session {
            http,
            base: format!("{base}/session/{id}"),
        }
    }
}

impl Drop for TauriDriver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

/// `tauri-driver` from PATH, else where scripts/setup.sh installs it.
fn tauri_driver_path() -> PathBuf {
    let on_path = std::env::var_os("PATH")
        .map(|p| {
            std::env::split_paths(&p)
                .map(|d| d.join("tauri-driver"))
                .find(|f| f.is_file())
        })
        .unwrap_or_default();
    let tools = std::env::var_os("RECUR_POS_TOOLS")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("XDG_CACHE_HOME").map(|c| PathBuf::from(c).join("recur-pos/tools")))
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache/recur-pos/tools")))
        .map(|t| t.join("bin/tauri-driver"));
    on_path
        .or(tools.filter(|t| t.is_file()))
        .unwrap_or_else(|| PathBuf::from("tauri-driver"))
}

/// An element reference.
#[derive(Clone, Debug)]
pub struct Element(String);

/// One WebDriver session (one app instance).
pub struct Session {
    http: reqwest::blocking::Client,
    base: String,
}

impl Session {
    fn call(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> Result<Value, String> {
        let mut request = self.http.request(method, format!("{}{path}", self.base));
        if let Some(body) = body {
            request = request.json(&body);
        }
        let answer: Value = request.send().and_then(|r| r.json()).map_err(|e| e.to_string())?;
        match answer["value"].get("error") {
            Some(error) => Err(format!("{error}: {}", answer["value"]["message"])),
            None => Ok(answer["value"].clone()),
        }
    }

    fn post(&self, path: &str, body: Value) -> Result<Value, String> {
        self.call(reqwest::Method::POST, path, Some(body))
    }

    fn get(&self, path: &str) -> Result<Value, String> {
        self.call(reqwest::Method::GET, path, None)
    }

    pub fn find(&self, css: &str) -> Result<Element, String> {
        let found = self.post("/element", json!({"using": "css selector", "value": css}))?;
        found[ELEMENT_KEY]
            .as_str()
            .map(|id| Element(id.to_owned()))
            .ok_or_else(|| format!("no element id in {found}"))
    }

    pub fn click(&self, element: &Element) -> Result<(), String> {
        self.post(&format!("/element/{}/click", element.0), json!({}))
            .map(|_| ())
    }

    /// Types `text` into the element (WebDriver key codes allowed, e.g. `\u{E007}` for Enter).
    pub fn send_keys(&self, element: &Element, text: &str) -> Result<(), String> {
        self.post(&format!("/element/{}/value", element.0), json!({"text": text}))
            .map(|_| ())
    }

    /// Runs `script` (a function body; `arguments` holds `args`) and returns its value.
    pub fn execute(&self, script: &str, args: Vec<Value>) -> Result<Value, String> {
        self.post("/execute/sync", json!({"script": script, "args": args}))
    }

    /// Like [`Self::execute`], for scripts that return a promise (`arguments[last]` is the
    /// callback to call with the result).
    pub fn execute_async(&self, script: &str, args: Vec<Value>) -> Result<Value, String> {
        self.post("/execute/async", json!({"script": script, "args": args}))
    }

    /// The current window's contents as PNG bytes.
    pub fn screenshot(&self) -> Result<Vec<u8>, String> {
        let data = self.get("/screenshot")?;
        base64::engine::general_purpose::STANDARD
            .decode(data.as_str().unwrap_or_default())
            .map_err(|e| e.to_string())
    }

    pub fn window_handles(&self) -> Result<Vec<String>, String> {
        let handles = self.get("/window/handles")?;
        Ok(handles
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|h| h.as_str().map(str::to_owned))
            .collect())
    }

    pub fn window_handle(&self) -> Result<String, String> {
        Ok(self.get("/window")?.as_str().unwrap_or_default().to_owned())
    }

    pub fn switch_to_window(&self, handle: &str) -> Result<(), String> {
        self.post("/window", json!({"handle": handle})).map(|_| ())
    }

    /// Ends the session, which closes the app.
    pub fn close(&self) {
        let _ = self.call(reqwest::Method::DELETE, "", None);
    }
}
