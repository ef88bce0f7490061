//! A dialog's manners in the browser: it takes the focus when it opens (its first field, or
//! its cancel button), keeps Tab inside it, closes on Escape and on the phone's back button
//! (the host app's webview turns the hardware back key into `history.back()`: an open
//! dialog adds one history entry, at the same address, which that key takes away first),
//! and gives the focus back to what opened it.

use leptos::prelude::Callback;

/// Marks the opener of a dialog (`data-dialog-opener="<question id>"`): the focus goes back
/// to it when the dialog closes, even when the opener was drawn again meanwhile.
pub const OPENER_ATTRIBUTE: &str = "data-dialog-opener";

/// An open dialog's hold on the browser, let go by [`OpenDialog::close`].
pub struct OpenDialog {
    #[cfg(target_arch = "wasm32")]
    inner: leptos::__reexports::send_wrapper::SendWrapper<wasm::Held>,
}

/// Takes the focus into `dialog` (just drawn), adds the history entry the back button takes
/// away, and runs `close` when it does.
pub fn open(
    dialog: &leptos::web_sys::Element,
    question: &'static str,
    close: Callback<()>,
) -> OpenDialog {
    #[cfg(target_arch = "wasm32")]
    {
        OpenDialog {
            inner: leptos::__reexports::send_wrapper::SendWrapper::new(wasm::open(
                dialog, question, close,
            )),
        }
    }
    #[cfg(not(target_arch = "wasm32"))]
    {
        let _ = (dialog, question, close);
        OpenDialog {}
    }
}

impl OpenDialog {
    /// The dialog is gone: takes its history entry away unless the back button did (or the
    /// page moved on to another address: `still_here` false), and gives the focus back.
    pub fn close(self, still_here: bool) {
        #[cfg(target_arch = "wasm32")]
        {
            if self.inner.valid() {
                self.inner.take().close(still_here);
            }
        }
        #[cfg(not(target_arch = "wasm32"))]
        let _ = still_here;
    }
}

/// A key pressed inside a dialog: Tab and Shift+Tab go round its controls, Escape closes it.
pub fn key(ev: &leptos::ev::KeyboardEvent, close: Callback<()>) {
    #[cfg(target_arch = "wasm32")]
    wasm::key(ev, close);
    #[cfg(not(target_arch = "wasm32"))]
    let _ = (ev, close);
}

#[cfg(target_arch = "wasm32")]
mod wasm {
    use std::{cell::Cell, rc::Rc};

    use leptos::prelude::*;
    use wasm_bindgen::{JsCast, JsValue, closure::Closure};
    use web_sys::Element;

    use super::OPENER_ATTRIBUTE;
    use crate::browser::page::focus;

    /// The history entry's state: the router's own entries never carry it.
    const MARK: &str = "ruxueDialog";

    const FOCUSABLE: &str = "a[href], button:not([disabled]), input:not([disabled]):not([type=hidden]), \
        select:not([disabled]), textarea:not([disabled]), [tabindex]:not([tabindex='-1'])";

    pub struct Held {
        opener: Option<Element>,
        question: &'static str,
        popped: Rc<Cell<bool>>,
        popstate: Option<WindowListenerHandle>,
    }

    fn focusables(dialog: &Element) -> Vec<Element> {
        let Ok(list) = dialog.query_selector_all(FOCUSABLE) else {
            return Vec::new();
        };
        (0..list.length())
            .filter_map(|i| list.item(i))
            .filter_map(|node| node.dyn_into::<Element>().ok())
            .collect()
    }

    fn marked(state: &JsValue) -> bool {
        js_sys::Reflect::get(state, &JsValue::from_str(MARK)).is_ok_and(|v| v.is_truthy())
    }

    pub fn open(dialog: &Element, question: &'static str, close: Callback<()>) -> Held {
        // What had the focus, unless the opener is already gone (the dialog took its place).
        let opener = window()
            .document()
            .and_then(|d| d.active_element())
            .filter(|e| e.tag_name() != "BODY");
        // The first field to answer, else the way out that changes nothing.
        let first = dialog
            .query_selector("input:not([type=hidden]):not([disabled]), select:not([disabled]), textarea:not([disabled])")
            .ok()
            .flatten()
            .or_else(|| dialog.query_selector("[data-dialog-cancel]").ok().flatten())
            .or_else(|| focusables(dialog).into_iter().next());
        if let Some(first) = first {
            focus(&first);
        }
        let popped = Rc::new(Cell::new(false));
        let mut popstate = None;
        if let Ok(history) = window().history() {
            let state = js_sys::Object::new();
            let _ = js_sys::Reflect::set(&state, &JsValue::from_str(MARK), &JsValue::TRUE);
            if history.push_state(&state, "").is_ok() {
                let popped = popped.clone();
                popstate = Some(window_event_listener(leptos::ev::popstate, move |_| {
                    if !popped.get() {
                        popped.set(true);
                        close.run(());
                    }
                }));
            }
        }
        Held {
            opener,
            question,
            popped,
            popstate,
        }
    }

    impl Held {
        pub fn close(self, still_here: bool) {
            if let Some(handle) = self.popstate {
                handle.remove();
                if !self.popped.get()
                    && still_here
                    && let Ok(history) = window().history()
                    && history.state().is_ok_and(|s| marked(&s))
                {
                    let _ = history.back();
                }
            }
            // After the page has drawn what replaces the dialog.
            let (opener, question) = (self.opener, self.question);
            let give_back = Closure::once_into_js(move || {
                let target = opener.filter(|e| e.is_connected()).or_else(|| {
                    window().document().and_then(|d| {
                        d.query_selector(&format!("[{OPENER_ATTRIBUTE}=\"{question}\"]"))
                            .ok()
                            .flatten()
                    })
                });
                if let Some(target) = target {
                    focus(&target);
                }
            });
            let _ = window().set_timeout_with_callback(give_back.unchecked_ref());
        }
    }

    pub fn key(ev: &leptos::ev::KeyboardEvent, close: Callback<()>) {
        match ev.key().as_str() {
            "Escape" => {
                ev.prevent_default();
                ev.stop_propagation();
                close.run(());
            }
            "Tab" => {
                let Some(dialog) = ev
                    .current_target()
                    .and_then(|t| t.dyn_into::<Element>().ok())
                else {
                    return;
                };
                let controls = focusables(&dialog);
                let (Some(first), Some(last)) = (controls.first(), controls.last()) else {
                    return;
                };
                let active = window().document().and_then(|d| d.active_element());
                let at = |e: &Element| active.as_ref().is_some_and(|a| a == e);
                let inside = active.as_ref().is_some_and(|a| dialog.contains(Some(a)));
                if ev.shift_key() && (at(first) || !inside) {
                    ev.prevent_default();
                    focus(last);
                } else if !ev.shift_key() && (at(last) || !inside) {
                    ev.prevent_default();
                    focus(first);
                }
            }
            _ => {}
        }
    }
}
