//! The draw (电脑随机派位), written once: the server runs it, `server verify-draw` and the
//! draw's public page check it, and anyone can write it again from `docs/lottery.md`.
//!
//! 1. **The list.** Priority tiers in order, each a list of units (one registration, or
//!    siblings drawn together), and the number of places, written as one canonical text whose
//!    SHA-256 is the list's fingerprint ([`canonical_list`], [`fingerprint`]).
//! 2. **The commitment.** Before the draw, the platform picks a secret of 32 random bytes and
//!    publishes its SHA-256 ([`commitment`]) with the list and its fingerprint.
//! 3. **The seed.** At the draw the bureau enters a public value nobody knew before (a number
//!    the notary draws); the secret is revealed; the seed is the SHA-256 of both and the
//!    fingerprint ([`seed`]).
//! 4. **The order.** ChaCha20 keyed with the seed gives 64-bit numbers; a Fisher–Yates
//!    shuffle orders every tier from the first that has more children than the places left
//!    ([`shuffle`]).
//! 5. **The allocation.** Tier by tier, unit by unit in that order, a unit takes places if
//!    all its children fit in the places left, else waits ([`allocate`]).

use std::collections::BTreeSet;

use rand_chacha::{
    ChaCha20Rng,
    rand_core::{RngCore, SeedableRng},
};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// The version of this algorithm, written first in every text that is hashed: a draw is
/// checked by the algorithm it was run with.
pub const VERSION: &str = "ruxue-draw-1";

/// Children who take places together: one registration, or siblings of one household
/// registered for the same school and grade (多胞胎捆绑). Admitted all together or not at all.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Unit(Vec<String>);

impl Unit {
    /// A unit of these registrations' reference numbers (kept sorted).
    pub fn new(references: impl IntoIterator<Item = String>) -> Self {
        let mut references: Vec<String> = references.into_iter().collect();
        references.sort();
        Self(references)
    }

    pub fn references(&self) -> &[String] {
        &self.0
    }

    /// How many places the unit takes.
    pub fn size(&self) -> usize {
        self.0.len()
    }

    /// How the unit is written in the canonical list and sorted before a shuffle.
    pub fn key(&self) -> String {
        self.0.join("+")
    }
}

/// A priority tier (优先顺位): filled before any later one.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tier {
    /// What the tier is, as the bureau named it (shown, not hashed).
    pub name: String,
    /// The same in English, where given (shown, not hashed; records made before it was
    /// kept have none).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub name_en: String,
    pub units: Vec<Unit>,
}

/// Why a draw cannot be run or checked.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Problem {
    /// A reference number appears twice in the list.
    Duplicate(String),
    EmptyUnit,
    /// A reference number holds characters the canonical list uses (`+`, line breaks) or
    /// none at all.
    BadReference(String),
    /// The secret is not 64 hexadecimal digits.
    BadSecret,
    /// The public value is empty.
    NoPublicValue,
    /// The revealed secret is not the one committed to.
    SecretDoesNotMatchCommitment,
    /// A value in a record is not what its inputs give.
    Mismatch(&'static str),
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Duplicate(r) => write!(f, "reference {r} appears twice in the list"),
            Self::EmptyUnit => write!(f, "a unit has no registration"),
            Self::BadReference(r) => write!(f, "reference {r:?} cannot be written in the list"),
            Self::BadSecret => write!(f, "the secret is not 64 hexadecimal digits"),
            Self::NoPublicValue => write!(f, "the public value is empty"),
            Self::SecretDoesNotMatchCommitment => {
                write!(f, "the revealed secret does not match the commitment")
            }
            Self::Mismatch(what) => write!(f, "the {what} is not what the inputs give"),
        }
    }
}

impl std::error::Error for Problem {}

/// Checks that every unit has registrations, every reference can be written in the list and
/// none appears twice.
pub fn check_list(tiers: &[Tier]) -> Result<(), Problem> {
    let mut seen = BTreeSet::new();
    for unit in tiers.iter().flat_map(|t| &t.units) {
        if unit.0.is_empty() {
            return Err(Problem::EmptyUnit);
        }
        for reference in &unit.0 {
            if reference.is_empty()
                || reference
                    .chars()
                    .any(|c| c == '+' || c.is_whitespace() || c.is_control())
            {
                return Err(Problem::BadReference(reference.clone()));
            }
            if !seen.insert(reference.as_str()) {
                return Err(Problem::Duplicate(reference.clone()));
            }
        }
    }
    Ok(())
}

