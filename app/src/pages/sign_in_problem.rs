//! Where the host app's sign-in lands when the platform refuses it: says why, and what to
//! do in the host app.

use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

use crate::{
    api::session::get_host_app_entry,
    i18n::{Locale, t, use_locale},
};

/// The sign-in problem page (`/sign-in/problem?reason=…`).
#[component]
pub fn SignInProblemPage() -> impl IntoView {
    let locale = use_locale();
    let query = use_query_map();
    let reason = move || query.read().get("reason").unwrap_or_default();
    let entry = Resource::new_blocking(|| (), |_| get_host_app_entry());
    view! {
        <Suspense>
            {move || Suspend::new(async move {
                let entry = entry.await.ok();
                let host = entry.as_ref().map(|e| e.name.clone()).unwrap_or_default();
                let hotline = entry.as_ref().and_then(|e| e.hotline.clone());
                let url = entry.and_then(|e| e.entry_url);
                view! {
                    <section class="panel panel-error" role="alert" data-reason=reason>
                        <h1>{move || t("无法登录", "Cannot sign in").get(locale.get())}</h1>
                        <p>
                            {move || {
                                let host = host.get(locale.get()).to_owned();
                                message(&reason(), &host, locale.get())
                            }}
                        </p>
                        {hotline.map(|hotline| view! {
                            <p data-hotline="true">
                                {move || t("仍有问题，请拨打咨询电话：", "Still stuck? Call the help line: ").get(locale.get())}
                                <a href=crate::routes::tel(&hotline)>{hotline.clone()}</a>
                            </p>
                        })}
                        {url.map(|url| view! {
                            <a class="button button-primary" href=url rel="external">{move || t("返回重新进入", "Go back and open again").get(locale.get())}</a>
                        })}
                    </section>
                }
            })}
        </Suspense>
    }
}

fn message(reason: &str, host: &str, locale: Locale) -> String {
    match (reason, locale) {
        ("not-verified", Locale::Zh) => format!(
            "您在{host}中尚未完成实人认证。请在{host}“我的”页面完成实名认证和人脸识别后，再从{host}进入本平台报名；如多次认证仍不成功，请联系教体局。"
        ),
        ("not-verified", Locale::En) => format!(
            "{host} has not verified you yet. Complete the real-name and face check in {host} (under “Me”), then open this platform from {host} again; if the check keeps failing, contact the bureau."
        ),
        ("incomplete-identity", Locale::Zh) => format!(
            "{host}提供的姓名、身份证号或手机号不完整或格式不正确。请在{host}中核对并更新个人实名信息后重新进入。"
        ),
        ("incomplete-identity", Locale::En) => format!(
            "The name, ID number or phone {host} sent is incomplete or malformed. Check and update your details in {host}, then open the platform again."
        ),
        ("expired", Locale::Zh) => format!("登录链接已过期，请回到{host}重新进入本平台。"),
        ("expired", Locale::En) => format!("The sign-in link has expired. Go back to {host} and open the platform again."),
        ("replayed", Locale::Zh) => format!(
            "该登录链接已经使用过（例如刷新了页面或使用了浏览器后退）。请回到{host}重新进入本平台。"
        ),
        ("replayed", Locale::En) => format!(
            "This sign-in link was already used (for example after a reload or the back button). Go back to {host} and open the platform again."
        ),
        ("unavailable", Locale::Zh) => format!(
            "报名的人很多，系统繁忙，这次登录没有完成。请稍等几分钟，再回到{host}重新进入本平台。已经保存的报名信息不会丢失。"
        ),
        ("unavailable", Locale::En) => format!(
            "Many people are registering and the system is busy: this sign-in did not finish. Wait a few minutes, then go back to {host} and open the platform again. Nothing already saved is lost."
        ),
        ("not-configured", Locale::Zh) => "本平台暂未开通政务 APP 登录，请联系教体局。".to_owned(),
        ("not-configured", Locale::En) => {
            "Sign-in through the government app is not set up on this platform yet. Contact the bureau.".to_owned()
        }
        (_, Locale::Zh) => format!("登录信息无效。请回到{host}重新进入本平台；如多次出现，请联系教体局。"),
        (_, Locale::En) => format!(
            "The sign-in was not valid. Go back to {host} and open the platform again; if it keeps happening, contact the bureau."
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_reason_says_what_to_do_in_both_languages() {
        for reason in [
            "not-verified",
            "incomplete-identity",
            "expired",
            "replayed",
            "not-configured",
            "unavailable",
            "invalid",
            "???",
        ] {
            for locale in [Locale::Zh, Locale::En] {
                let text = message(reason, "爱山东", locale);
                assert!(text.len() > 20, "{reason} {locale:?}");
            }
        }
        assert!(message("not-verified", "爱山东", Locale::Zh).contains("实人认证"));
        // A busy morning is not an invalid sign-in: the parent is told to wait, not that
        // something is wrong with them.
        let busy = message("unavailable", "爱山东", Locale::Zh);
        assert!(
            busy.contains("系统繁忙") && !busy.contains("无效"),
            "{busy}"
        );
    }
}
