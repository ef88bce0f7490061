//! `server verify-draw FILE`: anyone holding a draw's export can check it, with the binary a
//! city runs and nothing else (no settings, no database).

use std::process::Command;

const SECRET: &str = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff";

fn record() -> draw::Record {
    let unit = |refs: &[&str]| draw::Unit::new(refs.iter().map(|r| (*r).to_owned()));
    let tiers = vec![
        draw::Tier {
            name: "户籍+房产".into(),
            units: vec![unit(&["JN-0001"]), unit(&["JN-0002", "JN-0003"])],
        },
        draw::Tier {
            name: "户籍".into(),
            units: (10..30).map(|n| unit(&[&format!("JN-00{n}")])).collect(),
        },
    ];
    draw::run(8, tiers, SECRET, "40517").expect("draw")
}

/// A file of its own for one test, removed when dropped.
struct Scratch(std::path::PathBuf);

impl Scratch {
    fn new(content: &[u8]) -> Self {
        let path =
            std::env::temp_dir().join(format!("ruxue-draw-{}.json", uuid::Uuid::new_v4().simple()));
        std::fs::write(&path, content).expect("written");
        Self(path)
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

fn verify_draw(record: &draw::Record) -> (bool, String, String) {
    let file = Scratch::new(&serde_json::to_vec(record).expect("json"));
    let path = &file.0;
    let output = Command::new(env!("CARGO_BIN_EXE_server"))
        .arg("verify-draw")
        .arg(path)
        .env_clear()
        .output()
        .expect("server runs");
    (
        output.status.success(),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

#[test]
fn an_exported_draw_checks_with_the_server_binary_alone() {
    let record = record();
    let (ok, out, err) = verify_draw(&record);
    assert!(ok, "{err}");
    assert!(out.starts_with("the draw checks (ruxue-draw-1)"), "{out}");
    assert!(out.contains(&record.seed), "{out}");
    assert!(out.contains("drawn in tier 2 of 2"), "{out}");
    assert!(out.contains("admitted:    8"), "{out}");
    assert!(out.contains("waiting:     15"), "{out}");
}

#[test]
fn a_draw_whose_results_were_changed_after_it_ran_does_not_check() {
    let mut moved = record();
    let last_admitted = moved.allocation.admitted.pop().expect("admitted");
    let first_waiting = moved.allocation.waiting.remove(0);
    moved.allocation.admitted.push(first_waiting);
    moved.allocation.waiting.insert(0, last_admitted);
    let (ok, out, err) = verify_draw(&moved);
    assert!(!ok, "{out}");
    assert!(
        err.contains(
            "does NOT check: the list of admitted registrations is not what the inputs give"
        ),
        "{err}"
    );

    let mut late_entry = record();
    late_entry.tiers[1]
        .units
        .push(draw::Unit::new(["JN-0099".to_owned()]));
    let (ok, _, err) = verify_draw(&late_entry);
    assert!(!ok);
    assert!(err.contains("list fingerprint"), "{err}");
}

#[test]
fn a_file_that_is_not_a_draw_is_named_as_such() {
    let file = Scratch::new(b"{\"places\": 3}");
    let output = Command::new(env!("CARGO_BIN_EXE_server"))
        .arg("verify-draw")
        .arg(&file.0)
        .output()
        .expect("server runs");
    assert_eq!(output.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&output.stderr).contains("is not a draw record"),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let missing = Command::new(env!("CARGO_BIN_EXE_server"))
        .arg("verify-draw")
        .output()
        .expect("server runs");
    assert_eq!(missing.status.code(), Some(2));
}
