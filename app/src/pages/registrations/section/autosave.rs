//! `use_autosave`: a section's answers kept on the device at every change and saved to the
//! server [`QUIET`] after the last one, at once when the page is hidden or left, and with a
//! request the browser finishes on its own when the page is closed. Every save carries the
//! version it was based on, so a stale page (a second tab, the back button) cannot overwrite
//! newer answers. The rules are in [`super::machine`]; this wires them to signals, timers,
//! the page's events and the server.

use leptos::{ev, prelude::*, task::spawn_local};

use super::machine::{
    Ask, Conflicted, Corrections, DraftStep, LocalCopy, Machine, Next, QUIET, SaveState, Start,
    draft_after_save, local_copy, still_standing, take_merged,
};
use crate::{
    api::registrations::{SaveOutcome, save_section},
    browser::{
        drafts::{self, LocalDraft},
        saves,
    },
    domain::{SectionData, merge},
    error::{AppError, FieldProblem},
};

/// How long a save may take before the page says the line is slow.
const SLOW: std::time::Duration = std::time::Duration::from_secs(5);

/// A section as its page opened it.
pub struct Opened {
    pub registration_id: i32,
    pub section: &'static str,
    pub editable: bool,
    /// The section's version and answers as read: the base of this tab's saves.
    pub version: i64,
    pub data: SectionData,
    pub corrections: Corrections,
    /// Goes to another page of the application.
    pub go: Callback<String>,
}

/// A section's answers and where their saving stands.
#[derive(Clone, Copy)]
pub struct Autosave {
    pub data: RwSignal<SectionData>,
    pub corrections: RwSignal<Corrections>,
    /// What "save and continue" found wrong.
    pub problems: RwSignal<Vec<FieldProblem>>,
    pub conflict: RwSignal<Option<Conflicted>>,
    /// A copy on this device that differs from the server's, offered back.
    pub offer: RwSignal<Option<LocalDraft>>,
    /// A save has been on its way longer than [`SLOW`].
    slow: RwSignal<bool>,
    machine: RwSignal<Machine>,
    save: Callback<Ask>,
    touch: Callback<()>,
    registration_id: i32,
    section: &'static str,
}

impl Autosave {
    /// Where saving stands (tracked).
    pub fn state(&self) -> SaveState {
        self.machine.with(|m| m.state.clone())
    }

    /// Whether the save on its way has taken longer than [`SLOW`] (tracked): the page says
    /// so rather than "saving…" without end.
    pub fn slow(&self) -> bool {
        self.slow.get() && self.state() == SaveState::Saving
    }

    /// An answer changed.
    pub fn change(&self, field: &'static str, value: String) {
        self.data.update(|d| {
            d.insert(field.to_owned(), value);
        });
        self.touch.run(());
    }

    /// Something changed (answers or corrections): kept on the device at once, saved soon.
    pub fn touch(&self) {
        self.touch.run(());
    }

    /// Saves now; `complete` checks the answers ("save and continue"), `then` is where to
    /// go after a successful save.
    pub fn save(&self, ask: Ask) {
        self.save.run(ask);
    }

    /// Something the page asked for on the parent's behalf failed.
    pub fn failed(&self, error: AppError) {
        self.machine.try_update(|m| m.failed(error));
    }

    /// Settles a conflict in one tap: this page's answers or the other page's for what both
    /// changed, the other page's changes to everything else kept either way.
    pub fn resolve(&self, keep_mine: bool) {
        let Some(found) = self.conflict.get_untracked() else {
            return;
        };
        let resolved = merge::resolve(
            &found.base,
            &self.data.get_untracked(),
            &found.theirs,
            keep_mine,
        );
        saves::with(self.registration_id, self.section, |b| {
            b.version = found.version;
            b.base = found.theirs.clone();
        });
        self.conflict.set(None);
        self.problems.set(Vec::new());
        let unchanged = resolved == found.theirs;
        self.data.set(resolved);
        if unchanged {
            drafts::remove(self.registration_id, self.section);
        }
        if self.machine.try_update(|m| m.settled(unchanged)) == Some(true) {
            self.save.run(Ask::default());
        }
    }

    /// Takes back the copy kept on this device, and saves it.
    pub fn restore(&self) {
        let Some(local) = self.offer.get_untracked() else {
            return;
        };
        self.data.set(local.data);
        self.corrections.set(local.corrections);
        self.offer.set(None);
        self.machine.update(Machine::restored);
        self.save.run(Ask::default());
    }

