//! An error shown in place of what failed to load.

use leptos::prelude::*;

use crate::{
    error::AppError,
    i18n::{t, use_locale},
};

/// Says what went wrong and what to do, announced to screen readers. Where what to do is
/// to contact the bureau, it links to the bureau's help line (the home page's footer).
#[component]
pub fn ErrorPanel(error: AppError) -> impl IntoView {
    let locale = use_locale();
    let error = StoredValue::new(error);
    let message = move || error.with_value(|e| e.message(locale.get()));
    view! {
        <div class="panel panel-error" role="alert">
            <p>{message}</p>
            {move || points_to_bureau(&message()).then(|| view! {
                <p>
                    <a href=crate::routes::HELP_LINE data-help-line-link="true">
                        {move || t("查看教体局咨询电话", "The bureau's help line").get(locale.get())}
                    </a>
                </p>
            })}
        </div>
    }
}

/// Whether a message tells a parent to contact the bureau (not staff to ask its
/// administrator).
fn points_to_bureau(message: &str) -> bool {
    ["联系教体局", "联系教育部门", "contact the bureau"]
        .iter()
        .any(|words| message.contains(words))
        && !["管理员", "administrator"]
            .iter()
            .any(|words| message.contains(words))
}

#[cfg(test)]
mod tests {
    use super::points_to_bureau;
    use crate::{error::AppError, i18n::Locale};

    #[test]
    fn an_error_that_sends_the_parent_to_the_bureau_is_recognised_in_both_languages() {
        let internal = AppError::Internal { request_id: None };
        assert!(points_to_bureau(&internal.message(Locale::Zh)));
        assert!(points_to_bureau(&internal.message(Locale::En)));
        assert!(!points_to_bureau(&AppError::Conflict.message(Locale::Zh)));
        assert!(!points_to_bureau(&AppError::Conflict.message(Locale::En)));
        assert!(!points_to_bureau(
            "登录失败次数过多，请 15 分钟后再试，或联系教体局管理员。"
        ));
    }
}
