//! The autosave's rules, apart from signals, timers and requests so that they are tested
//! without a browser: when an edit is saved, what happens to a save asked for while another
//! is on its way, what each answer of the server means for the page (saved, conflict,
//! offline, busy, refused), how long to wait before trying again, what a page must still
//! send when it is hidden or left, and what becomes of the copy kept on the device.

use std::{collections::BTreeMap, time::Duration};

use crate::{
    api::registrations::SaveOutcome,
    browser::drafts::LocalDraft,
    domain::{SectionData, SectionStatus},
    error::{AppError, FieldProblem},
};

/// Prefilled values the parent said were wrong, with why.
pub type Corrections = BTreeMap<String, String>;

/// How long after the last keystroke an edit is saved.
pub const QUIET: Duration = Duration::from_secs(2);

/// Where the autosave stands, as the page shows and announces it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SaveState {
    Idle,
    /// Kept on the device, not yet sent.
    Unsaved,
    Saving,
    /// Saved, at this time of day.
    Saved(String),
    Offline,
    /// The server asked to be called again later (a crowd): kept here, sent again soon.
    Busy,
    Failed(AppError),
    /// Another page changed the same answers: nothing was saved until the parent chooses.
    Conflict,
}

impl SaveState {
    /// As the page marks it (`data-save-state`).
    pub fn code(&self) -> &'static str {
        match self {
            Self::Idle => "idle",
            Self::Unsaved => "unsaved",
            Self::Saving => "saving",
            Self::Saved(_) => "saved",
            Self::Offline => "offline",
            Self::Busy => "busy",
            Self::Failed(_) => "failed",
            Self::Conflict => "conflict",
        }
    }

    /// Answers the server has not got and that the page is to send again (an edit, or a
    /// save the network or the crowd refused).
    pub fn unsent(&self) -> bool {
        matches!(self, Self::Unsaved | Self::Offline | Self::Busy)
    }
}

/// A save refused because another page changed the same answers.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Conflicted {
    /// The section's version holding `theirs`.
    pub version: i64,
    /// The answers this page's changes were measured against.
    pub base: SectionData,
    pub theirs: SectionData,
    /// The answers changed on both sides.
    pub fields: Vec<String>,
}

/// A save asked for: whether it checks the answers ("save and continue"), and where to go
/// once it succeeded.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Ask {
    pub complete: bool,
    pub then: Option<String>,
}

impl Ask {
    pub fn to(complete: bool, then: String) -> Self {
        Self {
            complete,
            then: Some(then),
        }
    }
}

/// What asking for a save leads to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Start {
    /// Send it now.
    Send(Ask),
    /// Another save is on its way: this one is sent after it.
    Queued,
    /// Nothing can be changed here: go on (or stay) without saving.
    Go(Option<String>),
}

/// What the page does once a save was answered.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Reaction {
    /// Where to go now (the save asked to go there, and it succeeded).
    pub go_to: Option<String>,
    /// Try again after this long (offline, or the server is busy).
    pub retry_in: Option<Duration>,
    pub next: Next,
}

/// What is sent after a save was answered.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Next {
    /// The save asked for while this one was on its way.
    Send(Ask),
    /// What a page left while this one was on its way held, if it left any.
    Left,
    Stop,
}

/// The problems a save's answer found that still hold: those with an answer the page has
/// not changed since `sent` (a problem with no answer of its own, about the section, holds).
pub fn still_standing(
    found: &[FieldProblem],
    sent: &SectionData,
    page: &SectionData,
) -> Vec<FieldProblem> {
    found
        .iter()
        .filter(|p| sent.get(&p.field) == page.get(&p.field))
        .cloned()
        .collect()
}

/// One section's autosave on one page.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Machine {
    pub state: SaveState,
    editable: bool,
    /// Spreads retries of different registrations apart.
    registration_id: i32,
    /// A save asked for while another was on its way.
    queued: Option<Ask>,
    /// Saves refused by the network or the crowd in a row.
    failures: u32,
    /// Counts edits: only the last edit's quiet period ends in a save.
    edits: u64,
}