/// The list as one text: the version, the places, then each tier's units sorted, one a line.
///
/// ```text
/// ruxue-draw-1
/// places 2
/// tier 1
/// QD-0001
/// tier 2
/// QD-0002+QD-0003
/// QD-0004
/// ```
pub fn canonical_list(places: u32, tiers: &[Tier]) -> String {
    let mut text = format!("{VERSION}\nplaces {places}\n");
    for (number, tier) in tiers.iter().enumerate() {
        text.push_str(&format!("tier {}\n", number + 1));
        let mut keys: Vec<String> = tier.units.iter().map(Unit::key).collect();
        keys.sort();
        for key in keys {
            text.push_str(&key);
            text.push('\n');
        }
    }
    text
}

/// The list's fingerprint: SHA-256 of [`canonical_list`], in lowercase hexadecimal.
pub fn fingerprint(places: u32, tiers: &[Tier]) -> String {
    hex(&Sha256::digest(canonical_list(places, tiers).as_bytes()))
}

/// The commitment to a secret: SHA-256 of its 32 bytes, in lowercase hexadecimal.
pub fn commitment(secret: &str) -> Result<String, Problem> {
    Ok(hex(&Sha256::digest(secret_bytes(secret)?)))
}

/// The seed: SHA-256 of `ruxue-draw-1\n<secret>\n<public value>\n<fingerprint>\n`, the
/// secret and fingerprint in lowercase hexadecimal, the public value trimmed.
pub fn seed(secret: &str, public_value: &str, fingerprint: &str) -> Result<[u8; 32], Problem> {
    let secret = hex(&secret_bytes(secret)?);
    let public_value = public_value.trim();
    if public_value.is_empty() {
        return Err(Problem::NoPublicValue);
    }
    let text = format!("{VERSION}\n{secret}\n{public_value}\n{fingerprint}\n");
    Ok(Sha256::digest(text.as_bytes()).into())
}

/// The draw's numbers: ChaCha20 (RFC 8439 with a zero nonce, the block counter from 0)
/// keyed with the seed; each number is two 32-bit little-endian output words, the first the
/// low half.
pub struct Numbers(ChaCha20Rng);

impl Numbers {
    pub fn new(seed: [u8; 32]) -> Self {
        Self(ChaCha20Rng::from_seed(seed))
    }

    pub fn number(&mut self) -> u64 {
        self.0.next_u64()
    }

    /// A number from 0 to `bound - 1`, each equally likely: numbers at or above the largest
    /// multiple of `bound` that fits in 64 bits are passed over, the rest taken modulo
    /// `bound`.
    pub fn below(&mut self, bound: u64) -> u64 {
        if bound <= 1 {
            return 0;
        }
        let limit = (1_u128 << 64) / u128::from(bound) * u128::from(bound);
        loop {
            let x = self.number();
            if u128::from(x) < limit {
                return x % bound;
            }
        }
    }
}

/// Fisher–Yates: the units sorted by [`Unit::key`], then for `i` from the last position
/// down to 1, the unit at `i` swapped with the one at `numbers.below(i + 1)`.
pub fn shuffle(units: &[Unit], numbers: &mut Numbers) -> Vec<Unit> {
    let mut order = units.to_vec();
    order.sort_by_key(Unit::key);
    for i in (1..order.len()).rev() {
        let j = numbers.below(i as u64 + 1) as usize;
        order.swap(i, j);
    }
    order
}

/// Who is admitted and who waits.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Allocation {
    /// The first tier (numbered from 1) with more children than the places left, where the
    /// draw decides; none when every child has a place.
    pub drawn_tier: Option<usize>,
    /// The units of the drawn tier and every later one, tier by tier, each in draw order.
    pub order: Vec<Unit>,
    /// Reference numbers admitted.
    pub admitted: Vec<String>,
    /// Reference numbers on the waiting list (候补), in the order places are offered.
    pub waiting: Vec<String>,
}

/// Fills the places tier by tier. Tiers that fit are admitted whole; from the first that
/// does not, each tier is shuffled (the numbers continue from one tier to the next) and its
/// units taken in that order: a unit whose children all fit in the places left is admitted,
/// any other waits, and the next unit in order may still take the places left.
pub fn allocate(places: u32, tiers: &[Tier], seed: [u8; 32]) -> Allocation {
    let mut left = places as usize;
    let mut numbers = Numbers::new(seed);
    let mut allocation = Allocation::default();
    for (number, tier) in tiers.iter().enumerate() {
        let children: usize = tier.units.iter().map(Unit::size).sum();
        let units = if allocation.drawn_tier.is_none() && children <= left {
            let mut units = tier.units.clone();
            units.sort_by_key(Unit::key);
            units
        } else {
            allocation.drawn_tier.get_or_insert(number + 1);
            let order = shuffle(&tier.units, &mut numbers);
            allocation.order.extend(order.iter().cloned());
            order
        };
        for unit in units {
            if unit.size() <= left {
                left -= unit.size();
                allocation.admitted.extend(unit.0);
            } else {
                allocation.waiting.extend(unit.0);
            }
        }
    }
    allocation
}

