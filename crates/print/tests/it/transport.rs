use std::time::{Duration, Instant};

use recur_print::fake::{decode, Behaviour, FakePrinter};
use recur_print::transport::{send, status};
use recur_print::{PrintError, PrinterUri};

#[test]
fn printer_addresses_parse() {
    let ok = [
        ("tcp://192.168.1.50:9100", "tcp://192.168.1.50:9100"),
        ("tcp://printer.local", "tcp://printer.local:9100"),
        ("tcp://[::1]:9101", "tcp://[::1]:9101"),
        ("usb://04b8:0202", "usb://04b8:0202"),
        ("serial:///dev/ttyUSB0", "serial:///dev/ttyUSB0"),
        ("serial:///dev/ttyS1?baud=19200", "serial:///dev/ttyS1?baud=19200"),
    ];
    for (text, shown) in ok {
        assert_eq!(PrinterUri::parse(text).unwrap().to_string(), shown, "{text}");
    }
    for bad in [
        "",
        "9100",
        "http://x",
        "tcp://",
        "tcp://h:0",
        "tcp://h:99999",
        "usb://zz:1",
        "serial://tty",
        "lp0",
    ] {
        assert!(matches!(PrinterUri::parse(bad), Err(PrintError::BadUri(_))), "{bad:?}");
    }
}

#[test]
fn a_job_is_sent_and_the_status_behind_it_read() {
    let fake = FakePrinter::start().unwrap();
    let uri = PrinterUri::parse(&fake.uri()).unwrap();
    let got = send(&uri, b"\x1b@hello\n", Duration::from_secs(3)).unwrap();
    assert!(got.answered && !got.offline && !got.paper_out);
    let jobs = fake.wait_for(1, Duration::from_secs(3));
    assert_eq!(jobs.len(), 1);
    assert_eq!(decode(&jobs[0]).text(), "hello\n");
    // A status query alone is not a job.
    assert!(status(&uri, Duration::from_secs(3)).unwrap().answered);
    assert_eq!(fake.wait_for(2, Duration::from_millis(300)).len(), 1);
}

#[test]
fn paper_out_is_an_error_saying_so() {
    let fake = FakePrinter::start().unwrap();
    fake.set(Behaviour::PaperOut);
    let uri = PrinterUri::parse(&fake.uri()).unwrap();
    let err = send(&uri, b"\x1b@x\n", Duration::from_secs(3)).unwrap_err();
    assert!(matches!(err, PrintError::PaperOut { .. }), "{err:?}");
    assert!(err.to_string().contains("out of paper"));
    assert!(status(&uri, Duration::from_secs(3)).unwrap().paper_out);
}

#[test]
fn a_printer_that_accepts_and_never_reads_times_out() {
    let fake = FakePrinter::start().unwrap();
    fake.set(Behaviour::Silent);
    let uri = PrinterUri::parse(&fake.uri()).unwrap();
    // Bigger than the socket buffers, so the write itself blocks; and a small one, which the
    // buffers take whole: both wait for an answer that never comes.
    for size in [8 * 1024 * 1024, 64] {
        let started = Instant::now();
        let err = send(&uri, &vec![0u8; size], Duration::from_millis(800)).unwrap_err();
        let took = started.elapsed();
        assert!(matches!(err, PrintError::NoAnswer { .. }), "{size}: {err:?}");
        assert!(
            took >= Duration::from_millis(700) && took < Duration::from_secs(3),
            "{size}: {took:?}"
        );
        assert!(err.to_string().contains("did not answer"));
    }
}

#[test]
fn a_refused_connection_fails_at_once() {
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let uri = PrinterUri::parse(&format!("tcp://127.0.0.1:{port}")).unwrap();
    let started = Instant::now();
    let err = send(&uri, b"x", Duration::from_secs(3)).unwrap_err();
    assert!(matches!(err, PrintError::Unreachable { .. }), "{err:?}");
    assert!(started.elapsed() < Duration::from_secs(1));
    assert!(err.to_string().contains("cannot be reached"));
}

#[test]
fn a_serial_printer_takes_the_job_through_the_escpos_driver_and_answers() {
    use std::io::{Read, Write};

    // A pseudo-terminal pair stands in for the cable: our side opens the slave's path as
    // `serial:///dev/pts/N`; the "printer" reads the master and answers the status requests.
    let (mut master, slave) = serialport::TTYPort::pair().expect("a pty pair");
    let path = serialport::SerialPort::name(&slave).expect("the pty's path");
    let printer = std::thread::spawn(move || {
        let mut got = Vec::new();
        let mut chunk = [0u8; 4096];
        let deadline = Instant::now() + Duration::from_secs(5);
        while Instant::now() < deadline && !got.ends_with(b"\x10\x04\x01\x10\x04\x04") {
            if let Ok(n) = master.read(&mut chunk) {
                got.extend_from_slice(&chunk[..n]);
            }
        }
        master.write_all(&[0x12, 0x12]).unwrap();
        std::thread::sleep(Duration::from_millis(300));
        got
    });
    let uri = PrinterUri::parse(&format!("serial://{path}?baud=19200")).unwrap();
    let job = recur_print::escpos::drawer_job();
    let status = send(&uri, &job, Duration::from_secs(3)).unwrap();
    assert!(status.answered && !status.paper_out);
    let got = printer.join().unwrap();
    assert!(got.starts_with(&job), "the printer got the job first: {got:?}");
    drop(slave);
}