impl Machine {
    pub fn new(registration_id: i32, editable: bool) -> Self {
        Self {
            state: SaveState::Idle,
            editable,
            registration_id,
            queued: None,
            failures: 0,
            edits: 0,
        }
    }

    /// Something changed: kept on the device, saved after [`QUIET`] unless another edit
    /// comes first. Returns the edit's number for [`Self::quiet_since`].
    pub fn edited(&mut self) -> u64 {
        self.state = SaveState::Unsaved;
        self.edits += 1;
        self.edits
    }

    /// Whether edit `edit` was the last one (its quiet period ends in a save).
    pub fn quiet_since(&self, edit: u64) -> bool {
        self.edits == edit
    }

    /// A save asked for. `claim` marks this tab's save of the section as on its way and
    /// says whether one already was.
    pub fn ask(&mut self, ask: Ask, claim: impl FnOnce() -> bool) -> Start {
        if !self.editable {
            return Start::Go(ask.then);
        }
        if claim() {
            let earlier = self.queued.take().unwrap_or_default();
            // "Save and continue" asked for while an autosave is on its way stays asked.
            self.queued = Some(Ask {
                complete: ask.complete || earlier.complete,
                then: ask.then.or(earlier.then),
            });
            return Start::Queued;
        }
        self.state = SaveState::Saving;
        Start::Send(ask)
    }

    /// The server answered save `sent` (sent from the page, or from what a left page held).
    #[cfg(test)]
    pub fn answered(
        &mut self,
        sent: &Ask,
        on_page: bool,
        answer: &Result<SaveOutcome, AppError>,
    ) -> Reaction {
        self.answered_while(sent, on_page, answer, false)
    }

    /// The same, where `outdated` says that every problem the server found is with an answer
    /// the page has changed since it sent it (a registry's answer filled it meanwhile): a
    /// "save and continue" is then sent again with the page's answers, instead of leaving
    /// the parent on the page with nothing said.
    pub fn answered_while(
        &mut self,
        sent: &Ask,
        on_page: bool,
        answer: &Result<SaveOutcome, AppError>,
        outdated: bool,
    ) -> Reaction {
        let mut reaction = Reaction {
            go_to: None,
            retry_in: None,
            next: Next::Stop,
        };
        match answer {
            Ok(SaveOutcome::Saved {
                saved_at,
                status,
                problems,
                ..
            }) => {
                self.state = SaveState::Saved(saved_at.clone());
                self.failures = 0;
                let done = !sent.complete
                    || !on_page
                    || (problems.is_empty() && *status == SectionStatus::Completed);
                if on_page && done {
                    reaction.go_to = sent.then.clone();
                }
                if on_page && !done && outdated && !problems.is_empty() {
                    let queued = self.queued.take().unwrap_or_default();
                    reaction.next = Next::Send(Ask {
                        complete: true,
                        then: sent.then.clone().or(queued.then),
                    });
                    return reaction;
                }
                reaction.next = match self.queued.take() {
                    Some(next) if on_page => Next::Send(next),
                    _ => Next::Left,
                };
                return reaction;
            }
            Ok(SaveOutcome::Conflict { .. }) => self.state = SaveState::Conflict,
            Err(error @ (AppError::Network | AppError::Unavailable { .. })) => {
                self.state = if *error == AppError::Network {
                    SaveState::Offline
                } else {
                    SaveState::Busy
                };
                if on_page {
                    self.failures = self.failures.saturating_add(1);
                    reaction.retry_in = Some(backoff(self.failures, self.registration_id));
                }
            }
            Err(error) => self.state = SaveState::Failed(error.clone()),
        }
        self.queued = None;
        reaction
    }

    /// The page was hidden, or its wait after a refusal is over: what is unsent goes now.
    pub fn due(&self) -> bool {
        self.state.unsent()
    }