/// The waiting list as units, in its order: each unit of the frozen list at the place its
/// children hold on the waiting list (siblings stay together, as they were drawn).
pub fn waiting_units(tiers: &[Tier], waiting: &[String]) -> Vec<Unit> {
    let mut units: Vec<Unit> = Vec::new();
    for reference in waiting {
        if units.iter().any(|u| u.0.contains(reference)) {
            continue;
        }
        if let Some(unit) = tiers
            .iter()
            .flat_map(|t| &t.units)
            .find(|u| u.0.contains(reference))
        {
            units.push(unit.clone());
        }
    }
    units
}

/// Who is offered the places a decline or an expiry frees, by the draw's own rule: down the
/// waiting list in order, a unit whose children all fit in the places left is offered them;
/// any other keeps its place on the list, and the next unit may still take the places left.
pub fn move_up(waiting: &[Unit], free: usize) -> Vec<Unit> {
    let mut left = free;
    let mut offered = Vec::new();
    for unit in waiting {
        if unit.size() <= left {
            left -= unit.size();
            offered.push(unit.clone());
        }
        if left == 0 {
            break;
        }
    }
    offered
}

/// A draw as it is published and exported: every input, and what they give.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Record {
    pub version: String,
    pub places: u32,
    pub tiers: Vec<Tier>,
    /// Published before the draw.
    pub fingerprint: String,
    pub commitment: String,
    /// Revealed at the draw.
    pub secret: String,
    pub public_value: String,
    pub seed: String,
    #[serde(flatten)]
    pub allocation: Allocation,
}

/// Runs a draw from its inputs.
pub fn run(
    places: u32,
    tiers: Vec<Tier>,
    secret: &str,
    public_value: &str,
) -> Result<Record, Problem> {
    check_list(&tiers)?;
    let fingerprint = fingerprint(places, &tiers);
    let commitment = commitment(secret)?;
    let seed = seed(secret, public_value, &fingerprint)?;
    let allocation = allocate(places, &tiers, seed);
    Ok(Record {
        version: VERSION.to_owned(),
        places,
        tiers,
        fingerprint,
        commitment,
        secret: secret.to_ascii_lowercase(),
        public_value: public_value.trim().to_owned(),
        seed: hex(&seed),
        allocation,
    })
}

/// Checks a published draw: the same inputs give the same fingerprint, commitment, seed,
/// order, admissions and waiting list.
pub fn verify(record: &Record) -> Result<(), Problem> {
    if record.version != VERSION {
        return Err(Problem::Mismatch("algorithm version"));
    }
    if commitment(&record.secret)? != record.commitment {
        return Err(Problem::SecretDoesNotMatchCommitment);
    }
    let again = run(
        record.places,
        record.tiers.clone(),
        &record.secret,
        &record.public_value,
    )?;
    let checks = [
        (again.fingerprint == record.fingerprint, "list fingerprint"),
        (again.seed == record.seed, "seed"),
        (
            again.allocation.drawn_tier == record.allocation.drawn_tier,
            "drawn tier",
        ),
        (again.allocation.order == record.allocation.order, "order"),
        (
            again.allocation.admitted == record.allocation.admitted,
            "list of admitted registrations",
        ),
        (
            again.allocation.waiting == record.allocation.waiting,
            "waiting list",
        ),
    ];
    match checks.iter().find(|(same, _)| !same) {
        Some((_, what)) => Err(Problem::Mismatch(what)),
        None => Ok(()),
    }
}

/// Checks a draw exported as JSON: an empty text when it holds, else what does not.
#[cfg(target_arch = "wasm32")]
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn verify_json(json: &str) -> String {
    match serde_json::from_str::<Record>(json) {
        Ok(record) => verify(&record)
            .err()
            .map(|p| p.to_string())
            .unwrap_or_default(),
        Err(error) => format!("not a draw record: {error}"),
    }
}

fn secret_bytes(secret: &str) -> Result<Vec<u8>, Problem> {
    let secret = secret.trim();
    if secret.len() != 64 {
        return Err(Problem::BadSecret);
    }
    (0..64)
        .step_by(2)
        .map(|i| u8::from_str_radix(secret.get(i..i + 2).unwrap_or("zz"), 16))
        .collect::<Result<Vec<u8>, _>>()
        .map_err(|_| Problem::BadSecret)
}

/// Lowercase hexadecimal.
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests;
