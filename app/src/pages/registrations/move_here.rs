//! 找回报名: a parent who registered a child from another host-app account of their own (a
//! changed phone number, Qingdao Q5) brings that registration to the account signed in, at
//! any time: while collection is open, and after it closed, when starting a registration is
//! no longer offered but the review and the results still are to be seen. The page loads
//! no code (`crate::hydration`): its form posts to the server, which opens the registration
//! moved, or comes back here saying why not.

use leptos::prelude::*;

use crate::{
    api::registrations::MoveChildRegistration,
    components::ErrorPanel,
    i18n::{t, use_locale},
};

/// `/registrations/move`.
#[component]
pub fn MoveHerePage() -> impl IntoView {
    let locale = use_locale();
    let bring = ServerAction::<MoveChildRegistration>::new();
    view! {
        <section class="panel" aria-labelledby="move-heading" data-move-here="true">
            <h1 id="move-heading">{move || t("找回之前的报名", "Bring over an earlier registration").get(locale.get())}</h1>
            <p>{move || t(
                "如果您更换了手机号或爱山东账号，之前用您本人另一个账号为孩子报的名，可以转到当前账号：已填写的信息、上传的材料、审核进度和录取结果都会一起转过来，原账号中将不再显示。",
                "If you changed your phone number or host-app account, a registration you made from another account of your own can move to this one: its answers, photos, review and results come with it, and the other account no longer shows it.",
            ).get(locale.get())}</p>
            <p class="hint">{move || t(
                "两个账号都须是您本人的（实名信息中的身份证号相同）。孩子的另一位家长报的名不能转，请对方在“我的报名”中邀请您关注。",
                "Both accounts must be yours (the same ID number in their verified details). A registration by the child's other parent cannot move: ask them to invite you under “My registrations”.",
            ).get(locale.get())}</p>
            {move || bring.value().get().and_then(Result::err).map(|error| view! { <ErrorPanel error /> })}
            <ActionForm action=bring>
                <div class="form">
                <label for="child_id_number">{move || t("儿童身份证号", "Child's ID number").get(locale.get())}</label>
                <p class="hint">{move || t("报名时填写的孩子身份证号，18 位，最后一位可能是 X。", "The child's ID number given when registering: 18 characters, the last may be X.").get(locale.get())}</p>
                <input id="child_id_number" name="child_id_number" type="text" autocomplete="off"
                    autocapitalize="characters" spellcheck="false" maxlength="20" />
                <div class="action-bar">
                    <button type="submit" class="button button-primary"
                        data-busy=move || t("正在转移…", "Moving…").get(locale.get())>
                        {move || t("把报名转到当前账号", "Move the registration here").get(locale.get())}
                    </button>
                    <a class="button" href="/registrations">{move || t("返回列表", "Back to list").get(locale.get())}</a>
                </div>
                </div>
            </ActionForm>
        </section>
    }
}