    /// The page is going away for good (closed, the webview left): whether what it holds
    /// must still be sent with a request the browser finishes on its own.
    pub fn unsent_at_exit(&self) -> bool {
        self.editable && (self.state.unsent() || self.state == SaveState::Saving)
    }

    /// The page is being left for another (the back button, a link): whether what it holds
    /// must be sent after the save on its way, if any.
    pub fn unsent_on_leaving(&self) -> bool {
        self.editable && (self.state.unsent() || self.queued.is_some())
    }

    /// The parent restored the copy kept on this device.
    pub fn restored(&mut self) {
        self.state = SaveState::Unsaved;
    }

    /// A conflict was settled: with the server's answers as they are (nothing to save), or
    /// with answers to save now. Returns whether to save.
    pub fn settled(&mut self, unchanged: bool) -> bool {
        self.state = if unchanged {
            SaveState::Idle
        } else {
            SaveState::Unsaved
        };
        !unchanged
    }

    /// Something the page asked for on the parent's behalf failed.
    pub fn failed(&mut self, error: AppError) {
        self.state = SaveState::Failed(error);
    }
}

/// How long to wait after the `failures`-th refusal in a row: twice as long each time (2,
/// 4, 8 … 60 s), spread by up to a second per registration so that a crowd turned away
/// together does not come back together.
pub fn backoff(failures: u32, registration_id: i32) -> Duration {
    let seconds = 2_u64.saturating_pow(failures.min(6)).min(60);
    let spread = u64::from(registration_id.unsigned_abs() % 997);
    Duration::from_millis(seconds * 1000 + spread)
}

/// Applies the answers another page saved meanwhile (merged by the server with the ones
/// sent) to the answers the page holds now, except where the page changed an answer after
/// sending it.
pub fn take_merged(current: &mut SectionData, sent: &SectionData, merged: &SectionData) {
    for (field, value) in merged {
        if current.get(field) == sent.get(field) {
            current.insert(field.clone(), value.clone());
        }
    }
}

/// What becomes of the copy on this device once a save went through.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DraftStep {
    /// The page changed since it sent: the copy holds the newer answers.
    Keep(LocalDraft),
    Remove,
    /// Sent after the page was left: the copy goes only if it holds what was sent.
    RemoveIfHolding(SectionData),
}

/// The copy on this device after a save of `sent` (with `noted` corrections) was saved
/// as `saved` in `version`; `page` is what the page holds now, if it is still open.
pub fn draft_after_save(
    page: Option<(SectionData, Corrections)>,
    sent: &SectionData,
    noted: &Corrections,
    saved: &SectionData,
    version: i64,
) -> DraftStep {
    match page {
        Some((data, corrections)) if data != *saved || corrections != *noted => {
            DraftStep::Keep(LocalDraft {
                base_version: version,
                data,
                corrections,
            })
        }
        Some(_) => DraftStep::Remove,
        None => DraftStep::RemoveIfHolding(sent.clone()),
    }
}

/// What a copy found on this device when the page opens means.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LocalCopy {
    None,
    /// It holds what the server holds: forgotten.
    Same,
    /// It differs: offered back, never applied or dropped silently.
    Differs(LocalDraft),
}

