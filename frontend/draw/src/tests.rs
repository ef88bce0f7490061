//! The expected values below were computed by an independent implementation of
//! `docs/lottery.md` (`docs/lottery.py`, Python's standard library only, its ChaCha20 written
//! from RFC 8439): the Rust code and the published description give the same draw.

use super::*;

const SECRET: &str = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff";

fn unit(references: &[&str]) -> Unit {
    Unit::new(references.iter().map(|r| (*r).to_owned()))
}

fn tiers() -> Vec<Tier> {
    vec![
        Tier {
            name: "户籍+房产".into(),
            name_en: String::new(),
            units: vec![unit(&["QD-0002"]), unit(&["QD-0001"])],
        },
        Tier {
            name: "户籍".into(),
            name_en: String::new(),
            units: vec![
                unit(&["QD-0010"]),
                unit(&["QD-0012", "QD-0011"]),
                unit(&["QD-0013"]),
                unit(&["QD-0014"]),
                unit(&["QD-0015"]),
                unit(&["QD-0016"]),
            ],
        },
        Tier {
            name: "其他".into(),
            name_en: String::new(),
            units: vec![unit(&["QD-0020"]), unit(&["QD-0021"])],
        },
    ]
}

fn refs(list: &[&str]) -> Vec<String> {
    list.iter().map(|r| (*r).to_owned()).collect()
}

#[test]
fn the_numbers_are_chacha20_as_rfc_8439_publishes_it() {
    // RFC 8439's all-zero key, zero nonce, block 0: 76 b8 e0 ad a0 f1 3d 90 40 5d 6a e5 …
    let mut numbers = Numbers::new([0; 32]);
    assert_eq!(numbers.number(), 0x903d_f1a0_ade0_b876);
    assert_eq!(numbers.number(), 0x28bd_8653_e56a_5d40);
}

#[test]
fn the_list_is_written_one_way_whatever_order_it_was_given_in() {
    assert_eq!(
        canonical_list(5, &tiers()),
        "ruxue-draw-1\nplaces 5\ntier 1\nQD-0001\nQD-0002\ntier 2\nQD-0010\nQD-0011+QD-0012\nQD-0013\nQD-0014\nQD-0015\nQD-0016\ntier 3\nQD-0020\nQD-0021\n"
    );
    let mut shuffled = tiers();
    shuffled[1].units.reverse();
    assert_eq!(fingerprint(5, &shuffled), fingerprint(5, &tiers()));
    assert_eq!(
        fingerprint(5, &tiers()),
        "ee48af533e2769918e70900237965286e6f5836d020c9696619186226701c0ab"
    );
}

#[test]
fn any_change_to_the_list_or_the_places_changes_the_fingerprint() {
    let base = fingerprint(5, &tiers());
    assert_ne!(fingerprint(6, &tiers()), base);
    let mut moved = tiers();
    let unit = moved[2].units.remove(0);
    moved[1].units.push(unit);
    assert_ne!(fingerprint(5, &moved), base, "a unit moved to another tier");
    let mut split = tiers();
    split[1].units.remove(1);
    split[1].units.push(self::unit(&["QD-0011"]));
    split[1].units.push(self::unit(&["QD-0012"]));
    assert_ne!(fingerprint(5, &split), base, "twins split into two units");
}

#[test]
fn a_draw_gives_what_the_independent_implementation_gives() {
    let record = run(5, tiers(), SECRET, " 73520 ").expect("draw");
    assert_eq!(
        record.commitment,
        "4773d12e2371bb935b9a0f5439b4a1c3ad3f2414b86980f8418d1cfabdfadfef"
    );
    assert_eq!(
        record.seed,
        "3da55934a11be2b13abf68bf089ba2a5f39baa5d70a56aeffdb0614d2e2ec6ea"
    );
    assert_eq!(record.public_value, "73520");
    assert_eq!(record.allocation.drawn_tier, Some(2));
    assert_eq!(
        record.allocation.order,
        vec![
            unit(&["QD-0015"]),
            unit(&["QD-0011", "QD-0012"]),
            unit(&["QD-0013"]),
            unit(&["QD-0010"]),
            unit(&["QD-0016"]),
            unit(&["QD-0014"]),
            unit(&["QD-0020"]),
            unit(&["QD-0021"]),
        ]
    );
    assert_eq!(
        record.allocation.admitted,
        refs(&["QD-0001", "QD-0002", "QD-0015", "QD-0011", "QD-0012"])
    );
    assert_eq!(
        record.allocation.waiting,
        refs(&[
            "QD-0013", "QD-0010", "QD-0016", "QD-0014", "QD-0020", "QD-0021"
        ])
    );
    verify(&record).expect("the record checks");
}

#[test]
fn twins_are_admitted_together_or_wait_together() {
    // With the public value "2" the twins come fourth in their tier, when no place is left.
    let record = run(5, tiers(), SECRET, "2").expect("draw");
    assert_eq!(
        record.allocation.admitted,
        refs(&["QD-0001", "QD-0002", "QD-0010", "QD-0015", "QD-0013"])
    );
    assert_eq!(
        &record.allocation.waiting[..2],
        &refs(&["QD-0011", "QD-0012"])[..]
    );
    // One place left when the twins' turn comes: they wait, the next child takes it.
    let record = run(4, tiers(), SECRET, "8").expect("draw");
    assert_eq!(record.allocation.order[1], unit(&["QD-0011", "QD-0012"]));
    assert_eq!(
        record.allocation.admitted,
        refs(&["QD-0001", "QD-0002", "QD-0013", "QD-0014"])
    );
    assert_eq!(
        &record.allocation.waiting[..2],
        &refs(&["QD-0011", "QD-0012"])[..]
    );
}