    /// Forgets the copy kept on this device.
    pub fn discard(&self) {
        drafts::remove(self.registration_id, self.section);
        self.offer.set(None);
    }
}

/// Starts a section's autosave for the page being built; it stops with the page, after
/// handing what is still unsent to the tab (see [`saves`]).
pub fn use_autosave(opened: Opened) -> Autosave {
    let Opened {
        registration_id: id,
        section,
        editable,
        version,
        data,
        corrections,
        go,
    } = opened;
    saves::open(id, section, version, data.clone());
    let data = RwSignal::new(data);
    let corrections = RwSignal::new(corrections);
    let machine = RwSignal::new(Machine::new(id, editable));
    let problems = RwSignal::new(Vec::<FieldProblem>::new());
    let conflict = RwSignal::new(None::<Conflicted>);
    let offer = RwSignal::new(None::<LocalDraft>);
    // Bumped when a wait after a refusal is over.
    let retry = RwSignal::new(0_u32);
    let slow = RwSignal::new(false);
    // Bumped at each request sent and each answer: a timer set at sending finds it moved
    // unless that request is still waiting.
    let sends = RwSignal::new(0_u64);

    Effect::new(move |_| {
        let found = drafts::load(id, section);
        match local_copy(found, &data.get_untracked(), &corrections.get_untracked()) {
            LocalCopy::None => {}
            LocalCopy::Same => drafts::remove(id, section),
            LocalCopy::Differs(local) => offer.set(Some(local)),
        }
    });

    // Sends saves one after another until none is left: the one asked for, then any asked
    // for meanwhile, then what the page held when it was left. The chain counts as one
    // save on its way, so the next page reads only after it.
    let run = move |ask: Ask| {
        spawn_local(async move {
            let _pending = saves::begin();
            let mut sent = ask;
            loop {
                let (snapshot, noted, on_page) =
                    match (data.try_get_untracked(), corrections.try_get_untracked()) {
                        (Some(d), Some(c)) => (d, c, true),
                        _ => match saves::with(id, section, |b| b.left.take()) {
                            Some((d, c)) => (d, c, false),
                            None => break,
                        },
                    };
                let (base_version, base) =
                    saves::with(id, section, |b| (b.version, b.base.clone()));
                let sending = sends.try_update(|n| {
                    *n = n.wrapping_add(1);
                    *n
                });
                set_timeout(
                    move || {
                        if sending.is_some() && sends.try_get_untracked() == sending {
                            slow.try_set(true);
                        }
                    },
                    SLOW,
                );
                // Every problem found is with an answer changed since it was sent.
                let mut outdated = false;
                let answer = save_section(
                    id,
                    section.to_owned(),
                    base_version,
                    snapshot.clone(),
                    noted.clone(),
                    sent.complete && on_page,
                    Some(base.clone()),
                )
                .await;
                sends.try_update(|n| *n = n.wrapping_add(1));
                slow.try_set(false);
                match &answer {
                    Ok(SaveOutcome::Saved {
                        version,
                        problems: found,
                        merged,
                        ..
                    }) => {
                        let saved = merged.clone().unwrap_or_else(|| snapshot.clone());
                        saves::with(id, section, |b| {
                            b.version = *version;
                            b.base = saved.clone();
                        });
                        if let Some(merged) = merged {
                            data.try_update(|d| take_merged(d, &snapshot, merged));
                        }
                        let page = data
                            .try_get_untracked()
                            .zip(corrections.try_get_untracked());
                        match draft_after_save(page, &snapshot, &noted, &saved, *version) {
                            DraftStep::Keep(draft) => drafts::store(id, section, &draft),
                            DraftStep::Remove => drafts::remove(id, section),
                            DraftStep::RemoveIfHolding(sent) => {
                                if drafts::load(id, section).is_some_and(|d| d.data == sent) {
                                    drafts::remove(id, section);
                                }
                            }
                        }
                        // The problems are the sent answers'; one the page has changed
                        // since (typed, or filled by a registry meanwhile) is not shown.
                        if sent.complete && on_page {
                            let page = data.try_get_untracked().unwrap_or_default();
                            let standing = still_standing(found, &snapshot, &page);
                            outdated = standing.is_empty();
                            problems.try_set(standing);
                        }
                    }
                    // Changed on both sides: shown side by side; the page keeps its answers
                    // (and this device its copy) until the parent chooses.
                    Ok(SaveOutcome::Conflict {
                        version,
                        data: theirs,
                        fields,
                    }) => {
                        conflict.try_set(Some(Conflicted {
                            version: *version,
                            base,
                            theirs: theirs.clone(),
                            fields: fields.clone(),
                        }));
                    }
                    Err(_) => {}
                }
                let went_through = matches!(answer, Ok(SaveOutcome::Saved { .. }));
                let next = match machine
                    .try_update(|m| m.answered_while(&sent, on_page, &answer, outdated))
                {
                    Some(reaction) => {
                        if let Some(to) = reaction.go_to {
                            go.try_run(to);
                        }
                        if let Some(wait) = reaction.retry_in {
                            set_timeout(
                                move || {
                                    retry.try_update(|r| *r = r.wrapping_add(1));
                                },
                                wait,
                            );
                        }
                        reaction.next
                    }
                    // Sent after the page was left.
                    None if went_through => Next::Left,
                    None => Next::Stop,
                };
                match next {
                    Next::Send(ask) => sent = ask,
                    Next::Left if saves::with(id, section, |b| b.left.is_some()) => {
                        sent = Ask::default();
                    }
                    _ => break,
                }
            }
            saves::with(id, section, |b| b.in_flight = false);
        });
    };
    // Saves never overlap: one asked for during another runs after it.
    let save = Callback::new(move |ask: Ask| {
        let claim = || saves::with(id, section, |b| std::mem::replace(&mut b.in_flight, true));
        match machine.try_update(|m| m.ask(ask, claim)) {
            Some(Start::Send(ask)) => run(ask),
            Some(Start::Go(Some(to))) => go.run(to),
            _ => {}
        }
    });
    let touch = Callback::new(move |()| {
        drafts::store(
            id,
            section,
            &LocalDraft {
                base_version: saves::with(id, section, |b| b.version),
                data: data.get_untracked(),
                corrections: corrections.get_untracked(),
            },
        );
        let Some(edit) = machine.try_update(Machine::edited) else {
            return;
        };
        set_timeout(
            move || {
                if machine.try_with_untracked(|m| m.quiet_since(edit)) == Some(true) {
                    save.run(Ask::default());
                }
            },
            QUIET,
        );
    });

    // Hiding the page (home button, switching apps) or the end of a wait saves at once.
    let flush = move || {
        if machine.try_with_untracked(Machine::due) == Some(true) {
            save.run(Ask::default());
        }
    };
    Effect::new(move |previous: Option<u32>| {
        let now = retry.get();
        if previous.is_some_and(|p| p != now) {
            flush();
        }
        now
    });
    let hidden = window_event_listener(ev::visibilitychange, move |_| {
        if document().hidden() {
            flush();
        }
    });
    // The page is going away (closed, or the webview left): a request the browser finishes
    // on its own, since one made the usual way may be cancelled with the page.
    let pagehide = window_event_listener(ev::pagehide, move |_| {
        if machine.try_with_untracked(Machine::unsent_at_exit) == Some(true)
            && let (Some(snapshot), Some(noted)) =
                (data.try_get_untracked(), corrections.try_get_untracked())
        {
            let (base_version, base) = saves::with(id, section, |b| (b.version, b.base.clone()));
            drafts::send_on_exit(id, section, base_version, &base, &snapshot, &noted);
        }
    });
    on_cleanup(move || {
        hidden.remove();
        pagehide.remove();
        // Left within two seconds of typing (the browser's back button, a link): what the
        // page holds now is sent, after any save already on its way, and the next page
        // reads the registration only after it was answered.
        if machine.try_with_untracked(Machine::unsent_on_leaving) == Some(true)
            && let (Some(snapshot), Some(noted)) =
                (data.try_get_untracked(), corrections.try_get_untracked())
        {
            let busy = saves::with(id, section, |b| {
                b.left = Some((snapshot, noted));
                std::mem::replace(&mut b.in_flight, true)
            });
            if !busy {
                run(Ask::default());
            }
        }
    });

    Autosave {
        data,
        corrections,
        problems,
        conflict,
        offer,
        slow,
        machine,
        save,
        touch,
        registration_id: id,
        section,
    }
}