pub fn local_copy(
    found: Option<LocalDraft>,
    data: &SectionData,
    corrections: &Corrections,
) -> LocalCopy {
    match found {
        None => LocalCopy::None,
        Some(local) if local.data == *data && local.corrections == *corrections => LocalCopy::Same,
        Some(local) => LocalCopy::Differs(local),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::FieldProblem;

    fn answers(pairs: &[(&str, &str)]) -> SectionData {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    fn saved(status: SectionStatus, problems: Vec<FieldProblem>) -> Result<SaveOutcome, AppError> {
        Ok(SaveOutcome::Saved {
            version: 4,
            saved_at: "08:00:05".to_owned(),
            status,
            problems,
            merged: None,
            registration_version: 9,
        })
    }

    fn problem() -> FieldProblem {
        FieldProblem {
            field: "name".to_owned(),
            message: crate::i18n::LocalizedText::new("请填写姓名", "Enter the name"),
        }
    }

    /// A machine with one save on its way.
    fn sending(ask: Ask) -> Machine {
        let mut m = Machine::new(7, true);
        assert_eq!(m.ask(ask.clone(), || false), Start::Send(ask));
        assert_eq!(m.state, SaveState::Saving);
        m
    }

    #[test]
    fn only_the_last_edit_s_quiet_period_ends_in_a_save() {
        let mut m = Machine::new(7, true);
        let first = m.edited();
        let second = m.edited();
        assert_eq!(m.state, SaveState::Unsaved);
        assert!(!m.quiet_since(first));
        assert!(m.quiet_since(second));
        assert!(
            m.due(),
            "an edit not yet sent is sent when the page is hidden"
        );
    }

    #[test]
    fn a_page_that_cannot_change_anything_goes_on_without_saving() {
        let mut m = Machine::new(7, false);
        let start = m.ask(Ask::to(true, "/next".into()), || {
            panic!("nothing is claimed")
        });
        assert_eq!(start, Start::Go(Some("/next".into())));
        assert_eq!(m.state, SaveState::Idle);
        m.edited();
        assert!(!m.unsent_at_exit() && !m.unsent_on_leaving());
    }

    #[test]
    fn save_and_continue_asked_during_an_autosave_is_kept_and_goes_on_after_it() {
        let mut m = sending(Ask::default());
        assert_eq!(m.ask(Ask::to(true, "/next".into()), || true), Start::Queued);
        // An autosave asked for after it does not turn it into a plain save.
        assert_eq!(m.ask(Ask::default(), || true), Start::Queued);
        assert!(m.unsent_on_leaving(), "a queued save is still to be sent");
        let reaction = m.answered(
            &Ask::default(),
            true,
            &saved(SectionStatus::InProgress, vec![]),
        );
        assert_eq!(reaction.go_to, None, "the autosave itself goes nowhere");
        assert_eq!(reaction.next, Next::Send(Ask::to(true, "/next".into())));
        let reaction = m.answered(
            &Ask::to(true, "/next".into()),
            true,
            &saved(SectionStatus::Completed, vec![]),
        );
        assert_eq!(reaction.go_to.as_deref(), Some("/next"));
        assert_eq!(reaction.next, Next::Left);
        assert_eq!(m.state, SaveState::Saved("08:00:05".into()));
        assert!(!m.unsent_on_leaving());
    }

    #[test]
    fn save_and_continue_with_problems_stays_on_the_page() {
        let mut m = sending(Ask::to(true, "/next".into()));
        let reaction = m.answered(
            &Ask::to(true, "/next".into()),
            true,
            &saved(SectionStatus::InProgress, vec![problem()]),
        );
        assert_eq!(reaction.go_to, None);
        // A plain save that leads elsewhere ("previous") goes even with problems.
        let mut m = sending(Ask::to(false, "/previous".into()));
        let reaction = m.answered(
            &Ask::to(false, "/previous".into()),
            true,
            &saved(SectionStatus::InProgress, vec![problem()]),
        );
        assert_eq!(reaction.go_to.as_deref(), Some("/previous"));
    }

    #[test]
    fn save_and_continue_answered_about_answers_filled_in_since_is_sent_again() {
        // Sent before the registry's answer filled the permit number: "请填写居住证号码".
        let missing = FieldProblem::new("permit_number", "请填写居住证号码", "Enter it");
        let sent = SectionData::from([("holder".to_owned(), "guardian1".to_owned())]);
        let mut page = sent.clone();
        assert_eq!(
            still_standing(std::slice::from_ref(&missing), &sent, &page),
            vec![missing.clone()],
            "unchanged, it holds"
        );
        page.insert("permit_number".into(), "370202202305100071".into());
        let standing = still_standing(std::slice::from_ref(&missing), &sent, &page);
        assert!(standing.is_empty(), "filled since, it no longer holds");

        let mut m = sending(Ask::to(true, "/next".into()));
        let reaction = m.answered_while(
            &Ask::to(true, "/next".into()),
            true,
            &saved(SectionStatus::InProgress, vec![missing.clone()]),
            standing.is_empty(),
        );
        assert_eq!(reaction.go_to, None);
        assert_eq!(reaction.next, Next::Send(Ask::to(true, "/next".into())));
        // With the filled answers it goes on.
        let reaction = m.answered(
            &Ask::to(true, "/next".into()),
            true,
            &saved(SectionStatus::Completed, vec![]),
        );
        assert_eq!(reaction.go_to.as_deref(), Some("/next"));
        // A problem that still holds stays on the page, as before.
        let mut m = sending(Ask::to(true, "/next".into()));
        let reaction = m.answered_while(
            &Ask::to(true, "/next".into()),
            true,
            &saved(SectionStatus::InProgress, vec![missing]),
            false,
        );
        assert_eq!((reaction.go_to, reaction.next), (None, Next::Left));
    }

    #[test]
    fn refusals_by_the_network_or_the_crowd_wait_longer_each_time_and_keep_the_answers_unsent() {
        let mut m = sending(Ask::default());
        let offline = m.answered(&Ask::default(), true, &Err(AppError::Network));
        assert_eq!(m.state, SaveState::Offline);
        assert_eq!(offline.retry_in, Some(Duration::from_millis(2007)));
        assert_eq!(offline.next, Next::Stop);
        assert!(m.due() && m.unsent_at_exit() && m.unsent_on_leaving());
        let busy = m.answered(
            &Ask::default(),
            true,
            &Err(AppError::Unavailable { request_id: None }),
        );
        assert_eq!(m.state, SaveState::Busy);
        assert_eq!(busy.retry_in, Some(Duration::from_millis(4007)));
        for _ in 0..10 {
            m.answered(&Ask::default(), true, &Err(AppError::Network));
        }
        assert_eq!(
            m.answered(&Ask::default(), true, &Err(AppError::Network))
                .retry_in,
            Some(Duration::from_millis(60_007)),
            "never more than a minute"
        );
        // One save through starts the count again.
        m.answered(
            &Ask::default(),
            true,
            &saved(SectionStatus::InProgress, vec![]),
        );
        let again = m.answered(&Ask::default(), true, &Err(AppError::Network));
        assert_eq!(again.retry_in, Some(Duration::from_millis(2007)));
    }

    #[test]
    fn retries_of_different_registrations_are_spread_apart() {
        assert_ne!(backoff(1, 1), backoff(1, 2));
        assert!(backoff(1, 996) < Duration::from_secs(3));
        assert_eq!(backoff(3, -5), Duration::from_millis(8005));
    }

    #[test]
    fn a_conflict_or_a_refused_save_stops_the_chain_and_drops_what_was_queued() {
        let mut m = sending(Ask::default());
        m.ask(Ask::to(true, "/next".into()), || true);
        let conflict = Ok(SaveOutcome::Conflict {
            version: 5,
            data: answers(&[("name", "李四")]),
            fields: vec!["name".into()],
        });
        let reaction = m.answered(&Ask::default(), true, &conflict);
        assert_eq!(m.state, SaveState::Conflict);
        assert_eq!(
            reaction,
            Reaction {
                go_to: None,
                retry_in: None,
                next: Next::Stop
            }
        );
        assert!(!m.unsent_on_leaving(), "nothing is sent over a conflict");

        let mut m = sending(Ask::default());
        m.answered(&Ask::default(), true, &Err(AppError::Closed));
        assert_eq!(m.state, SaveState::Failed(AppError::Closed));
    }

    #[test]
    fn a_save_answered_after_the_page_was_left_goes_nowhere_and_sends_what_it_left() {
        let mut m = sending(Ask::to(true, "/next".into()));
        m.ask(Ask::default(), || true);
        let reaction = m.answered(
            &Ask::to(true, "/next".into()),
            false,
            &saved(SectionStatus::Completed, vec![]),
        );
        assert_eq!(reaction.go_to, None);
        assert_eq!(reaction.next, Next::Left);
        let offline = m.answered(&Ask::default(), false, &Err(AppError::Network));
        assert_eq!(offline.retry_in, None, "no page is left to retry from");
    }

    #[test]
    fn what_a_page_still_holds_when_it_goes_away() {
        let mut m = sending(Ask::default());
        assert!(
            m.unsent_at_exit(),
            "a save on its way may be cut off with the page"
        );
        assert!(
            !m.unsent_on_leaving(),
            "a save on its way outlives a page left in the app"
        );
        m.answered(
            &Ask::default(),
            true,
            &saved(SectionStatus::InProgress, vec![]),
        );
        assert!(!m.unsent_at_exit() && !m.unsent_on_leaving() && !m.due());
        m.edited();
        assert!(m.unsent_at_exit() && m.unsent_on_leaving());
    }

    #[test]
    fn settling_a_conflict_saves_only_what_differs_from_the_server() {
        let mut m = Machine::new(7, true);
        assert!(!m.settled(true));
        assert_eq!(m.state, SaveState::Idle);
        assert!(m.settled(false));
        assert_eq!(m.state, SaveState::Unsaved);
    }

    #[test]
    fn another_page_s_answers_are_taken_except_where_this_page_changed_since_sending() {
        let sent = answers(&[("name", "张三"), ("phone", "1")]);
        let mut current = answers(&[("name", "张三丰"), ("phone", "1")]);
        let merged = answers(&[("name", "张三"), ("phone", "2"), ("email", "a@b.cn")]);
        take_merged(&mut current, &sent, &merged);
        assert_eq!(
            current,
            answers(&[("name", "张三丰"), ("phone", "2"), ("email", "a@b.cn")])
        );
    }

    #[test]
    fn the_copy_on_the_device_goes_only_once_the_server_holds_the_same() {
        let sent = answers(&[("name", "张三")]);
        let none = Corrections::new();
        assert_eq!(
            draft_after_save(Some((sent.clone(), none.clone())), &sent, &none, &sent, 3),
            DraftStep::Remove
        );
        let typed_since = answers(&[("name", "张三丰")]);
        assert_eq!(
            draft_after_save(
                Some((typed_since.clone(), none.clone())),
                &sent,
                &none,
                &sent,
                3
            ),
            DraftStep::Keep(LocalDraft {
                base_version: 3,
                data: typed_since,
                corrections: none.clone()
            })
        );
        let noted: Corrections = [("name".to_owned(), "changed".to_owned())].into();
        assert!(matches!(
            draft_after_save(Some((sent.clone(), noted)), &sent, &none, &sent, 3),
            DraftStep::Keep(_)
        ));
        assert_eq!(
            draft_after_save(None, &sent, &none, &sent, 3),
            DraftStep::RemoveIfHolding(sent.clone())
        );
    }

    #[test]
    fn a_copy_found_on_the_device_is_offered_back_only_when_it_differs() {
        let data = answers(&[("name", "张三")]);
        let none = Corrections::new();
        let copy = |data: SectionData| LocalDraft {
            base_version: 1,
            data,
            corrections: Corrections::new(),
        };
        assert_eq!(local_copy(None, &data, &none), LocalCopy::None);
        assert_eq!(
            local_copy(Some(copy(data.clone())), &data, &none),
            LocalCopy::Same
        );
        let other = copy(answers(&[("name", "李四")]));
        assert_eq!(
            local_copy(Some(other.clone()), &data, &none),
            LocalCopy::Differs(other)
        );
    }
}