#[test]
fn tiers_that_fit_are_admitted_whole_and_no_draw_runs_when_everyone_fits() {
    let record = run(20, tiers(), SECRET, "1").expect("draw");
    assert_eq!(record.allocation.drawn_tier, None);
    assert!(record.allocation.order.is_empty());
    assert_eq!(record.allocation.admitted.len(), 11);
    assert!(record.allocation.waiting.is_empty());
    // Places for the first tier only: the draw decides inside the second, and everyone of
    // the third waits behind it, in draw order.
    let record = run(2, tiers(), SECRET, "1").expect("draw");
    assert_eq!(record.allocation.drawn_tier, Some(2));
    assert_eq!(record.allocation.admitted, refs(&["QD-0001", "QD-0002"]));
    assert_eq!(record.allocation.waiting.len(), 9);
}

#[test]
fn every_unit_is_equally_likely_to_be_drawn_first() {
    let tier = vec![Tier {
        name: String::new(),
        name_en: String::new(),
        units: vec![unit(&["A"]), unit(&["B"]), unit(&["C"])],
    }];
    let mut first = std::collections::BTreeMap::<String, u32>::new();
    for round in 0..3000 {
        let record = run(1, tier.clone(), SECRET, &round.to_string()).expect("draw");
        *first
            .entry(record.allocation.admitted[0].clone())
            .or_default() += 1;
    }
    for (unit, count) in first {
        assert!(
            (900..1100).contains(&count),
            "{unit} first {count} times in 3000"
        );
    }
}

#[test]
fn a_tampered_record_does_not_check() {
    let record = run(5, tiers(), SECRET, "73520").expect("draw");
    let mut swapped = record.clone();
    swapped.allocation.admitted.swap(2, 3);
    assert_eq!(
        verify(&swapped),
        Err(Problem::Mismatch("list of admitted registrations"))
    );
    let mut other_value = record.clone();
    other_value.public_value = "73521".into();
    assert_eq!(verify(&other_value), Err(Problem::Mismatch("seed")));
    let mut other_secret = record.clone();
    other_secret.secret = "ff".repeat(32);
    assert_eq!(
        verify(&other_secret),
        Err(Problem::SecretDoesNotMatchCommitment)
    );
    let mut moved = record.clone();
    let unit = moved.tiers[2].units.remove(0);
    moved.tiers[1].units.push(unit);
    assert_eq!(verify(&moved), Err(Problem::Mismatch("list fingerprint")));
    let mut waiting = record;
    waiting.allocation.waiting.reverse();
    assert_eq!(verify(&waiting), Err(Problem::Mismatch("waiting list")));
}

#[test]
fn a_list_that_cannot_be_written_or_a_bad_secret_is_refused() {
    let mut twice = tiers();
    twice[2].units.push(unit(&["QD-0001"]));
    assert_eq!(
        run(5, twice, SECRET, "1"),
        Err(Problem::Duplicate("QD-0001".into()))
    );
    let mut plus = tiers();
    plus[0].units.push(unit(&["QD+1"]));
    assert_eq!(
        run(5, plus, SECRET, "1"),
        Err(Problem::BadReference("QD+1".into()))
    );
    let mut empty = tiers();
    empty[0].units.push(Unit::new(Vec::new()));
    assert_eq!(run(5, empty, SECRET, "1"), Err(Problem::EmptyUnit));
    assert_eq!(run(5, tiers(), "abc", "1"), Err(Problem::BadSecret));
    assert_eq!(
        run(5, tiers(), &"zz".repeat(32), "1"),
        Err(Problem::BadSecret)
    );
    assert_eq!(run(5, tiers(), SECRET, "  "), Err(Problem::NoPublicValue));
}

#[test]
fn a_record_survives_its_json_export() {
    let record = run(5, tiers(), SECRET, "73520").expect("draw");
    let json = serde_json::to_string(&record).expect("json");
    assert!(json.contains("\"admitted\":[\"QD-0001\""), "{json}");
    let back: Record = serde_json::from_str(&json).expect("parsed");
    assert_eq!(back, record);
    verify(&back).expect("checks");
}

#[test]
fn the_waiting_list_keeps_siblings_as_one_unit_in_list_order() {
    let tiers = tiers();
    let waiting: Vec<String> = ["QD-0014", "QD-0011", "QD-0012", "QD-0010"]
        .iter()
        .map(|r| (*r).to_owned())
        .collect();
    assert_eq!(
        waiting_units(&tiers, &waiting),
        vec![
            unit(&["QD-0014"]),
            unit(&["QD-0011", "QD-0012"]),
            unit(&["QD-0010"])
        ]
    );
}

#[test]
fn a_freed_place_goes_down_the_list_to_the_first_unit_that_fits() {
    let waiting = vec![
        unit(&["QD-0011", "QD-0012"]),
        unit(&["QD-0014"]),
        unit(&["QD-0010"]),
    ];
    // One place: the twins do not fit and keep their place; the next child takes it.
    assert_eq!(move_up(&waiting, 1), vec![unit(&["QD-0014"])]);
    // Two places: the twins, first on the list, take both.
    assert_eq!(move_up(&waiting, 2), vec![unit(&["QD-0011", "QD-0012"])]);
    assert_eq!(move_up(&waiting, 3).len(), 2);
    assert!(move_up(&waiting, 0).is_empty());
    assert!(move_up(&[], 4).is_empty());
}
