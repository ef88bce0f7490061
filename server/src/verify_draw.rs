//! `server verify-draw FILE`: checks a draw exported from its public page, with no database
//! and no settings: the same inputs must give the same fingerprint, commitment, seed, order,
//! admissions and waiting list (see `docs/lottery.md`).

use std::path::Path;

/// What a checked draw holds, in words, or why it does not check.
pub fn check_file(path: &Path) -> Result<String, String> {
    let text = std::fs::read_to_string(path)
        .map_err(|error| format!("cannot read {}: {error}", path.display()))?;
    let record: draw::Record = serde_json::from_str(&text)
        .map_err(|error| format!("{} is not a draw record: {error}", path.display()))?;
    draw::verify(&record).map_err(|problem| format!("the draw does NOT check: {problem}"))?;
    let allocation = &record.allocation;
    let drawn = allocation.drawn_tier.map_or_else(
        || "no draw was needed: every child has a place".to_owned(),
        |tier| format!("drawn in tier {tier} of {}", record.tiers.len()),
    );
    Ok(format!(
        "the draw checks ({version})\n  places:      {places}\n  list:        {fingerprint}\n  commitment:  {commitment}\n  public value: {public}\n  seed:        {seed}\n  {drawn}\n  admitted:    {admitted}\n  waiting:     {waiting}\n",
        version = record.version,
        places = record.places,
        fingerprint = record.fingerprint,
        commitment = record.commitment,
        public = record.public_value,
        seed = record.seed,
        admitted = allocation.admitted.len(),
        waiting = allocation.waiting.len(),
    ))
}
